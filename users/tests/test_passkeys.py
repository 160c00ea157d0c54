"""Passkeys (WebAuthn): adding, listing, renaming and removing them, the second step of sign-in
with one, passwordless sign-in, the account's policies, and every bad answer (another origin or
RP ID, another session's or an expired challenge, a replay, a forged signature, a counter that
goes backwards, another user's passkey). The browser is the software authenticator of
soft_authenticator.py: py_webauthn's real verification runs on every answer."""

import json
from datetime import timedelta

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Account, AuditEntry, KnownDevice, SecurityAddons
from tests.fixtures import PANEL_HOST, signed_in_client
from users.models import CodeFailure, LoginFailure, Passkey, User

from .soft_authenticator import SoftAuthenticator
from .totp import code_for
from .two_factor_helpers import KEY, password_step, turn_on

pytestmark = pytest.mark.django_db

TWO_FACTOR = "/profile/two-factor/"
REGISTER_OPTIONS = "/profile/two-factor/passkeys/options/"
ADD = "/profile/two-factor/passkeys/add/"
RENAME = "/profile/two-factor/passkeys/rename/"
CONFIRM_OPTIONS = "/profile/two-factor/passkeys/confirm-options/"
REMOVE = "/profile/two-factor/passkeys/remove/"
LOGIN_OPTIONS = "/login/passkey/options/"
LOGIN_PASSKEY = "/login/passkey/"


def _options(client, url, **data) -> dict:
    response = client.post(url, data)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def add_passkey(client, authenticator, name="Work laptop", **answer) -> object:
    options = _options(client, REGISTER_OPTIONS)
    return client.post(
        ADD, {"add-name": name, "add-credential": authenticator.register(options, **answer)}
    )


def _events(event):
    return list(AuditEntry.objects.filter(event=event).order_by("id"))


def _body(response) -> str:
    return response.content.decode()


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def admin(world):
    return world["admin_a"]


@pytest.fixture
def client(admin):
    return signed_in_client(admin)


# --- Registering ---------------------------------------------------------------------------------


def test_options_are_for_this_panel_and_ask_for_a_discoverable_credential(client, admin):
    options = _options(client, REGISTER_OPTIONS)
    assert options["rp"]["id"] == "testserver"
    assert options["user"]["name"] == admin.email
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert {p["alg"] for p in options["pubKeyCredParams"]} >= {-7}
    assert options["excludeCredentials"] == []


def test_add_list_rename_and_remove_a_passkey(client, admin, django_capture_on_commit_callbacks):
    authenticator = SoftAuthenticator()
    with django_capture_on_commit_callbacks(execute=True):
        response = add_passkey(client, authenticator, name="  Work   laptop ")
    assert response.status_code == 302 and response["Location"] == TWO_FACTOR
    passkey = Passkey.objects.get(user=admin)
    assert passkey.name == "Work laptop" and passkey.credential_id == authenticator.id
    assert passkey.account == admin.account and passkey.sign_count == 0
    admin.refresh_from_db()
    assert admin.two_factor_enabled  # sign-in now asks for a second factor
    [added] = _events("passkey.added")
    assert added.changes == {"two_factor_enabled": [False, True]}
    assert added.data["passkey"] == "Work laptop"
    assert [m.subject for m in mail.outbox] == ["Alpha Networks: A passkey was added"]

    page = _body(client.get(TWO_FACTOR))
    assert "Work laptop" in page and "not used yet" in page
    # The same authenticator is not offered a second registration.
    again = _options(client, REGISTER_OPTIONS)
    assert [c["id"] for c in again["excludeCredentials"]] == [authenticator.id]

    response = client.post(RENAME, {"rename-passkey": passkey.pk, "rename-name": "Desk key"})
    assert response.status_code == 302
    passkey.refresh_from_db()
    assert passkey.name == "Desk key"
    assert _events("passkey.renamed")[0].changes == {"passkey": ["Work laptop", "Desk key"]}

    mail.outbox.clear()
    options = _options(client, CONFIRM_OPTIONS)
    assert [c["id"] for c in options["allowCredentials"]] == [authenticator.id]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            REMOVE,
            {"remove-passkey": passkey.pk, "remove-credential": authenticator.assertion(options)},
        )
    assert response.status_code == 302, _body(response)
    assert not Passkey.objects.filter(user=admin).exists()
    admin.refresh_from_db()
    assert not admin.two_factor_enabled
    [removed] = _events("passkey.removed")
    assert removed.changes == {"two_factor_enabled": [True, False]}
    assert [m.subject for m in mail.outbox] == ["Alpha Networks: A passkey was removed"]


