"""What the per-request work now remembers stays correct: ``{% url %}`` and the menu's links go
through accounts.urlcache (reverse once per distinct call), and the menu still follows the
user's permissions at the very next request."""

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import NoReverseMatch, reverse

from accounts.actors import PLATFORM
from accounts.navigation import SECTIONS
from accounts.permissions import ALLOW
from accounts.urlcache import _reverse, cached_reverse
from users.services import save_group


def test_cached_reverse_gives_what_reverse_gives_and_asks_once():
    _reverse.cache_clear()
    assert cached_reverse("users:edit", args=[7]) == reverse("users:edit", args=[7])
    assert cached_reverse("users:edit", kwargs={"pk": 8}) == reverse("users:edit", args=[8])
    cached_reverse("users:edit", args=[7])
    assert _reverse.cache_info().hits == 1 and _reverse.cache_info().misses == 2
    with pytest.raises(NoReverseMatch):
        cached_reverse("users:no-such-page")


def test_the_url_tag_is_cached_and_behaves_like_djangos():
    _reverse.cache_clear()
    html = Template('{% url "users:edit" 5 %}|{% url "nope" as missing %}[{{ missing }}]').render(
        Context()
    )
    assert html == f"{reverse('users:edit', args=[5])}|[]"
    Template('{% url "users:edit" 5 %}').render(Context())
    assert _reverse.cache_info().hits == 1
    with pytest.raises(NoReverseMatch):
        Template('{% url "nope" %}').render(Context())


def test_a_changed_urlconf_empties_the_cache():
    cached_reverse("accounts:config")
    with override_settings(ROOT_URLCONF="tests.support.urls"):
        assert _reverse.cache_info().currsize == 0


def test_the_menu_follows_a_permission_change_at_the_next_request(world, client_user_a):
    audit, config = SECTIONS["audit_log"].url, SECTIONS["config"].url
    world["group_a"].permissions = {"audit_log": ALLOW}
    save_group(world["group_a"], actor=PLATFORM)
    body = client_user_a.get(audit).content.decode()
    assert f'href="{audit}"' in body and f'href="{config}"' not in body
    world["group_a"].permissions = {"audit_log": ALLOW, "config": ALLOW}
    save_group(world["group_a"], actor=PLATFORM)
    body = client_user_a.get(audit).content.decode()
    assert f'href="{audit}"' in body and f'href="{config}"' in body  # the very next request
    world["group_a"].permissions = {"config": ALLOW}
    save_group(world["group_a"], actor=PLATFORM)
    assert client_user_a.get(audit).status_code == 403
    body = client_user_a.get(config).content.decode()
    assert f'href="{audit}"' not in body
