"""Seed the benchmark's two accounts: "Small" (a handful of rows) and "Large" (many), each with an
Administrator who can open every list. Bulk inserts: this is load data, not a user's actions."""

import os
import sys
from datetime import timedelta
from decimal import Decimal

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.utils import timezone  # noqa: E402

from accounts.models import Account, AuditEntry  # noqa: E402
from domains.models import DnsStatus, PortalDomain  # noqa: E402
from payment_gateways.models import Gateway  # noqa: E402
from users.models import GroupMembership, PermissionGroup, User  # noqa: E402

PASSWORD = "Bench-Pass-2026!"


def seed(name: str, rows: int) -> None:
    slug = name.lower()
    account = Account.objects.create(name=name, email=f"ops@{slug}.bench", balance=Decimal("100"))
    admin = User(account=account, email=f"admin@{slug}.bench", name="Bench Admin", role="admin")
    admin.set_password(PASSWORD)
    admin.save()
    group = PermissionGroup.objects.create(
        account=account, name="Staff", permissions={"cdr": "allow"}
    )
    users = User.objects.bulk_create(
        User(account=account, email=f"u{i}@{slug}.bench", name=f"User {i:05}", password="!")
        for i in range(rows)
    )
    GroupMembership.objects.bulk_create(
        GroupMembership(account=account, user=u, group=group) for u in users
    )
    now = timezone.now()
    AuditEntry.objects.bulk_create(
        AuditEntry(
            account=account,
            actor=admin,
            actor_label=admin.email,
            ip="192.0.2.1",
            event="user.updated",
            target_type="users.user",
            target_id=str(i),
            target_label=f"User {i}",
            changes={"name": [f"Old {i}", f"User {i}"]},
        )
        for i in range(rows * 10)
    )
    AuditEntry.objects.filter(account=account).update(created=now - timedelta(hours=1))
    Gateway.objects.bulk_create(
        Gateway(
            account=account,
            name=f"Stripe {i}",
            type="stripe",
            mode="test",
            currencies=["USD"],
            public_key=f"pk_test_{i:024}",
            secret_key=f"sk_test_{i:024}",
        )
        for i in range(rows // 4)
    )
    PortalDomain.objects.bulk_create(
        PortalDomain(
            account=account,
            domain=f"portal{i}.{slug}.bench",
            currencies=["USD"],
            status=DnsStatus.PENDING,
        )
        for i in range(rows // 4)
    )


if __name__ == "__main__":
    small, large = int(sys.argv[1]), int(sys.argv[2])
    seed("Small", small)
    seed("Large", large)
    print(f"seeded Small ({small} users) and Large ({large} users)")
