"""The one way into tenant-owned rows: every query names the account it serves.

App code never calls ``Model.objects.get/filter`` on a tenant model; it uses
``Model.objects.for_account(account)`` or :func:`get_for_account_or_404`, so another account's
object is a 404, exactly like one that does not exist. The few queries that cross accounts on
purpose (host routing, sign-in by e-mail, platform jobs) go through ``Model.all_accounts``, so
they read differently from a mistake (tests/structure/test_structure.py checks both).
"""

from django.db import models
from django.http import Http404


class TenantQuerySet(models.QuerySet):
    def for_account(self, account):
        if account is None or getattr(account, "pk", None) is None:
            # Refuse rather than return everybody's rows.
            raise ValueError("for_account() needs a saved Account")
        return self.filter(account=account)


TenantManager = models.Manager.from_queryset(TenantQuerySet)


class TenantModel(models.Model):
    """Abstract base of every model an Account owns, children included."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")

    objects = TenantManager()
    # The named side door, for the deliberate cross-account queries only (host routing, sign-in
    # by e-mail, platform jobs); tests/structure refuses any other unscoped query.
    all_accounts = models.Manager()  # noqa: DJ012 (a second manager, not a field)

    class Meta:
        abstract = True


def get_for_account_or_404(model_or_queryset, account, **lookup):
    """The object of ``account`` matching ``lookup``; 404 when none, or another account owns it."""
    queryset = (
        model_or_queryset._default_manager.all()
        if isinstance(model_or_queryset, type)
        else model_or_queryset
    )
    try:
        return queryset.for_account(account).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc
