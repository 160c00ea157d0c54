"""The Users tab: list, user and group dialogs, the rules, invitations, IP whitelist."""

import re

import pytest
from django.core import mail
from django.test import Client, override_settings

from accounts.actors import PLATFORM
from accounts.errors import Refused
from accounts.lists import PER_PAGE
from accounts.models import AuditEntry
from accounts.permissions import ALLOW, DENY
from tests.fixtures import PANEL_HOST, PASSWORD, signed_in_client
from tests.querycount import assert_constant_queries
from users.models import GroupMembership, PermissionGroup, User
from users.services import delete_users, save_group

STRONG = "Sturdy-Pass-42!"
# Says nothing of where the address is used (this account or another tenant).
DUPLICATE_EMAIL = "This e-mail address cannot be used for a new user."


def _user_data(**overrides):
    data = {
        "name": "Nina New",
        "email": "nina@alpha.test",
        "password": STRONG,
        "role": "user",
        "time_zone": "",
        "ip_whitelist": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _edit_data(user, **overrides):
    data = {
        "name": user.name,
        "email": user.email,
        "password": "",
        "role": user.role,
        "time_zone": user.time_zone,
        "ip_whitelist": user.ip_whitelist,
        "is_active": "on" if user.is_active else "",
        "read_only": "on" if user.read_only else "",
        "groups": [g.pk for g in user.groups.all()],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v not in (None, "")}


# --- The list ---


def test_list_shows_users_and_groups_of_this_account_only(world, client_admin_a):
    body = client_admin_a.get("/account/users/").content.decode()
    for text in ("admin@alpha.test", "user@alpha.test", "Support A", "Customer"):
        assert text in body
    for text in ("bravo", "Support B"):
        assert text not in body


def test_search_and_sort(world, client_admin_a):
    body = client_admin_a.get("/account/users/?q=UMA").content.decode()
    assert "<td>user@alpha.test</td>" in body and "<td>admin@alpha.test</td>" not in body
    body = client_admin_a.get("/account/users/?sort=-email").content.decode()
    assert body.index("<td>user@alpha.test</td>") < body.index("<td>admin@alpha.test</td>")
    body = client_admin_a.get("/account/users/?sort=nonsense&page=xyz").content.decode()
    assert "admin@alpha.test" in body  # unknown sort and page fall back, no error


def _bulk_users(account, group, n):
    existing = User.objects.for_account(account).count()
    users = User.objects.bulk_create(
        User(account=account, email=f"bulk{i}@alpha.test", name=f"Bulk {i:04}", password="!")
        for i in range(existing, n)
    )
    GroupMembership.objects.bulk_create(
        GroupMembership(account=account, user=u, group=group) for u in users
    )


def test_list_query_count_is_constant_from_1_to_500_users(world, client_admin_a):
    def render():
        response = client_admin_a.get("/account/users/?page=2")
        assert response.status_code == 200

    assert_constant_queries(
        render, lambda n: _bulk_users(world["a"], world["group_a"], n), few=3, many=500
    )


def test_list_pages_by_the_page_size(world, client_admin_a):
    _bulk_users(world["a"], world["group_a"], 120)
    body = client_admin_a.get("/account/users/").content.decode()
    assert body.count('form="users-form" aria-label="Select ') == PER_PAGE
    assert f"Page 1 of {-(-122 // PER_PAGE)}" in body


def test_reader_sees_no_add_edit_or_delete(world, client_user_a):
    world["group_a"].permissions = {"users": ALLOW}
    save_group(world["group_a"], actor=PLATFORM)
    world["user_a"].read_only = True
    world["user_a"].save()
    body = client_user_a.get("/account/users/").content.decode()
    assert "admin@alpha.test" in body
    assert "/account/users/add/" not in body
    assert "/account/users/delete/" not in body
    assert "data-dialog>Ada Alpha" not in body


# --- Adding a user ---


def test_add_user_with_password_and_groups(world, client_admin_a):
    response = client_admin_a.post(
        "/account/users/add/", _user_data(groups=[world["group_a"].pk], email="Nina@Alpha.TEST")
    )
    assert response.status_code == 302
    user = User.objects.get(email="nina@alpha.test")
    assert user.account == world["a"]
    assert user.role == User.Role.USER
    assert list(user.groups.all()) == [world["group_a"]]
    assert user.check_password(STRONG)
    entry = AuditEntry.objects.get(event="user.created", target_id=str(user.pk))
    assert entry.actor == world["admin_a"]
    assert entry.changes["groups"] == [None, ["Support A"]]
    assert STRONG not in str(entry.changes)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "ADMIN@alpha.test"}, "email", DUPLICATE_EMAIL),
        ({"email": "user@BRAVO.test"}, "email", DUPLICATE_EMAIL),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"name": ""}, "name", "This field is required."),
        ({"password": "short"}, "password", "be 8 to 64 characters long"),
        ({"password": "alllowercase1!"}, "password", "contain an upper-case letter"),
        ({"password": "NoSpecials123"}, "password", "contain one of @$!%*#?&"),
        ({"password": None}, "password", "Enter a password, or tick"),
        ({"role": "owner"}, "role", "Select a valid choice."),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice."),
        ({"ip_whitelist": "10.0.0.1\n\n300.1.1.1"}, "ip_whitelist", "Line 3: “300.1.1.1”"),
    ],
)
def test_add_user_bad_input(world, client_admin_a, overrides, field, message):
    before = User.objects.count()
    response = client_admin_a.post("/account/users/add/", _user_data(**overrides))
    assert response.status_code == 400
    body = response.content.decode()
    errors = re.search(rf'id="id_{field}_errors">(.*?)</ul>', body, re.S)
    assert errors and message in errors.group(1), body[:200]
    assert User.objects.count() == before
    assert 'value="Nina New"' in body or field == "name"  # what was typed is kept


