"""A User with the Users module may grant and give only modules they may write themselves
(issue 9 item 3, SPEC §4), through the pages and through the services alike."""

import pytest
from django.core import mail

from accounts.actors import PLATFORM, Actor
from accounts.errors import Refused
from accounts.permissions import ALLOW, DENY
from tests.fixtures import PASSWORD, signed_in_client
from users.models import PermissionGroup, User
from users.services import create_user, save_group, update_user

STRONG = "Another-Strong-9!"


@pytest.fixture
def manager(world):
    """The account's User, whose only group allows the Users module."""
    group = world["group_a"]
    group.permissions = {"users": ALLOW}
    save_group(group, actor=PLATFORM)
    return world["user_a"]


def _group(world, name, permissions):
    return save_group(
        PermissionGroup(account=world["a"], name=name, permissions=permissions), actor=PLATFORM
    )


def _other(world, groups=(), **fields):
    return create_user(
        actor=PLATFORM,
        account=world["a"],
        email="olga@alpha.test",
        password=PASSWORD,
        name="Olga Other",
        groups=groups,
        **fields,
    )


def _edit(user, **overrides):
    data = {
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "time_zone": user.time_zone,
        "ip_whitelist": user.ip_whitelist,
        "is_active": "on",
        "read_only": "on" if user.read_only else "",
        "groups": [g.pk for g in user.groups.all()],
    }
    data.update(overrides)
    return data


def test_the_reproduction_a_manager_cannot_grant_themselves_the_api(world, manager):
    client = signed_in_client(manager)
    assert client.get("/account/api/").status_code == 403
    response = client.post(
        "/account/users/groups/add/",
        {
            "name": "Everything",
            "perm_users": "allow",
            "perm_api": "allow",
            "perm_config": "allow",
            "perm_domains": "allow",
            "perm_audit_log": "allow",
        },
    )
    # The modules they may not grant are shown, not offered: the group grants only Users.
    assert response.status_code == 302
    everything = PermissionGroup.objects.for_account(world["a"]).get(name="Everything")
    assert everything.permissions == {"users": ALLOW}
    # Adding themselves to a group is changing their own groups: refused.
    powerful = _group(world, "Powerful", {"api": ALLOW, "users": ALLOW})
    response = client.post(
        f"/account/users/{manager.pk}/",
        _edit(manager, groups=[world["group_a"].pk, powerful.pk]),
    )
    assert set(manager.groups.all()) == {world["group_a"]}
    assert client.get("/account/api/").status_code == 403


def test_the_group_form_offers_only_grantable_modules(world, manager):
    body = signed_in_client(manager).get("/account/users/groups/add/").content.decode()
    assert 'name="perm_users"' in body
    assert '<select name="perm_api" disabled' in body


def test_the_services_refuse_what_the_form_does_not_offer(world, manager):
    actor = Actor(manager)
    with pytest.raises(Refused, match="You may not grant or deny API"):
        save_group(
            PermissionGroup(account=world["a"], name="Sneaky", permissions={"api": ALLOW}),
            actor=actor,
        )
    powerful = _group(world, "Powerful", {"api": ALLOW})
    other = _other(world)
    with pytest.raises(Refused, match="You may not give or take away Powerful"):
        update_user(other, actor=actor, groups=[powerful])
    with pytest.raises(Refused, match="Only an Administrator may set another user's password"):
        update_user(other, actor=actor, password=STRONG)
    with pytest.raises(Refused, match="cannot change your own"):
        update_user(manager, actor=actor, read_only=True)
    with pytest.raises(Refused, match="Only an Administrator may set another user's password"):
        create_user(
            actor=actor, account=world["a"], email="x@alpha.test", password=STRONG, name="X"
        )


def test_a_manager_gives_groups_within_their_own_modules(world, manager):
    helpers = _group(world, "Helpers", {"users": ALLOW})
    other = _other(world)
    response = signed_in_client(manager).post(
        f"/account/users/{other.pk}/", _edit(other, groups=[helpers.pk])
    )
    assert response.status_code == 302
    assert list(other.groups.all()) == [helpers]