@pytest.mark.parametrize(
    "answer",
    [
        {"origin": "https://evil.example"},  # a look-alike site relaying the ceremony
        {"origin": "http://testserver:8080"},  # another port is another origin
        {"rp_id": "evil.example"},  # a credential made for another RP ID
    ],
)
def test_an_attestation_for_another_origin_or_rp_id_adds_nothing(client, admin, answer):
    response = add_passkey(client, SoftAuthenticator(), **answer)
    assert response.status_code == 400
    assert "could not be verified" in _body(response)
    assert not Passkey.objects.filter(account__name="Alpha Networks").exists()
    admin.refresh_from_db()
    assert not admin.two_factor_enabled
    assert not _events("passkey.added")


def test_an_answer_to_another_sessions_challenge_adds_nothing(admin):
    one, other = signed_in_client(admin), signed_in_client(admin)
    options = _options(one, REGISTER_OPTIONS)
    answer = SoftAuthenticator().register(options)
    response = other.post(ADD, {"add-name": "Laptop", "add-credential": answer})
    assert response.status_code == 400
    assert "does not belong to a request of this browser" in _body(response)
    assert not Passkey.objects.filter(account__name="Alpha Networks").exists()


def test_a_registration_answer_works_once(client):
    options = _options(client, REGISTER_OPTIONS)
    answer = SoftAuthenticator().register(options)
    assert client.post(ADD, {"add-name": "Laptop", "add-credential": answer}).status_code == 302
    response = client.post(ADD, {"add-name": "Phone", "add-credential": answer})
    assert response.status_code == 400
    assert "does not belong to a request of this browser" in _body(response)
    assert Passkey.objects.filter(account__name="Alpha Networks").count() == 1


def test_an_expired_challenge_adds_nothing(client):
    options = _options(client, REGISTER_OPTIONS)
    answer = SoftAuthenticator().register(options)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.post(ADD, {"add-name": "Laptop", "add-credential": answer})
    assert response.status_code == 400
    assert "ran out of time (5 minutes)" in _body(response)
    assert not Passkey.objects.filter(account__name="Alpha Networks").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"add-name": "", "add-credential": ""}, "Give the passkey a name"),
        ({"add-name": "Laptop", "add-credential": ""}, "passkeys need JavaScript"),
        ({"add-name": "Laptop", "add-credential": "{not json"}, "could not be verified"),
        ({"add-name": "Laptop", "add-credential": '{"id": 5}'}, "could not be verified"),
    ],
)
def test_bad_add_forms_say_why_and_add_nothing(client, data, message):
    _options(client, REGISTER_OPTIONS)
    response = client.post(ADD, data)
    assert response.status_code == 400
    assert message in _body(response)
    assert not Passkey.objects.filter(account__name="Alpha Networks").exists()


def test_two_passkeys_of_a_user_need_different_names(client, admin):
    assert add_passkey(client, SoftAuthenticator(), name="Laptop").status_code == 302
    response = add_passkey(client, SoftAuthenticator(), name="LAPTOP")
    assert response.status_code == 400
    assert "You have a passkey of this name already" in _body(response)
    assert Passkey.objects.filter(user=admin).count() == 1


def test_another_users_or_accounts_passkey_cannot_be_renamed_or_removed(world, client):
    theirs = SoftAuthenticator()
    add_passkey(signed_in_client(world["admin_b"]), theirs, name="B key")
    add_passkey(signed_in_client(world["user_a"]), SoftAuthenticator(), name="Colleague key")
    mine = SoftAuthenticator()
    add_passkey(client, mine)
    for other in Passkey.objects.exclude(user=world["admin_a"]):
        response = client.post(RENAME, {"rename-passkey": other.pk, "rename-name": "Mine now"})
        assert response.status_code == 400 and "not one of yours" in _body(response)
        options = _options(client, CONFIRM_OPTIONS)
        response = client.post(
            REMOVE, {"remove-passkey": other.pk, "remove-credential": mine.assertion(options)}
        )
        assert response.status_code == 400 and "not one of yours" in _body(response)
    assert sorted(Passkey.all_accounts.values_list("name", flat=True)) == [
        "B key",
        "Bravo laptop",  # the world's
        "Colleague key",
        "Work laptop",
    ]