def test_a_taken_email_gets_the_same_words_whichever_account_holds_it(world, client_admin_a):
    answers = []
    for email in ("user@alpha.test", "user@bravo.test"):
        response = client_admin_a.post("/account/users/add/", _user_data(email=email))
        body = response.content.decode()
        answers.append(re.search(r'id="id_email_errors">(.*?)</ul>', body, re.S).group(1))
        assert "in use" not in body and "another account" not in body.lower()
    assert answers[0] == answers[1]
    assert DUPLICATE_EMAIL in answers[0]


def test_a_group_of_another_account_cannot_be_forged_in(world, client_admin_a):
    response = client_admin_a.post("/account/users/add/", _user_data(groups=[world["group_b"].pk]))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(email="nina@alpha.test").exists()


def test_invitation_is_mailed_single_use_and_expiring(
    world, client_admin_a, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_admin_a.post("/account/users/add/", _user_data(password=None, send_invitation="on"))
    user = User.objects.get(email="nina@alpha.test")
    assert not user.has_usable_password()
    assert mail.outbox[0].to == ["nina@alpha.test"]
    assert "Alpha Networks" in mail.outbox[0].subject
    link = re.search(r"http://testserver(/invitation/\S+/)", mail.outbox[0].body).group(1)

    visitor = Client(HTTP_HOST=PANEL_HOST)
    assert "Welcome to Alpha Networks" in visitor.get(link).content.decode()
    weak = visitor.post(link, {"new_password1": "weak", "new_password2": "weak"})
    assert weak.status_code == 200 and "be 8 to 64 characters long" in weak.content.decode()
    response = visitor.post(link, {"new_password1": STRONG, "new_password2": STRONG})
    assert response["Location"] == "/login/"
    user.refresh_from_db()
    assert user.check_password(STRONG)

    again = visitor.get(link)
    assert again.status_code == 404
    assert "has been used already" in again.content.decode()

    settings.INVITATION_MAX_AGE = -1
    from users.invitations import make_token

    expired = visitor.get(f"/invitation/{make_token(user)}/")
    assert "has expired" in expired.content.decode()
    assert "is not valid" in visitor.get("/invitation/forged-token/").content.decode()


# --- Editing ---


def test_blank_password_on_edit_keeps_it_and_role_change_is_audited(world, client_admin_a):
    user = world["user_a"]
    response = client_admin_a.post(f"/account/users/{user.pk}/", _edit_data(user, role="admin"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.role == User.Role.ADMINISTRATOR
    assert user.check_password(PASSWORD)
    entry = AuditEntry.objects.get(event="user.updated", actor=world["admin_a"])
    assert entry.changes == {"role": ["user", "admin"]}
    assert entry.target_id == str(user.pk)


def test_edit_shows_effective_access(world, client_admin_a):
    other = PermissionGroup.objects.create(
        account=world["a"], name="No Customers", permissions={"customer": DENY, "cdr": ALLOW}
    )
    GroupMembership.objects.create(account=world["a"], user=world["user_a"], group=other)
    body = client_admin_a.get(f"/account/users/{world['user_a'].pk}/").content.decode()
    rows = {
        module: (status, why)
        for module, status, why in re.findall(
            r"<tr><td>([\w ]+)</td><td><span[^>]*>([\w ]+)</span></td><td>(.*?)</td></tr>", body
        )
    }
    assert rows["Customer"] == ("Denied", "by No Customers")
    assert rows["Cdr"] == ("Allowed", "by No Customers")
    assert rows["Users"] == ("Not granted", "")
    assert len(rows) == 17


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"role": "user"}, "role", "You cannot demote yourself"),
        ({"is_active": None}, "is_active", "You cannot deactivate yourself"),
    ],
)
def test_you_cannot_demote_or_deactivate_yourself(world, client_admin_a, change, field, message):
    me = world["admin_a"]
    response = client_admin_a.post(f"/account/users/{me.pk}/", _edit_data(me, **change))
    assert response.status_code == 400
    assert message in re.search(
        rf'id="id_{field}_errors">(.*?)</ul>', response.content.decode(), re.S
    ).group(1)
    me.refresh_from_db()
    assert me.is_administrator and me.is_active