def test_a_manager_may_not_set_another_users_password(world, manager):
    other = _other(world)
    client = signed_in_client(manager)
    assert 'name="password"' not in client.get(f"/account/users/{other.pk}/").content.decode()
    client.post(f"/account/users/{other.pk}/", _edit(other, password=STRONG))
    other.refresh_from_db()
    assert other.check_password(PASSWORD)  # the forged field is not even read


def test_a_manager_creates_users_by_invitation_only(
    world, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in_client(manager).post(
            "/account/users/add/",
            {"name": "Nina", "email": "nina@alpha.test", "password": STRONG, "role": "user"},
        )
    assert response.status_code == 302
    nina = User.objects.get(email="nina@alpha.test")
    assert not nina.has_usable_password()
    assert mail.outbox[-1].to == ["nina@alpha.test"]


def test_a_manager_may_not_change_their_own_role_groups_or_read_only_flag(world, manager):
    client = signed_in_client(manager)
    client.post(
        f"/account/users/{manager.pk}/",
        _edit(manager, role="admin", read_only="on", groups=[], name="Uma Renamed"),
    )
    manager.refresh_from_db()
    assert manager.name == "Uma Renamed"  # their own name and e-mail they may change
    assert (manager.role, manager.read_only) == (User.Role.USER, False)
    assert list(manager.groups.all()) == [world["group_a"]]


def test_a_user_with_more_modules_is_out_of_reach(world, manager):
    auditors = _group(world, "Auditors", {"audit_log": ALLOW})
    other = _other(world, groups=[auditors])
    client = signed_in_client(manager)
    assert (
        f'href="/account/users/{other.pk}/"' not in client.get("/account/users/").content.decode()
    )
    # Taking over the account by its e-mail (then a password reset) is refused.
    response = client.post(f"/account/users/{other.pk}/", _edit(other, email="mine@evil.test"))
    assert response.status_code == 403
    assert "may use Audit Log" in response.content.decode()
    other.refresh_from_db()
    assert other.email == "olga@alpha.test"
    client.post("/account/users/delete/", {"selected": [other.pk]})
    assert User.objects.filter(pk=other.pk).exists()


def test_taking_a_user_out_of_a_deny_group_is_refused(world, manager):
    no_api = _group(world, "No API", {"api": DENY})
    other = _other(world, groups=[no_api])
    signed_in_client(manager).post(f"/account/users/{other.pk}/", _edit(other, groups=[]))
    # The group is not offered, so it is kept; a forged removal through the service is refused.
    assert list(other.groups.all()) == [no_api]
    with pytest.raises(Refused, match="You may not give or take away No API"):
        from users import access

        access.check_user_write(
            Actor(manager),
            other,
            role=None,
            read_only=None,
            groups_before=[no_api],
            groups_after=[],
            password=False,
        )


def test_a_manager_may_not_delete_a_group_they_could_not_make(world, manager):
    no_api = _group(world, "No API", {"api": DENY})
    response = signed_in_client(manager).post(
        "/account/users/groups/delete/", {"selected": [no_api.pk]}, follow=True
    )
    assert PermissionGroup.objects.filter(pk=no_api.pk).exists()
    assert "Nothing was deleted. You may not delete No API" in response.content.decode()


def test_an_administrator_still_grants_everything(world, client_admin_a):
    response = client_admin_a.post(
        "/account/users/groups/add/", {"name": "All API", "perm_api": "allow"}
    )
    assert response.status_code == 302
    assert PermissionGroup.objects.get(name="All API").permissions == {"api": ALLOW}


def test_a_manager_helps_a_locked_out_user_with_a_reset_mail(
    world, manager, django_capture_on_commit_callbacks
):
    other = _other(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in_client(manager).post(
            f"/account/users/{other.pk}/", _edit(other, send_password_reset="on"), follow=True
        )
    assert "A password-reset mail is on its way." in response.content.decode()
    assert mail.outbox[-1].to == ["olga@alpha.test"]
    assert "http://testserver/password-reset/" in mail.outbox[-1].body
    other.refresh_from_db()
    assert other.check_password(PASSWORD)  # nothing changed until they follow the link