# --- Removing needs a current second factor -------------------------------------------------------


def test_removal_without_a_second_factor_is_refused(client, admin):
    add_passkey(client, SoftAuthenticator())
    passkey = Passkey.objects.get(user=admin)
    response = client.post(REMOVE, {"remove-passkey": passkey.pk})
    assert response.status_code == 400
    assert "Confirm with one of your passkeys (the button below)." in _body(response)
    assert Passkey.objects.filter(pk=passkey.pk).exists()


def test_removal_with_another_authenticators_answer_is_refused(client, admin):
    add_passkey(client, SoftAuthenticator())
    passkey = Passkey.objects.get(user=admin)
    stranger = SoftAuthenticator()
    options = _options(client, CONFIRM_OPTIONS)
    response = client.post(
        REMOVE, {"remove-passkey": passkey.pk, "remove-credential": stranger.assertion(options)}
    )
    assert response.status_code == 400
    assert Passkey.objects.filter(pk=passkey.pk).exists()
    assert _events("two_factor.code_failed")[0].data["method"] == "passkey"


def test_removal_with_a_totp_code_or_wrong_code(client, admin):
    turn_on(admin)
    add_passkey(client, SoftAuthenticator())
    passkey = Passkey.objects.get(user=admin)
    response = client.post(REMOVE, {"remove-passkey": passkey.pk, "remove-code": "000000"})
    assert response.status_code == 400 and "That code is not right" in _body(response)
    assert Passkey.objects.filter(pk=passkey.pk).exists()
    import time

    code = code_for(KEY, at=time.time() + 30)
    response = client.post(REMOVE, {"remove-passkey": passkey.pk, "remove-code": code})
    assert response.status_code == 302
    assert not Passkey.objects.filter(pk=passkey.pk).exists()
    admin.refresh_from_db()
    assert admin.two_factor_enabled  # the authenticator app stays


def test_the_only_second_factor_stays_while_the_policy_requires_one(world, client, admin):
    add_passkey(client, authenticator := SoftAuthenticator())
    Account.objects.filter(pk=world["a"].pk).update(
        two_factor_required=Account.TwoFactorRule.EVERYONE
    )
    passkey = Passkey.objects.get(user=admin)
    options = _options(client, CONFIRM_OPTIONS)
    response = client.post(
        REMOVE,
        {"remove-passkey": passkey.pk, "remove-credential": authenticator.assertion(options)},
    )
    assert response.status_code == 400
    assert "your only second factor" in _body(response)
    assert Passkey.objects.filter(pk=passkey.pk).exists()


# --- The second step of sign-in ------------------------------------------------------------------


def _password_then_options(email):
    client, response = password_step(email)
    assert response["Location"] == "/login/code/"
    return client, _options(client, LOGIN_OPTIONS, purpose="second")


def test_a_user_with_a_passkey_is_offered_it_first_and_signs_in_with_it(
    client, admin, django_capture_on_commit_callbacks
):
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    turn_on(admin)
    browser, _ = password_step(admin.email)
    page = _body(browser.get("/login/code/"))
    assert "Use your passkey" in page and 'data-purpose="second"' in page
    assert "Use your authenticator app" in page and "Use a backup code" in page  # still there
    options = _options(browser, LOGIN_OPTIONS, purpose="second")
    assert [c["id"] for c in options["allowCredentials"]] == [authenticator.id]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/login/code/",
            {"method": "passkey", "credential": authenticator.assertion(options)},
        )
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in(browser)
    entry = _events("login.succeeded")[-1]
    assert entry.actor == admin and entry.data == {"second_factor": "passkey"}
    assert KnownDevice.objects.filter(user=admin).exists()
    passkey = Passkey.objects.get(user=admin)
    assert passkey.sign_count == 1 and passkey.last_used_at is not None


def test_the_passkey_step_refuses_bad_answers(world, client, admin):
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    other = SoftAuthenticator()
    add_passkey(signed_in_client(world["user_a"]), other, name="Colleague")
    browser, _ = password_step(admin.email)
    forger = ec.generate_private_key(ec.SECP256R1())
    bad = {
        "another user's passkey": lambda o: other.assertion(o),
        "another origin": lambda o: authenticator.assertion(o, origin="https://evil.example"),
        "another RP ID": lambda o: authenticator.assertion(o, rp_id="evil.example"),
        "a forged signature": lambda o: authenticator.assertion(o, signing_key=forger),
        "not JSON": lambda o: "{",
    }
    for case, make in bad.items():
        options = _options(browser, LOGIN_OPTIONS, purpose="second")
        response = browser.post("/login/code/", {"method": "passkey", "credential": make(options)})
        assert response.status_code == 400, case
        assert not _signed_in(browser), case
    # Each is audited and counts towards the code throttle.
    assert CodeFailure.objects.filter(user=admin).count() == len(bad)
    assert len(_events("login.code_failed")) == len(bad)
    assert Passkey.objects.get(user=admin).sign_count == 0  # nothing changed


