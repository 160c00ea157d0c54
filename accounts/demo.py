"""Demo rows for the Config tab and the Audit Log: complete profiles, known devices, SMTP Details,
and a few hundred audit entries spread over the last 60 days so the Audit Log pages. Idempotent."""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import Account, AuditEntry, KnownDevice, SmtpSettings
from .security import hash_browser_id

PROFILES = {
    "Acme Telecom": {
        "registration_id": "C3456789",
        "vat_id": "US-EIN 12-3456789",
        "address_line1": "350 Fifth Avenue",
        "address_line2": "Suite 4100",
        "city": "New York",
        "county": "NY",
        "country": "US",
        "post_code": "10118",
        "phone": "+12125550142",
        "mobile": "+12015550123",
        "billing_method": Account.BillingMethod.PER_CHANNEL,
        "total_channels": 300,
    },
    "Globex Voice": {
        "registration_id": "09876543",
        "vat_id": "GB 123 4567 89",
        "address_line1": "10 Finsbury Square",
        "address_line2": "",
        "city": "London",
        "county": "Greater London",
        "country": "GB",
        "post_code": "EC2A 1AF",
        "phone": "+442079460958",
        "mobile": "+447400123456",
        "billing_method": Account.BillingMethod.PER_MINUTE,
        "total_channels": 120,
    },
}
# Acme has SMTP Details without a server of its own (its mail goes through the platform's, under
# its name); Globex has none, so both states of the card show. Never overwritten once saved.
SMTP_DETAILS = {
    "Acme Telecom": {"from_address": "Acme Telecom NOC <noc@acme.example>", "sms_from": "AcmeTel"},
}
AUDIT_ENTRIES = 320
BROWSERS = [
    "Chrome 131 on Windows 10",
    "Firefox 133 on Linux",
    "Safari 18 on Mac OS X 14",
    "Edge 131 on Windows 10",
]
# (event, weight): what a few busy weeks of an account look like.
EVENTS = [
    ("login.succeeded", 12),
    ("logout", 6),
    ("login.failed", 3),
    ("account.profile_updated", 2),
    ("user.security_updated", 1),
    ("device.added", 1),
]
PROFILE_CHANGES = [
    {"phone": ["+12125550100", "+12125550142"]},
    {"address_line2": ["", "Suite 4100"]},
    {"time_zone": ["UTC", "America/New_York"]},
    {"date_format": ["Y-m-d", "m/d/Y"]},
    {"vat_id": ["", "US-EIN 12-3456789"]},
]


def populate(accounts: dict[str, Account], stdout) -> None:
    for name, account in accounts.items():
        Account.objects.filter(pk=account.pk).update(**PROFILES[name])
        users = list(get_user_model().objects.for_account(account).order_by("pk"))
        _devices(account, users)
        if name in SMTP_DETAILS:
            SmtpSettings.objects.for_account(account).get_or_create(
                account=account, defaults=SMTP_DETAILS[name]
            )
        added = _audit_history(account, users)
        stdout.write(f"  {name}: profile complete, {added} demo audit entries added")


def _devices(account, users) -> None:
    now = timezone.now()
    for index, user in enumerate(users):
        for n, browser in enumerate(BROWSERS[index % 2 :: 2]):
            KnownDevice.objects.for_account(account).get_or_create(
                account=account,
                user=user,
                token_hash=hash_browser_id(f"demo-{user.pk}-{n}"),
                defaults={
                    "browser": browser,
                    "first_seen": now - timedelta(days=40 + 7 * n),
                    "last_seen": now - timedelta(days=n, hours=3),
                    "last_ip": f"203.0.113.{10 + index * 10 + n}",
                },
            )


def _audit_history(account, users) -> int:
    """Top the account's log up to AUDIT_ENTRIES entries; a second run adds nothing."""
    missing = AUDIT_ENTRIES - AuditEntry.objects.for_account(account).count()
    if missing <= 0:
        return 0
    rng = random.Random(f"demo-{account.name}")
    now = timezone.now()
    events, weights = zip(*EVENTS, strict=True)
    entries, moments = [], []
    for _ in range(missing):
        user = rng.choice(users)
        event = rng.choices(events, weights)[0]
        entry = AuditEntry(
            account=account,
            actor=None if event == "login.failed" else user,
            actor_label="" if event == "login.failed" else user.email,
            ip=f"198.51.100.{rng.randrange(1, 250)}",
            event=event,
            target_type="users.user",
            target_id=str(user.pk),
            target_label=str(user),
        )
        if event == "login.failed":
            entry.data = {"email": user.email}
        elif event == "account.profile_updated":
            entry.target_type, entry.target_id, entry.target_label = (
                "accounts.account",
                str(account.pk),
                account.name,
            )
            entry.changes = rng.choice(PROFILE_CHANGES)
        elif event == "user.security_updated":
            entry.changes = {"login_notifications": [False, True]}
        elif event == "device.added":
            entry.data = {"browser": rng.choice(BROWSERS)}
        entries.append(entry)
        moments.append(now - timedelta(minutes=rng.randrange(10, 60 * 24 * 60)))
    created = AuditEntry.objects.bulk_create(entries)
    # created is auto_now_add: set the spread-out history afterwards (bulk_update skips it).
    for entry, moment in zip(created, moments, strict=True):
        entry.created = moment
    AuditEntry.objects.for_account(account).bulk_update(created, ["created"], batch_size=200)
    return len(created)
