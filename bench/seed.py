"""Seed the benchmark's data with bulk inserts (this is load data, not a user's actions).

Many accounts with an Administrator each; one Large account with many users, groups and audit
entries; a Small account (the growth run's other end) with few; portal domains across all
accounts. The Large account's Administrator is also a superuser, so the same session opens
Django's admin on the same users. ``Scale.tiny()`` is what the test suite runs.
"""

import sys
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

PASSWORD = "Bench-Pass-2026!"
ADMIN_LARGE = "admin@large.bench"
ADMIN_SMALL = "admin@small.bench"
CONTACT_LARGE = ("contact@large.bench", "portal.large.bench")
CONTACT_SMALL = ("contact@small.bench", "portal.small.bench")
BATCH = 2000


@dataclass(frozen=True)
class Scale:
    accounts: int = 1000
    users: int = 10_000
    small_users: int = 100
    groups: int = 100
    audit_entries: int = 50_000
    domains: int = 2000
    customers: int = 500
    cdrs: int = 200_000
    small_cdrs: int = 1000

    @classmethod
    def tiny(cls) -> "Scale":
        return cls(
            accounts=3,
            users=20,
            small_users=5,
            groups=3,
            audit_entries=50,
            domains=6,
            customers=3,
            cdrs=60,
            small_cdrs=10,
        )


def _progress(label: str, done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r  {label:<28} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _bulk(label: str, model, rows, total: int) -> list:
    """Insert ``rows`` (an iterable of unsaved instances) in batches, with a progress bar."""
    made, batch = [], []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            made += model.objects.bulk_create(batch)
            batch = []
            _progress(label, len(made), total)
    if batch or not made:
        made += model.objects.bulk_create(batch)
        _progress(label, len(made), total)
    return made


def seed(scale: Scale) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Account, AuditEntry
    from domains.models import DnsStatus, PortalDomain
    from users.models import GroupMembership, PermissionGroup, User

    password = make_password(PASSWORD)
    others = _bulk(
        "accounts",
        Account,
        (
            Account(name=f"Carrier {i:04}", email=f"ops@carrier{i}.bench", balance=Decimal("10"))
            for i in range(scale.accounts - 2)
        ),
        scale.accounts - 2,
    )
    large = Account.objects.create(name="Large", email="ops@large.bench", balance=Decimal("100"))
    small = Account.objects.create(name="Small", email="ops@small.bench", balance=Decimal("100"))
    accounts = [*others, large, small]
    _bulk(
        "administrators",
        User,
        (
            User(account=a, email=f"admin@{a.email.split('@')[1]}", name="Admin", role="admin")
            for a in others
        ),
        len(others),
    )
    for account, email in ((large, ADMIN_LARGE), (small, ADMIN_SMALL)):
        User.objects.create(
            account=account,
            email=email,
            name="Bench Admin",
            role="admin",
            password=password,
            is_staff=account is large,
            is_superuser=account is large,
        )
    for account, count, slug in (
        (large, scale.users, "large"),
        (small, scale.small_users, "small"),
    ):
        groups = PermissionGroup.objects.bulk_create(
            PermissionGroup(account=account, name=f"Group {g:03}", permissions={"cdr": "allow"})
            for g in range(scale.groups if account is large else 2)
        )
        users = _bulk(
            f"users of {account.name}",
            User,
            (
                User(account=account, email=f"u{i}@{slug}.bench", name=f"User {i:05}", password="!")
                for i in range(count)
            ),
            count,
        )
        _bulk(
            f"memberships of {account.name}",
            GroupMembership,
            (
                GroupMembership(account=account, user=u, group=groups[i % len(groups)])
                for i, u in enumerate(users)
            ),
            len(users),
        )
    admin = User.all_accounts.get(email=ADMIN_LARGE)
    _bulk(
        "audit entries",
        AuditEntry,
        (
            AuditEntry(
                account=large,
                actor=admin,
                actor_label=admin.email,
                ip="192.0.2.1",
                event="user.updated",
                target_type="users.user",
                target_id=str(i),
                target_label=f"User {i}",
                changes={"name": [f"Old {i}", f"User {i}"]},
            )
            for i in range(scale.audit_entries)
        ),
        scale.audit_entries,
    )
    AuditEntry.all_accounts.update(created=timezone.now() - timedelta(hours=1))
    _bulk(
        "portal domains",
        PortalDomain,
        (
            PortalDomain(
                account=accounts[i % len(accounts)],
                domain=f"portal{i}.bench.example",
                currencies=["USD"],
                status=DnsStatus.VERIFIED if i % 2 else DnsStatus.PENDING,
            )
            for i in range(scale.domains)
        ),
        scale.domains,
    )
    seed_portal(scale, large, small, password)
    # Fresh statistics, as autovacuum would give a database that grew over time: right after a
    # bulk load PostgreSQL still believes the users table holds 3 rows per account, and sorts
    # 10,000 users for a page of 25 (3.8 ms instead of 0.06 ms: the "growth" the issue saw).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def seed_portal(scale: Scale, large, small, password: str) -> None:
    """Customers with calls, and a portal domain and signed-in-able contact for Large and Small:
    Large's first customer holds most calls (the growth run's far end), Small's has a thousandth."""
    from django.utils import timezone

    from domains.models import DnsStatus, PortalDomain
    from portal.models import Cdr, Contact, Customer

    now = timezone.now()
    for account, slug, customers, calls in (
        (large, "large", scale.customers, scale.cdrs),
        (small, "small", 1, scale.small_cdrs),
    ):
        PortalDomain.objects.create(
            account=account,
            domain=f"portal.{slug}.bench",
            currencies=["USD"],
            access_areas=["cdr", "rate_card", "balance"],
            status=DnsStatus.VERIFIED,
        )
        made = _bulk(
            f"customers of {account.name}",
            Customer,
            (
                Customer(account=account, name=f"Customer {c:04}", currency="USD")
                for c in range(customers)
            ),
            customers,
        )
        Contact.objects.create(
            account=account,
            customer=made[0],
            name="Bench Contact",
            email=f"contact@{slug}.bench",
            password=password,
            email_verified=True,
        )
        # The first customer gets what the others leave (each other one gets 100 calls at most).
        others = min(100, calls // (2 * max(customers - 1, 1))) if customers > 1 else 0
        first = calls - others * (customers - 1)
        owners = [made[0]] * first + [c for c in made[1:] for _ in range(others)]
        _bulk(
            f"calls of {account.name}",
            Cdr,
            (
                Cdr(
                    account=account,
                    customer=customer,
                    start_time=now - timedelta(seconds=(i * 7919) % (29 * 86400)),
                    caller="+12025550100",
                    callee=f"+4420{i % 10_000_000:07}",
                    destination="United Kingdom",
                    duration=i % 600,
                    rate=Decimal("0.0100"),
                    cost=Decimal(i % 600) / 6000,
                    currency="USD",
                    carrier="Bench Carrier",
                )
                for i, customer in enumerate(owners)
            ),
            len(owners),
        )