def test_a_replayed_or_foreign_session_answer_is_refused(client, admin):
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    browser, options = _password_then_options(admin.email)
    answer = authenticator.assertion(options)
    # Another browser half-signed-in as the same user cannot use this session's challenge.
    stranger, _ = password_step(admin.email, agent="Browser B")
    response = stranger.post("/login/code/", {"method": "passkey", "credential": answer})
    assert response.status_code == 400 and "does not belong" in _body(response)
    assert (
        browser.post("/login/code/", {"method": "passkey", "credential": answer}).status_code == 302
    )
    # The same answer again, in a new half sign-in: its challenge is gone.
    again, _ = password_step(admin.email)
    response = again.post("/login/code/", {"method": "passkey", "credential": answer})
    assert response.status_code == 400 and not _signed_in(again)


def test_a_counter_that_goes_backwards_is_refused_and_audited(client, admin):
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    browser, options = _password_then_options(admin.email)
    assert (
        browser.post(
            "/login/code/",
            {"method": "passkey", "credential": authenticator.assertion(options, sign_count=7)},
        ).status_code
        == 302
    )
    clone, options = _password_then_options(admin.email)
    response = clone.post(
        "/login/code/",
        {"method": "passkey", "credential": authenticator.assertion(options, sign_count=7)},
    )
    assert response.status_code == 400
    assert "its use counter went backwards" in _body(response)
    assert not _signed_in(clone)
    [entry] = _events("passkey.sign_count_regressed")
    assert entry.target_id == str(admin.pk) or entry.target_label
    assert entry.data["stored_count"] == 7
    assert Passkey.objects.get(user=admin).sign_count == 7


# --- Passwordless --------------------------------------------------------------------------------


def _anonymous(ip="10.0.0.9"):
    return Client(HTTP_HOST=PANEL_HOST, REMOTE_ADDR=ip, HTTP_USER_AGENT="Browser A")


def test_sign_in_with_a_passkey_alone(client, admin, django_capture_on_commit_callbacks):
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    SecurityAddons.objects.create(account=admin.account, user=admin, login_notifications=True)
    browser = _anonymous()
    page = _body(browser.get("/login/"))
    assert "Sign in with a passkey" in page and "js/passkeys.js" in page
    options = _options(browser, LOGIN_OPTIONS)
    assert options["allowCredentials"] == [] and options["userVerification"] == "required"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            LOGIN_PASSKEY, {"passkey-credential": authenticator.assertion(options)}
        )
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in(browser)
    assert browser.get("/account/config/").status_code == 200
    entry = _events("login.succeeded")[-1]
    assert entry.actor == admin and entry.ip == "10.0.0.9"
    assert entry.data == {"method": "passkey, without a password"}
    assert KnownDevice.objects.filter(user=admin).exists()  # the new-device logic ran
    assert "Alpha Networks: You signed in" in [m.subject for m in mail.outbox]


def test_passwordless_needs_user_verification_and_this_panels_origin(client, admin, world):
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    browser = _anonymous()
    portal = f"http://{world['portal_host_a']}"
    for answer in (
        {"user_verified": False},
        {"origin": portal},  # a staff passkey used on a portal page (same registrable domain)
        {"origin": "https://evil.example"},
        {"user_handle": b"someone else"},
    ):
        options = _options(browser, LOGIN_OPTIONS)
        response = browser.post(
            LOGIN_PASSKEY, {"passkey-credential": authenticator.assertion(options, **answer)}
        )
        assert response.status_code == 400, answer
        assert not _signed_in(browser), answer
    assert len(_events("login.passkey_failed")) == 4


def test_portal_hosts_have_no_staff_passkey_sign_in(world):
    portal = Client(HTTP_HOST=world["portal_host_a"])
    for url in (LOGIN_OPTIONS, LOGIN_PASSKEY, REGISTER_OPTIONS):
        assert portal.post(url).status_code == 404, url


