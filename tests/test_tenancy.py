"""accounts/tenancy.py on its own: the scoping every tenant query goes through. Small and fast on
purpose: mutmut runs these for each mutant of the module (``make mutmut``)."""

import pytest
from django.http import Http404

from accounts.models import Account
from accounts.tenancy import get_for_account_or_404
from users.models import PermissionGroup


@pytest.fixture
def groups(account_a, account_b):
    return (
        PermissionGroup.objects.create(account=account_a, name="Ops of A"),
        PermissionGroup.objects.create(account=account_b, name="Ops of B"),
    )


def test_for_account_returns_only_that_accounts_rows(groups, account_a, account_b):
    ours, theirs = groups
    assert list(PermissionGroup.objects.for_account(account_a)) == [ours]
    assert list(PermissionGroup.objects.for_account(account_b)) == [theirs]
    assert list(PermissionGroup.objects.filter(name="Ops of B").for_account(account_a)) == []


@pytest.mark.parametrize("account", [None, Account(name="not saved")])
def test_for_account_refuses_a_missing_or_unsaved_account(db, account):
    with pytest.raises(ValueError, match=r"^for_account\(\) needs a saved Account$"):
        PermissionGroup.objects.for_account(account)


def test_an_object_without_a_pk_attribute_is_refused(db):
    with pytest.raises(ValueError):
        PermissionGroup.objects.for_account(object())


def test_get_or_404_finds_the_accounts_own_row_from_a_model_or_a_queryset(groups, account_a):
    ours, _ = groups
    assert get_for_account_or_404(PermissionGroup, account_a, pk=ours.pk) == ours
    queryset = PermissionGroup.objects.filter(name__startswith="Ops")
    assert get_for_account_or_404(queryset, account_a, pk=ours.pk) == ours


def test_a_queryset_keeps_its_own_filter(groups, account_a):
    ours, _ = groups
    with pytest.raises(Http404):
        get_for_account_or_404(PermissionGroup.objects.exclude(pk=ours.pk), account_a, pk=ours.pk)


@pytest.mark.parametrize(
    "lookup",
    [
        {"name": "Ops of B"},  # another account's row
        {"pk": 0},  # no such row
        {"pk": "not-a-number"},  # a bad value in the URL
    ],
)
def test_get_or_404_answers_404_for_anything_not_the_accounts_own(groups, account_a, lookup):
    with pytest.raises(Http404, match=r"^No permission group matches the given query\.$"):
        get_for_account_or_404(PermissionGroup, account_a, **lookup)


def test_get_or_404_without_an_account_is_a_404_not_everybodys_row(groups):
    with pytest.raises(Http404):
        get_for_account_or_404(PermissionGroup, None, pk=groups[1].pk)


def test_the_side_door_is_a_plain_manager_over_every_account(groups):
    assert set(PermissionGroup.all_accounts.all()) == set(groups)
    assert not hasattr(PermissionGroup.all_accounts, "for_account")