def _user_manager(world):
    """The account's User, allowed the Users module: may manage users but is no Administrator."""
    group = world["group_a"]
    group.permissions = {"users": ALLOW}
    save_group(group, actor=PLATFORM)
    return signed_in_client(world["user_a"])


def _second_admin(world, **extra):
    return User.objects.create(
        account=world["a"],
        email="boss@alpha.test",
        name="Boss",
        role="admin",
        password="!",
        **extra,
    )


def test_an_administrator_may_be_demoted_while_another_remains(world, client_admin_a):
    boss = _second_admin(world)
    response = client_admin_a.post(f"/account/users/{boss.pk}/", _edit_data(boss, role="user"))
    assert response.status_code == 302
    boss.refresh_from_db()
    assert not boss.is_administrator


@pytest.mark.parametrize(
    ("change", "field", "verb"),
    [
        ({"role": "user"}, "role", "demote"),
        ({"is_active": None}, "is_active", "deactivate"),
        ({"read_only": "on"}, "read_only", "make read only"),
    ],
)
def test_the_last_writable_administrator_stays(world, change, field, verb):
    # boss is an Administrator too, but read only: they could not undo anything.
    boss = _second_admin(world, read_only=True)
    admin = world["admin_a"]
    response = signed_in_client(boss).post(
        f"/account/users/{admin.pk}/", _edit_data(admin, **change)
    )
    assert response.status_code == 403  # a read-only user never writes
    boss.read_only = False
    boss.save()
    admin.read_only = True
    admin.save()  # now boss is the only writable Administrator
    response = signed_in_client(admin).get("/account/users/")
    response = signed_in_client(boss).post(f"/account/users/{boss.pk}/", _edit_data(boss, **change))
    errors = re.search(rf'id="id_{field}_errors">(.*?)</ul>', response.content.decode(), re.S)
    assert errors and f"You cannot {verb} yourself" in errors.group(1)


def test_the_last_administrator_cannot_be_deleted(world):
    boss = _second_admin(world)
    response = signed_in_client(boss).post(
        "/account/users/delete/", {"selected": [world["admin_a"].pk, boss.pk]}
    )
    assert User.objects.for_account(world["a"]).filter(role="admin").count() == 2
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any(
        "Nothing was deleted" in m and "at least one active Administrator" in m for m in messages
    )
    # Even the platform itself (no actor) keeps the rule.
    with pytest.raises(Refused, match="needs at least one active Administrator"):
        delete_users(PLATFORM, [world["admin_a"].pk, boss.pk], account=world["a"])


def test_a_user_manager_cannot_create_or_become_an_administrator(world):
    manager = _user_manager(world)
    me = world["user_a"]
    # Their own role is shown, not offered: a forged value is ignored.
    manager.post(f"/account/users/{me.pk}/", _edit_data(me, role="admin"))
    me.refresh_from_db()
    assert me.role == User.Role.USER
    response = manager.post("/account/users/add/", _user_data(role="admin"))
    assert response.status_code == 400
    assert not User.objects.filter(email="nina@alpha.test").exists()
    assert '<option value="admin"' not in manager.get("/account/users/add/").content.decode()


def test_a_user_manager_cannot_touch_an_administrator(world):
    manager = _user_manager(world)
    admin = world["admin_a"]
    assert (
        f'href="/account/users/{admin.pk}/"' not in manager.get("/account/users/").content.decode()
    )
    response = manager.post(f"/account/users/{admin.pk}/", _edit_data(admin, password=STRONG))
    assert response.status_code == 403
    assert (
        "Only an Administrator may change or delete an Administrator." in response.content.decode()
    )
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)
    manager.post("/account/users/delete/", {"selected": [admin.pk]})
    assert User.objects.filter(pk=admin.pk).exists()