def test_an_unknown_passkey_or_no_challenge_is_refused(client):
    browser = _anonymous()
    stranger = SoftAuthenticator()
    response = browser.post(
        LOGIN_PASSKEY, {"passkey-credential": stranger.assertion({"challenge": "abc"})}
    )
    assert response.status_code == 400 and "does not belong" in _body(response)
    options = _options(browser, LOGIN_OPTIONS)
    response = browser.post(LOGIN_PASSKEY, {"passkey-credential": stranger.assertion(options)})
    assert response.status_code == 400
    assert "not registered for any user" in _body(response)
    assert not _signed_in(browser)


def test_passkey_challenges_are_handed_out_a_few_times_a_minute_per_address(db, settings):
    """Each challenge is a session row: an anonymous caller cannot farm them."""
    settings.PASSKEY_OPTIONS_PER_MINUTE = 3
    for _ in range(3):
        assert "challenge" in _options(_anonymous(), LOGIN_OPTIONS)
    refused = _anonymous().post(LOGIN_OPTIONS)
    assert refused.status_code == 429
    assert json.loads(refused.content) == {
        "error": "Too many passkey sign-ins from your address: wait a minute."
    }
    assert "challenge" in _options(_anonymous(ip="198.51.100.7"), LOGIN_OPTIONS)


def test_passwordless_sign_in_is_throttled_and_audited(client, admin, settings):
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    browser = _anonymous(ip="203.0.113.50")
    for _ in range(settings.LOGIN_FAILURES_PER_PAIR):
        options = _options(browser, LOGIN_OPTIONS)
        forged = authenticator.assertion(
            options, signing_key=ec.generate_private_key(ec.SECP256R1())
        )
        assert browser.post(LOGIN_PASSKEY, {"passkey-credential": forged}).status_code == 400
    assert LoginFailure.objects.filter(user=admin).count() == settings.LOGIN_FAILURES_PER_PAIR
    # Now even the right passkey is not checked from this address until the lock ends.
    options = _options(browser, LOGIN_OPTIONS)
    response = browser.post(LOGIN_PASSKEY, {"passkey-credential": authenticator.assertion(options)})
    assert response.status_code == 400
    assert "sign-in is locked" in _body(response)
    assert not _signed_in(browser)
    assert _events("login.locked")[-1].data == {"method": "passkey"}
    assert len(_events("login.passkey_failed")) == settings.LOGIN_FAILURES_PER_PAIR


def test_passwordless_counter_regression_is_refused_and_audited(client, admin):
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    browser = _anonymous()
    options = _options(browser, LOGIN_OPTIONS)
    ok = authenticator.assertion(options, sign_count=3)
    assert browser.post(LOGIN_PASSKEY, {"passkey-credential": ok}).status_code == 302
    clone = _anonymous(ip="10.0.0.77")
    options = _options(clone, LOGIN_OPTIONS)
    response = clone.post(
        LOGIN_PASSKEY, {"passkey-credential": authenticator.assertion(options, sign_count=2)}
    )
    assert response.status_code == 400 and not _signed_in(clone)
    assert len(_events("passkey.sign_count_regressed")) == 1


def test_passwordless_keeps_the_address_rules(client, admin, world):
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    Account.objects.filter(pk=world["a"].pk).update(allowed_ip_ranges="192.0.2.0/24")
    browser = _anonymous(ip="10.0.0.9")
    options = _options(browser, LOGIN_OPTIONS)
    response = browser.post(LOGIN_PASSKEY, {"passkey-credential": authenticator.assertion(options)})
    assert response.status_code == 400 and "allows sign-in only from its own networks" in _body(
        response
    )
    assert not _signed_in(browser)


# --- Policies ------------------------------------------------------------------------------------


def test_require_two_factor_counts_a_passkey(world, admin):
    Account.objects.filter(pk=world["a"].pk).update(
        two_factor_required=Account.TwoFactorRule.EVERYONE
    )
    client = signed_in_client(admin)
    assert client.get("/account/config/")["Location"] == "/profile/two-factor/set-up/"
    add_passkey(client, SoftAuthenticator())  # the passkey pages are open while enrolling
    assert client.get("/account/config/").status_code == 200


