"""Every write about portal domains: add, change, delete, and record DNS checks.

Each write runs in a transaction, leaves an audit entry (before → after) and defers its side
effects to commit: the host cache is forgotten by domains/signals.py, replaced logo files are
deleted from storage. A new logo is written to storage during the transaction (the row needs its
name); if the transaction rolls back, the file is deleted again. DNS lookups are network calls and
run before any transaction opens.
"""

import functools
from contextvars import ContextVar

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit
from accounts.actors import PLATFORM, Actor
from accounts.errors import Refused
from accounts.metrics import DNS_CHECKS
from accounts.parallel import check_in_parallel
from accounts.permissions import require_write

from . import dns_check
from .models import CheckOutcome, DnsStatus, DomainCheck, PortalDomain, new_claim_token

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
OWN_DUPLICATE = "Your account already has a portal on this domain."
# Files written by the service running in this context, deleted if its transaction rolls back.
_WRITTEN: ContextVar[list | None] = ContextVar("domains_written_files", default=None)


def _files_removed_on_rollback(service):
    """Around a service's ``transaction.atomic``: when it raises (its writes roll back), delete
    the files it wrote to storage, which no row names now. Views call services outside any
    transaction (no ATOMIC_REQUESTS), so the service's own transaction is the one that counts."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        written = []
        token = _WRITTEN.set(written)
        try:
            return service(*args, **kwargs)
        except BaseException:
            for storage, name in written:
                storage.delete(name)
            raise
        finally:
            _WRITTEN.reset(token)

    return wrapper


@_files_removed_on_rollback
@transaction.atomic
def create_domain(*, actor: Actor, account, data: dict) -> PortalDomain:
    """Add a claim on a portal domain (Pending DNS until a Check finds its CNAME and its TXT
    record with the claim's token)."""
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


@_files_removed_on_rollback
@transaction.atomic
def update_domain(*, actor: Actor, domain: PortalDomain, data: dict) -> PortalDomain:
    """Change a portal domain. A new host name is a new claim: it starts again at Pending DNS
    with a new token and stops being served until it is checked (the old name's verification
    says nothing about the new one)."""
    require_write(actor, "domains")
    domain = PortalDomain.objects.for_account(domain.account).select_for_update().get(pk=domain.pk)
    before = audit.snapshot(domain, AUDITED)
    renamed = data["domain"] != domain.domain
    _apply(domain, data)
    if renamed:
        domain.status = DnsStatus.PENDING
        domain.verification_token = new_claim_token()
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


def _look_up(domain: PortalDomain) -> dns_check.CheckResult:
    return dns_check.check_records(domain.domain, domain.verification_token)


def check_domain(*, actor: Actor, domain: PortalDomain) -> DomainCheck | None:
    """Resolve the domain's CNAME and TXT records now and record the outcome (None: it was
    deleted meanwhile)."""
    require_write(actor, "domains")
    result = _look_up(domain)  # no transaction is open during the lookup
    return record_check(actor=actor, domain=domain, result=result)


def check_domains(*, actor: Actor, domains) -> list[DomainCheck]:
    """Check several domains; the lookups run side by side so N domains take one lifetime."""
    require_write(actor, "domains")
    domains = list(domains)
    results = check_in_parallel(
        domains,
        _look_up,
        timeout=settings.DNS_RESOLVER_LIFETIME,
        failed=lambda domain, exc: dns_check.not_answered(domain.domain, exc),
    )
    checks = []
    for domain, result in zip(domains, results, strict=True):
        check = record_check(actor=actor, domain=domain, result=result)
        if check is not None:
            checks.append(check)
    return checks


TAKEN = "This domain is verified by another account, so this claim cannot be Verified."
STILL_VERIFIED = "Still Verified: the last answer pointed at the portal."
TXT_LOST = (
    "Still Verified: a Verified portal needs only its CNAME, but keep the TXT record, which "
    "proves the domain is this account's."
)


def _judge(domain: PortalDomain, result) -> tuple[str, str]:
    """The outcome of ``result`` for ``domain`` and the words to show with it.

    A claim is first Verified when the CNAME points at the platform *and* the TXT record holds
    its token, and no other account holds the name. Once Verified, the periodic re-check needs
    the CNAME only: a lost TXT record is reported, not fatal. No answer from DNS changes nothing.
    """
    if not result.conclusive:
        extra = f" {STILL_VERIFIED}" if domain.is_verified else ""
        return CheckOutcome.NOT_CHECKED, result.found + extra
    if not result.verified:
        return CheckOutcome.FAILED, result.found
    if domain.is_verified:
        extra = "" if result.proven or not result.proof_conclusive else f" {TXT_LOST}"
        return CheckOutcome.VERIFIED, result.found + extra
    if not result.proof_conclusive:
        return CheckOutcome.NOT_CHECKED, result.found
    if not result.proven:
        return CheckOutcome.FAILED, result.found
    if _verified_elsewhere(domain):
        return CheckOutcome.FAILED, f"{result.found} {TAKEN}"
    return CheckOutcome.VERIFIED, result.found


def _verified_elsewhere(domain: PortalDomain) -> bool:
    # Crosses tenants on purpose: one host serves one tenant. It answers yes or no, naming nobody.
    taken = PortalDomain.all_accounts.filter(domain=domain.domain, status=DnsStatus.VERIFIED)
    return taken.exclude(pk=domain.pk).exists()


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
    outcome, found = _judge(domain, result)
    if outcome != CheckOutcome.NOT_CHECKED:
        domain.status = outcome
    domain.last_checked_at = timezone.now()
    domain.last_check_found = found[:500]
    try:
        with transaction.atomic():
            domain.save(update_fields=["status", "last_checked_at", "last_check_found"])
    except IntegrityError:  # another account's claim was Verified at the same moment
        outcome, found = CheckOutcome.FAILED, f"{result.found} {TAKEN}"
        domain.status, domain.last_check_found = outcome, found[:500]
        domain.save(update_fields=["status", "last_checked_at", "last_check_found"])
    check = DomainCheck.objects.create(
        account=domain.account,
        domain=domain,
        name=domain.domain,
        status=outcome,
        # Not checked: what DNS said, without the "still Verified" the domain's page adds.
        found=(result.found if outcome == CheckOutcome.NOT_CHECKED else found)[:500],
        checked_at=domain.last_checked_at,
        checked_by=actor.user,
    )
    DNS_CHECKS.inc_on_commit(result=outcome)
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
        written = _WRITTEN.get()
        if written is not None:
            written.append((domain.logo.storage, domain.logo.name))
    elif data.get("remove_logo") and domain.logo:
        _delete_file_on_commit(domain.logo)
        domain.logo = ""


def _save(domain: PortalDomain) -> None:
    domain.full_clean(exclude=["logo", "domain"])  # the form normalised and checked the name
    try:
        with transaction.atomic():
            domain.save()
    except IntegrityError as exc:  # the account claimed the name twice at the same moment
        raise Refused(OWN_DUPLICATE, "domain") from exc


def _delete_file_on_commit(field_file) -> None:
    if field_file:
        storage, name = field_file.storage, field_file.name
        transaction.on_commit(lambda: storage.delete(name))
