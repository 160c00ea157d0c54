"""Keep the host → portal cache honest: forget a host on commit when what it serves changes."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import Account

from .models import PortalDomain
from .routing import forget_hosts, forget_hosts_on_commit


@receiver(post_save, sender=PortalDomain, dispatch_uid="portal_domain_saved")
def domain_saved(sender, instance, **kwargs):
    # A rename frees the old host as well as the new one.
    forget_hosts_on_commit(instance.domain, getattr(instance, "_loaded_domain", None))
    instance._loaded_domain = instance.domain


@receiver(post_delete, sender=PortalDomain, dispatch_uid="portal_domain_deleted")
def domain_deleted(sender, instance, **kwargs):
    forget_hosts_on_commit(instance.domain)


@receiver(post_save, sender=Account, dispatch_uid="portal_account_saved")
def account_saved(sender, instance, created, **kwargs):
    """The cached site carries the account (time zone, date format): refresh it when it changes."""
    if created:
        return

    def forget():
        hosts = PortalDomain.objects.for_account(instance).values_list("domain", flat=True)
        forget_hosts(*hosts)

    transaction.on_commit(forget)