def test_require_a_passkey_for_administrators(world, admin):
    turn_on(admin)
    Account.objects.filter(pk=world["a"].pk).update(passkey_required_for_admins=True)
    client = signed_in_client(admin)
    assert client.get("/account/config/")["Location"] == TWO_FACTOR
    assert "requires a passkey for Administrators" in _body(client.get(TWO_FACTOR))
    # A User (not an Administrator) is not asked.
    assert signed_in_client(world["user_a"]).get("/account/config/").status_code != 302
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    assert client.get("/account/config/").status_code == 200
    # Signing in: a code no longer does for them; the passkey does.
    import time

    browser, _ = password_step(admin.email)
    page = _body(browser.get("/login/code/"))
    assert "Use your passkey" in page and "Use your authenticator app" not in page
    response = browser.post("/login/code/", {"code": code_for(KEY, at=time.time() + 30)})
    assert response.status_code == 400 and "sign in with a passkey" in _body(response)
    assert not _signed_in(browser)
    options = _options(browser, LOGIN_OPTIONS, purpose="second")
    response = browser.post(
        "/login/code/", {"method": "passkey", "credential": authenticator.assertion(options)}
    )
    assert response.status_code == 302 and _signed_in(browser)
    # Its only passkey cannot be removed while the policy stands.
    passkey = Passkey.objects.get(user=admin)
    options = _options(client, CONFIRM_OPTIONS)
    response = client.post(
        REMOVE,
        {"remove-passkey": passkey.pk, "remove-credential": authenticator.assertion(options)},
    )
    assert response.status_code == 400 and "Add another passkey first" in _body(response)


def test_the_settings_tab_sets_the_passkey_policy(world, client):
    assert "Require a passkey for Administrators" in _body(client.get("/account/settings/"))
    page = _body(client.get("/account/settings/edit/"))
    assert 'name="passkey_required_for_admins"' in page
    response = client.post(
        "/account/settings/edit/",
        {
            "two_factor_required": "nobody",
            "passkey_required_for_admins": "on",
            "idle_timeout_minutes": "60",
            "allowed_ip_ranges": "",
        },
    )
    assert response.status_code == 302
    account = Account.objects.get(pk=world["a"].pk)
    assert account.passkey_required_for_admins
    entry = _events("account.security_policy_updated")[-1]
    assert entry.changes["passkey_required_for_admins"] == [False, True]
    # The Administrator who saved it has no passkey: they are sent to add one.
    assert client.get("/account/settings/")["Location"] == TWO_FACTOR


def test_an_administrators_reset_removes_passkeys_too(world, client):
    colleague = world["user_a"]
    add_passkey(signed_in_client(colleague), SoftAuthenticator())
    colleague.refresh_from_db()
    assert colleague.two_factor_enabled
    response = client.post(f"/account/users/{colleague.pk}/two-factor/reset/")
    assert response.status_code == 302
    colleague = User.objects.for_account(world["a"]).get(pk=colleague.pk)
    assert not colleague.two_factor_enabled
    assert not Passkey.objects.filter(user=colleague).exists()
    assert _events("two_factor.reset")[-1].data == {"passkeys_removed": 1}


def test_passwordless_refuses_a_replay_and_an_expired_challenge(client, admin):
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    browser = _anonymous()
    options = _options(browser, LOGIN_OPTIONS)
    answer = authenticator.assertion(options)
    assert browser.post(LOGIN_PASSKEY, {"passkey-credential": answer}).status_code == 302
    # The same answer from another browser (or again): its challenge was used.
    thief = _anonymous(ip="10.0.0.66")
    _options(thief, LOGIN_OPTIONS)
    response = thief.post(LOGIN_PASSKEY, {"passkey-credential": answer})
    assert response.status_code == 400 and not _signed_in(thief)
    late = _anonymous(ip="10.0.0.67")
    options = _options(late, LOGIN_OPTIONS)
    answer = authenticator.assertion(options)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = late.post(LOGIN_PASSKEY, {"passkey-credential": answer})
    assert response.status_code == 400 and "ran out of time" in _body(response)
    assert not _signed_in(late)
    assert Passkey.objects.get(user=admin).sign_count == 1  # only the first answer counted


def test_the_second_step_options_need_a_half_sign_in_and_a_passkey(world, admin):
    assert "Enter your email and password first" in _body(
        _anonymous().post(LOGIN_OPTIONS, {"purpose": "second"})
    )
    turn_on(admin)  # a code, no passkey
    browser, _ = password_step(admin.email)
    assert "use a code instead" in _body(browser.post(LOGIN_OPTIONS, {"purpose": "second"}))