def test_a_user_manager_manages_users(world):
    manager = _user_manager(world)
    response = manager.post("/account/users/add/", _user_data())
    assert response.status_code == 302
    nina = User.objects.get(email="nina@alpha.test")
    response = manager.post(f"/account/users/{nina.pk}/", _edit_data(nina, name="Nina N."))
    assert response.status_code == 302


def test_deactivating_a_user_ends_their_sessions_at_once(world, client_admin_a):
    victim = world["user_a"]
    their_client = signed_in_client(victim)
    assert their_client.get("/").status_code in (200, 302)
    assert not their_client.get("/").get("Location", "").startswith("/login/")
    client_admin_a.post(f"/account/users/{victim.pk}/", _edit_data(victim, is_active=None))
    assert their_client.get("/")["Location"].startswith("/login/")


def test_changing_a_password_ends_the_users_sessions(world, client_admin_a):
    victim = world["user_a"]
    their_client = signed_in_client(victim)
    client_admin_a.post(f"/account/users/{victim.pk}/", _edit_data(victim, password=STRONG))
    assert their_client.get("/")["Location"].startswith("/login/")


def test_delete_selected_ends_sessions_and_is_audited(world, client_admin_a):
    victim = world["user_a"]
    their_client = signed_in_client(victim)
    response = client_admin_a.post("/account/users/delete/", {"selected": [victim.pk]})
    assert response.status_code == 302
    assert not User.objects.filter(pk=victim.pk).exists()
    assert their_client.get("/")["Location"].startswith("/login/")
    entry = AuditEntry.objects.get(event="user.deleted")
    assert entry.target_label == "Uma Alpha"
    assert entry.changes["email"] == ["user@alpha.test", None]


def test_you_cannot_delete_yourself(world, client_admin_a):
    response = client_admin_a.post("/account/users/delete/", {"selected": [world["admin_a"].pk]})
    assert User.objects.filter(pk=world["admin_a"].pk).exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("You cannot delete yourself" in m for m in messages)


def test_ids_of_another_account_are_ignored(world, client_admin_a):
    ids = [world["user_a"].pk, world["user_b"].pk]
    response = client_admin_a.post("/account/users/delete/", {"selected": ids}, follow=True)
    assert list(User.objects.filter(pk__in=ids)) == [world["user_b"]]
    assert "Deleted 1 user: user@alpha.test." in response.content.decode()
    client_admin_a.post("/account/users/groups/delete/", {"selected": [world["group_b"].pk]})
    assert PermissionGroup.objects.filter(pk=world["group_b"].pk).exists()


# --- Groups ---


def test_add_group_and_audit_its_permissions(world, client_admin_a):
    response = client_admin_a.post(
        "/account/users/groups/add/",
        {"name": "Finance", "perm_payments": "allow", "perm_report": "allow", "perm_log": "deny"},
    )
    assert response.status_code == 302
    group = PermissionGroup.objects.get(account=world["a"], name="Finance")
    assert group.permissions == {"payments": "allow", "report": "allow", "log": "deny"}
    body = client_admin_a.get("/account/users/").content.decode()
    assert "<td>Report, Payments</td>" in body and "<td>Log</td>" in body
    entry = AuditEntry.objects.get(event="group.created", actor=world["admin_a"])
    assert entry.changes["Payments"] == [None, "Allow"]
    assert entry.changes["Log"] == [None, "Deny"]

    client_admin_a.post(
        f"/account/users/groups/{group.pk}/", {"name": "Finance", "perm_payments": "deny"}
    )
    entry = AuditEntry.objects.get(event="group.updated", actor=world["admin_a"])
    assert entry.changes["Payments"] == ["Allow", "Deny"]
    assert entry.changes["Report"] == ["Allow", ""]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "support a"}, "name", "already has a group with this name"),
        ({"name": ""}, "name", "This field is required."),
        ({"name": "X", "perm_users": "superpower"}, "perm_users", "Select a valid choice."),
    ],
)
def test_group_bad_input(world, client_admin_a, data, field, message):
    before = PermissionGroup.objects.count()
    response = client_admin_a.post("/account/users/groups/add/", data)
    assert response.status_code == 400
    errors = re.search(rf'id="id_{field}_errors">(.*?)</ul>', response.content.decode(), re.S)
    assert errors and message in errors.group(1)
    assert PermissionGroup.objects.count() == before


def test_group_with_a_forged_module_saves_nothing(world, client_admin_a):
    response = client_admin_a.post(
        "/account/users/groups/add/", {"name": "Sneaky", "perm_root": "allow"}
    )
    assert response.status_code == 400
    assert "Unknown module: root" in response.content.decode()
    assert not PermissionGroup.objects.filter(name="Sneaky").exists()


def test_group_names_may_repeat_across_accounts(world, client_admin_a):
    response = client_admin_a.post("/account/users/groups/add/", {"name": "Support B"})
    assert response.status_code == 302


def test_deleting_a_group_removes_its_grants_at_once(world, client_admin_a, client_user_a):
    group = world["group_a"]
    group.permissions = {"audit_log": ALLOW}
    save_group(group, actor=PLATFORM)
    assert client_user_a.get("/audit/").status_code == 200
    client_admin_a.post("/account/users/groups/delete/", {"selected": [group.pk]})
    assert client_user_a.get("/audit/").status_code == 403
    assert AuditEntry.objects.get(event="group.deleted").data == {"members": ["user@alpha.test"]}


# --- IP whitelist ---


@pytest.mark.parametrize(
    ("whitelist", "ip", "allowed"),
    [
        ("203.0.113.7", "203.0.113.7", True),
        ("203.0.113.7", "203.0.113.8", False),
        ("203.0.113.", "203.0.113.200", True),
        ("10.", "10.9.8.7", True),
        ("198.51.100.0/24\n2001:db8::/32", "2001:db8::1", True),
        ("198.51.100.0/24", "198.51.101.1", False),
    ],
)
def test_ip_whitelist_at_sign_in(world, whitelist, ip, allowed):
    user = world["user_a"]
    user.ip_whitelist = whitelist
    user.save()
    client = Client(HTTP_HOST=PANEL_HOST, REMOTE_ADDR=ip)
    response = client.post("/login/", {"email": user.email, "password": PASSWORD})
    if allowed:
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        assert f"may not sign in from this address ({ip})" in response.content.decode()
        assert AuditEntry.objects.filter(event="login.ip_refused", account=world["a"]).exists()


def test_a_session_moving_outside_the_whitelist_is_signed_out(world):
    user = world["user_a"]
    user.ip_whitelist = "203.0.113.0/24"
    user.save()
    client = Client(HTTP_HOST=PANEL_HOST, REMOTE_ADDR="203.0.113.5")
    client.post("/login/", {"email": user.email, "password": PASSWORD})
    assert not client.get("/").get("Location", "").startswith("/login/")
    assert client.get("/", REMOTE_ADDR="192.0.2.1")["Location"].startswith("/login/")


@override_settings(PANEL_BASE_URL="https://panel.example.com")
def test_an_invitation_link_never_comes_from_the_host_header(
    world, admin_a, django_capture_on_commit_callbacks
):
    client = signed_in_client(admin_a, host="localhost:6666")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/users/add/",
            _user_data(password=None, send_invitation="on"),
            HTTP_HOST="localhost:6666",
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert "localhost:6666" not in message.body
    assert re.search(r"^https://panel\.example\.com/invitation/\S+/$", message.body, re.M)


def test_an_invitation_stops_working_when_the_email_is_corrected(world, client_admin_a):
    from users.invitations import make_token

    client_admin_a.post("/account/users/add/", _user_data(password=None, send_invitation="on"))
    nina = User.objects.get(email="nina@alpha.test")
    mistyped_link = f"/invitation/{make_token(nina)}/"
    client_admin_a.post(f"/account/users/{nina.pk}/", _edit_data(nina, email="nina.n@alpha.test"))
    response = Client(HTTP_HOST=PANEL_HOST).get(mistyped_link)
    assert response.status_code == 404


def test_you_cannot_whitelist_yourself_out(world):
    me = world["admin_a"]
    client = signed_in_client(me)
    response = client.post(
        f"/account/users/{me.pk}/", _edit_data(me, ip_whitelist="10.9.9.9"), REMOTE_ADDR="127.0.0.1"
    )
    assert response.status_code == 400
    assert "Your own address (127.0.0.1) is not in this list" in response.content.decode()
    response = client.post(
        f"/account/users/{me.pk}/",
        _edit_data(me, ip_whitelist="10.9.9.9\n127.0.0.0/8"),
        REMOTE_ADDR="127.0.0.1",
    )
    assert response.status_code == 302
