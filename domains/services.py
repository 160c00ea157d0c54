"""Every write about portal domains: add, change, delete, and record DNS checks.

Each write runs in a transaction, leaves an audit entry (before → after) and defers its side
effects to commit: the host cache is forgotten by domains/signals.py, replaced logo files are
deleted from storage. DNS lookups are network calls and run before any transaction opens.
"""

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit
from accounts.actors import PLATFORM, Actor
from accounts.errors import Refused
from accounts.parallel import check_in_parallel
from accounts.permissions import require_write

from . import dns_check
from .models import DnsStatus, DomainCheck, PortalDomain

# Fields an operator edits (the dialog), in the order the audit shows them.
EDITABLE = [
    "domain",
    "brand_name",
    "primary_color",
    "footer_text",
    "customer_signup",
    "carrier_signup",
    "new_customer_debit_limit",
    "template_customer_id",
    "currencies",
    "access_areas",
]
AUDITED = [*EDITABLE, "logo", "status"]
STATUS_FIELDS = ["status", "last_check_found"]
DUPLICATE = "This domain is already used by a portal on this platform."


@transaction.atomic
def create_domain(*, actor: Actor, account, data: dict) -> PortalDomain:
    """Add a portal domain (Pending DNS until a Check finds its CNAME)."""
    require_write(actor, "domains")
    domain = PortalDomain(account=account, status=DnsStatus.PENDING)
    _apply(domain, data)
    _save(domain)
    audit.record(
        "domain.created",
        account=account,
        actor=actor,
        target=domain,
        changes=audit.diff({}, audit.snapshot(domain, AUDITED)),
    )
    return domain


@transaction.atomic
def update_domain(*, actor: Actor, domain: PortalDomain, data: dict) -> PortalDomain:
    """Change a portal domain. A new host name starts again at Pending DNS and stops being served
    until it is checked: the old name's verification says nothing about the new one."""
    require_write(actor, "domains")
    domain = PortalDomain.objects.for_account(domain.account).select_for_update().get(pk=domain.pk)
    before = audit.snapshot(domain, AUDITED)
    renamed = data["domain"] != domain.domain
    _apply(domain, data)
    if renamed:
        domain.status = DnsStatus.PENDING
        domain.last_checked_at = None
        domain.last_check_found = ""
    _save(domain)
    changes = audit.diff(before, audit.snapshot(domain, AUDITED))
    if changes:
        audit.record(
            "domain.updated",
            account=domain.account,
            actor=actor,
            target=domain,
            changes=changes,
        )
    return domain


@transaction.atomic
def delete_domains(actor: Actor, ids) -> list[str]:
    """Delete the account's domains among ``ids`` (others' ids are ignored); their names."""
    require_write(actor, "domains")
    deleted = []
    domains = PortalDomain.objects.for_account(actor.account).filter(pk__in=ids).order_by("domain")
    for domain in domains:
        audit.record(
            "domain.deleted",
            account=domain.account,
            actor=actor,
            target=domain,
            changes=audit.diff(audit.snapshot(domain, AUDITED), {}),
        )
        _delete_file_on_commit(domain.logo)
        domain.delete()  # the host stops being served on commit (signals.py)
        deleted.append(domain.domain)
    return deleted


def check_domain(*, actor: Actor, domain: PortalDomain) -> DomainCheck | None:
    """Resolve the domain's CNAME now and record the outcome (None: it was deleted meanwhile)."""
    require_write(actor, "domains")
    result = dns_check.check_cname(domain.domain)  # no transaction is open during the lookup
    return record_check(actor=actor, domain=domain, result=result)


def check_domains(*, actor: Actor, domains) -> list[DomainCheck]:
    """Check several domains; the lookups run side by side so N domains take one lifetime."""
    require_write(actor, "domains")
    domains = list(domains)
    results = check_in_parallel(
        [d.domain for d in domains],
        dns_check.check_cname,
        timeout=settings.DNS_RESOLVER_LIFETIME,
        failed=dns_check.not_answered,
    )
    checks = []
    for domain, result in zip(domains, results, strict=True):
        check = record_check(actor=actor, domain=domain, result=result)
        if check is not None:
            checks.append(check)
    return checks


@transaction.atomic
def record_check(*, actor: Actor, domain: PortalDomain, result) -> DomainCheck | None:
    """Store a check's outcome: status, time, what was found, a history row and the audit entry.

    A check by a person is always audited; the scheduled re-check (PLATFORM) only when the
    status changes, so the audit log shows what happened without a line per domain per run.
    """
    domain = (
        PortalDomain.objects.for_account(domain.account)
        .select_for_update()
        .filter(pk=domain.pk)
        .first()
    )
    if domain is None or domain.domain != result.name:
        return None  # deleted or renamed while the lookup ran: the result is about nothing now
    before = audit.snapshot(domain, STATUS_FIELDS)
    outcome = DnsStatus.VERIFIED if result.verified else DnsStatus.FAILED
    found = result.found
    if (
        outcome == DnsStatus.FAILED
        and not result.conclusive
        and domain.status == DnsStatus.VERIFIED
    ):
        # No answer is not a wrong answer: keep serving the portal until DNS says otherwise.
        found = f"{found} Still Verified: the last answer pointed at the portal."
    else:
        domain.status = outcome
    domain.last_checked_at = timezone.now()
    domain.last_check_found = found[:500]
    domain.save(update_fields=["status", "last_checked_at", "last_check_found"])
    check = DomainCheck.objects.create(
        account=domain.account,
        domain=domain,
        name=domain.domain,
        status=outcome,
        found=domain.last_check_found,
        checked_at=domain.last_checked_at,
        checked_by=actor.user,
    )
    changes = audit.diff(before, audit.snapshot(domain, STATUS_FIELDS))
    if not actor.is_platform or "status" in changes:
        audit.record(
            "domain.checked",
            account=domain.account,
            actor=actor,
            target=domain,
            changes=changes,
            data={"status": domain.get_status_display(), "found": domain.last_check_found},
        )
    return check


def check_all_domains(*, batch: int = 50):
    """Re-check every domain of every account (the periodic task); yields (domain, check)."""
    ids = list(PortalDomain.all_accounts.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        domains = list(
            PortalDomain.all_accounts.select_related("account").filter(
                pk__in=ids[start : start + batch]
            )
        )
        before = {d.pk: d.get_status_display() for d in domains}
        for check in check_domains(actor=PLATFORM, domains=domains):
            yield before[check.domain_id], check


def _apply(domain: PortalDomain, data: dict) -> None:
    for field in EDITABLE:
        setattr(domain, field, data[field])
    logo = data.get("logo")
    if logo is not None:
        _delete_file_on_commit(domain.logo)
        domain.logo.save(f"logo.{logo.kind}", ContentFile(logo.data), save=False)
    elif data.get("remove_logo") and domain.logo:
        _delete_file_on_commit(domain.logo)
        domain.logo = ""


def _save(domain: PortalDomain) -> None:
    domain.full_clean(exclude=["logo", "domain"])  # the form normalised and checked the name
    try:
        with transaction.atomic():
            domain.save()
    except IntegrityError as exc:  # another account claimed the name between check and save
        raise Refused(DUPLICATE, "domain") from exc


def _delete_file_on_commit(field_file) -> None:
    if field_file:
        storage, name = field_file.storage, field_file.name
        transaction.on_commit(lambda: storage.delete(name))
