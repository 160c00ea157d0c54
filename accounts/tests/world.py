"""Config-tab rows for both accounts of the test world: a filled-in profile, a known device and
SMTP Details (whose from address, host and username betray the side in a page)."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Account, KnownDevice, SmtpSettings

PROFILES = {
    "a": {
        "registration_id": "ALPHA-0001",
        "vat_id": "GB123456789",
        "address_line1": "1 Alpha Street",
        "city": "London",
        "country": "GB",
        "post_code": "SW1A 1AA",
        "phone": "+442079460000",
        "total_channels": 300,
    },
    "b": {
        "registration_id": "BRAVO-0002",
        "vat_id": "DE123456789",
        "address_line1": "2 Bravostraße",
        "city": "Berlin",
        "country": "DE",
        "post_code": "10115",
        "phone": "+493012345678",
        "total_channels": 120,
    },
}


# No server: the world's mail goes through the platform's (locmem) backend as other tests expect;
# tests of the account's own server save one themselves.
SMTP = {
    "a": {"from_address": "noc@alpha-mail.test", "sms_from": "ATel"},
    "b": {"from_address": "Bravo NOC <noc@bravo-mail.test>", "sms_from": "BravoTel"},
}


def populate(world):
    now = timezone.now()
    for side in ("a", "b"):
        Account.objects.filter(pk=world[side].pk).update(**PROFILES[side])
        world[side].refresh_from_db()
        # The device belongs to the side's User, so both that User (their own device) and the
        # side's Administrator (every device of the account) can open its revoke page.
        user = world[f"user_{side}"]
        world[f"device_{side}"] = KnownDevice.objects.create(
            account=world[side],
            user=user,
            token_hash=f"{side}" * 64,
            browser="Firefox 128 on Windows 10",
            user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101",
            first_seen=now - timedelta(days=10),
            last_seen=now - timedelta(days=1),
            last_ip="203.0.113.7",
        )
        world[f"smtp_{side}"] = SmtpSettings.objects.create(account=world[side], **SMTP[side])
    world.setdefault("markers_b", []).extend(["noc@bravo-mail.test", "Bravo NOC", "BravoTel"])
