"""Writes about accounts. Each runs in a transaction and leaves an audit entry."""

from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from . import audit, mail, outbound, sms
from .actors import PLATFORM, Actor
from .errors import Refused
from .fields import DecryptionError
from .formatting import format_date, format_datetime
from .ipnets import ip_in_ranges
from .mail import send_mail_later
from .models import Account, DeviceSession, KnownDevice, SecurityAddons, SmtpSettings
from .parallel import check_in_parallel
from .permissions import require_admin, require_write
from .phones import format_phone
from .registry import hooks
from .smtp import explain

# What the Config tab's edit dialog changes (the audit entry shows each before → after).
PROFILE_FIELDS = [
    "name",
    "registration_id",
    "vat_id",
    "ocn",
    "frn",
    "address_line1",
    "address_line2",
    "city",
    "county",
    "country",
    "post_code",
    "phone",
    "mobile",
    "currency",
    "date_format",
    "time_zone",
    "billing_method",
]
BILLING_METHOD_LOCK = timedelta(days=30)
SECURITY_FIELDS = ["login_notifications", "new_device_alerts"]
# The SMTP Details dialog's fields besides the password (whose change is audited as masked).
SMTP_FIELDS = ["from_address", "username", "host", "port", "security", "sms_from"]
# The Settings tab (accounts/policy.py enforces them).
POLICY_FIELDS = [
    "two_factor_required",
    "passkey_required_for_admins",
    "idle_timeout_minutes",
    "allowed_ip_ranges",
    "login_notifications_default",
]


@transaction.atomic
def create_account(*, name: str, email: str, actor: Actor = PLATFORM, **fields) -> Account:
    account = Account(name=name, email=email, **fields)
    account.full_clean()
    account.save()
    audit.record(
        "account.created",
        account=account,
        actor=actor,
        target=account,
        changes=audit.diff({}, audit.snapshot(account, ["name", "email", "currency", "time_zone"])),
    )
    return account


def account_has_payments(account: Account) -> bool:
    """Whether ``account`` has made any payment (then its currency is fixed): true when any app's
    ``account_has_payments`` hook says so (the payments code registers one)."""
    return any(has_payments(account) for has_payments in hooks("account_has_payments"))


def next_billing_method_change(account: Account):
    """The moment the billing method may change again; None when it may change now."""
    if account.billing_method_changed is None:
        return None
    allowed = account.billing_method_changed + BILLING_METHOD_LOCK
    return allowed if timezone.now() < allowed else None


@transaction.atomic
def update_account_profile(*, actor: Actor, account: Account, values: dict) -> Account:
    """Apply the Config tab's edit to ``account``.

    ``values`` holds :data:`PROFILE_FIELDS` (already parsed by the form). Raises Refused
    keyed by field for what the rules refuse: a currency change once the account has payments, a
    billing-method change within 30 days of the last. Company names need not be unique: two
    tenants may share one, and saying otherwise would tell one tenant about another.
    """
    require_write(actor, "config")
    account = Account.objects.select_for_update().get(pk=account.pk)
    before = audit.snapshot(account, PROFILE_FIELDS)
    when = _date_shower(actor, account)

    errors = {}
    if values.get("currency", account.currency) != account.currency and account_has_payments(
        account
    ):
        errors["currency"] = (
            f"The currency cannot change: the account has payments in {account.currency}."
        )
    billing_method = values.get("billing_method", account.billing_method)
    if billing_method != account.billing_method:
        next_change = next_billing_method_change(account)
        if next_change is not None:
            errors["billing_method"] = (
                "The billing method may change once every 30 days. It last changed on "
                f"{when(account.billing_method_changed)}; the next change is allowed on "
                f"{when(next_change)}."
            )
        else:
            account.billing_method_changed = timezone.now()
    if errors:
        raise Refused(errors)

    for field in PROFILE_FIELDS:
        if field in values:
            setattr(account, field, values[field])
    account.full_clean()
    account.save()
    changes = audit.diff(before, audit.snapshot(account, PROFILE_FIELDS))
    if changes:
        audit.record(
            "account.profile_updated",
            account=account,
            actor=actor,
            target=account,
            changes=changes,
        )
    return account


@transaction.atomic
def update_security_policy(*, actor: Actor, account: Account, values: dict) -> Account:
    """Apply the Settings tab's edit (Administrators). The acting Administrator's own address
    must stay inside the allowed ranges: saving would otherwise lock them out at once."""
    require_admin(actor)
    account = Account.objects.select_for_update().get(pk=account.pk)
    before = audit.snapshot(account, POLICY_FIELDS)
    ranges = values.get("allowed_ip_ranges", account.allowed_ip_ranges)
    if not actor.is_platform and not ip_in_ranges(actor.ip, ranges):
        raise Refused(
            f"Your own address ({actor.ip or 'unknown'}) is in none of these ranges: saving them "
            "would sign you out and keep you out. Add it first.",
            "allowed_ip_ranges",
        )
    for field in POLICY_FIELDS:
        if field in values:
            setattr(account, field, values[field])
    # Only the policy's own fields: an old flaw elsewhere in the profile must not block it.
    account.clean_fields(
        exclude=[f.name for f in Account._meta.fields if f.name not in POLICY_FIELDS]
    )
    account.save(update_fields=POLICY_FIELDS)
    changes = audit.diff(before, audit.snapshot(account, POLICY_FIELDS))
    if changes:
        audit.record(
            "account.security_policy_updated",
            account=account,
            actor=actor,
            target=account,
            changes=changes,
        )
    return account


@transaction.atomic
def update_security_addons(
    *, actor: Actor, login_notifications: bool, new_device_alerts: bool
) -> SecurityAddons:
    """The signed-in user's own Security & Add-ons switches."""
    addons, _ = (
        SecurityAddons.objects.for_account(actor.account)
        .select_for_update()
        .get_or_create(user=actor.user, defaults={"account_id": actor.account_id})
    )
    before = audit.snapshot(addons, SECURITY_FIELDS)
    addons.login_notifications = login_notifications
    addons.new_device_alerts = new_device_alerts
    changes = audit.diff(before, audit.snapshot(addons, SECURITY_FIELDS))
    if changes:
        addons.save(update_fields=SECURITY_FIELDS)
        audit.record(
            "user.security_updated",
            account=addons.account,
            actor=actor,
            target=actor.user,
            changes=changes,
        )
    return addons


def update_smtp_settings(*, actor: Actor, account: Account, values: dict) -> SmtpSettings:
    """Save the SMTP Details dialog (``values``: SmtpSettingsForm.cleaned_data).

    The host is resolved first, outside the transaction: Refused (on ``server``) when it does
    not resolve or any of its addresses is private, loopback, link-local, multicast or reserved
    (unless SMTP_ALLOW_PRIVATE_HOSTS). Empty password keeps the saved one.
    """
    require_admin(actor)
    if values["host"]:
        try:
            outbound.checked_addresses(
                values["host"], allow_private=settings.SMTP_ALLOW_PRIVATE_HOSTS
            )
        except outbound.HostRefused as refused:
            hint = " Try again in a moment." if refused.temporary else ""
            raise Refused(refused.message + hint, "server") from None
    return _save_smtp_settings(actor, account, values)


@transaction.atomic
def _save_smtp_settings(actor: Actor, account: Account, values: dict) -> SmtpSettings:
    # The password is not loaded (nor decrypted): a row whose key is gone can still be fixed.
    saved = SmtpSettings.of(account, for_update=True)
    row = saved or SmtpSettings(account=account)
    before = (
        {**audit.snapshot(row, SMTP_FIELDS), "password": _masked(saved.has_password)}
        if saved
        else {}
    )
    for name in SMTP_FIELDS:
        setattr(row, name, values[name])
    has_password = bool(saved and saved.has_password)
    if values.get("remove_password"):
        row.password, has_password = "", False
    elif values.get("password"):
        row.password, has_password = values["password"], True
    row.save()
    after = {**audit.snapshot(row, SMTP_FIELDS), "password": _masked(has_password)}
    changes = audit.diff(before, after)
    if values.get("password") and saved and saved.has_password:
        changes["password"] = [audit.MASK, audit.MASK]  # replaced (the values are not compared)
    if changes:
        audit.record(
            "smtp.updated",
            account=account,
            actor=actor,
            target=row,
            target_label="SMTP Details",
            changes=changes,
        )
    return row


def _masked(has_secret) -> str:
    return audit.MASK if has_secret else ""


@dataclass(frozen=True)
class SendOutcome:
    """What Test Email or Test Mobile reports: ``ok`` and the words for it."""

    ok: bool
    message: str


def send_test_email(*, actor: Actor) -> SendOutcome:
    """Send a test message to ``actor`` through exactly the account's saved mail route, now,
    and say what happened. Bounded by SMTP_TIMEOUT_SECONDS per step and about that overall;
    no transaction is open meanwhile. Audited either way."""
    require_admin(actor)
    account, user = actor.account, actor.user
    timeout = settings.SMTP_TIMEOUT_SECONDS
    try:
        route = mail.route_for(account, timeout=timeout)
    except DecryptionError as exc:
        return _test_email_done(actor, "", SendOutcome(False, explain(exc, "", 0).reason))
    body = render_to_string(
        "accounts/email/smtp_test.txt",
        {"user": user, "account": account, "route": route, "timeout": timeout},
    )
    message = mail.compose(account, f"{account.name}: test message", body, [user.email], route)

    def send(message) -> SendOutcome:
        try:
            message.send()
        except Exception as exc:  # every failure becomes words, never a 500
            return SendOutcome(False, explain(exc, route.server, timeout).reason)
        where = f"through {route.server}" if route.own_server else f"through {mail.PLATFORM_SERVER}"
        return SendOutcome(True, f"Test message sent to {user.email} {where}.")

    def unfinished(message, exc) -> SendOutcome:
        return SendOutcome(
            False, f"{route.server} did not finish within {timeout:g} seconds (timed out)."
        )

    [outcome] = check_in_parallel([message], send, timeout=timeout, failed=unfinished)
    return _test_email_done(actor, route.server, outcome)


def _test_email_done(actor: Actor, server: str, outcome: SendOutcome) -> SendOutcome:
    audit.record(
        "smtp.test_email",
        account=actor.account,
        actor=actor,
        target_label=f"to {actor.user.email}",
        data={"server": server, "result": "sent" if outcome.ok else outcome.message},
    )
    return outcome


def send_test_sms(*, actor: Actor) -> SendOutcome:
    """Send a test SMS to ``actor``'s mobile through the platform's SMS gateway, from the
    account's SMS From, and report the gateway's answer. Refused when they have no mobile."""
    require_admin(actor)
    account, user = actor.account, actor.user
    mobile = sms.mobile_of(user)
    if not mobile:
        raise Refused("Your personal profile has no mobile number to send the test to.")
    sender = sms.sender_for(account)
    message = sms.SmsMessage(
        sender=sender,
        to=mobile,
        text=f"{account.name}: test message from the account console, sent from {sender}.",
    )
    backend = sms.get_backend()
    timeout = settings.SMS_GATEWAY_TIMEOUT_SECONDS

    def send(message) -> SendOutcome:
        try:
            reference = backend.send(message)
        except sms.SmsError as exc:
            return SendOutcome(False, str(exc))
        ref = f" (gateway reference {reference})" if reference else ""
        return SendOutcome(
            True, f"Test SMS to {format_phone(mobile)} accepted by the gateway{ref}."
        )

    def unfinished(message, exc) -> SendOutcome:
        return SendOutcome(False, f"The SMS gateway did not answer within {timeout:g} seconds.")

    [outcome] = check_in_parallel([message], send, timeout=timeout, failed=unfinished)
    audit.record(
        "sms.test_sent",
        account=account,
        actor=actor,
        target_label=f"to {mobile}",
        data={"sms_from": message.sender, "result": "sent" if outcome.ok else outcome.message},
    )
    return outcome


@transaction.atomic
def record_sign_in(
    *, actor: Actor, token_hash: str, browser: str, user_agent: str, session_key: str
) -> tuple[KnownDevice, bool]:
    """Remember the device ``actor`` (who just signed in) used, and this session on it; queue
    their mail. Returns ``(device, is_new)``. Called by ``accounts.security.after_sign_in``.
    """
    user, ip = actor.user, actor.ip
    now = timezone.now()
    device, is_new = KnownDevice.objects.for_account(user.account).get_or_create(
        user=user,
        token_hash=token_hash,
        defaults={
            "account": user.account,
            "browser": browser,
            "user_agent": user_agent,
            "first_seen": now,
            "last_seen": now,
            "last_ip": ip,
        },
    )
    if not is_new:
        device.browser, device.user_agent, device.last_seen, device.last_ip = (
            browser,
            user_agent,
            now,
            ip,
        )
        device.save(update_fields=["browser", "user_agent", "last_seen", "last_ip"])
        # Sessions older than a session's lifetime have expired: forget them.
        device.sessions.filter(
            created__lt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
        ).delete()
    if session_key:
        DeviceSession.objects.create(
            account=user.account, device=device, session_key=session_key, created=now
        )
    if is_new:
        audit.record(
            "device.added",
            account=user.account,
            actor=actor,
            target=user,
            data={"browser": browser},
        )

    addons = SecurityAddons.of(user)
    if is_new and addons.new_device_alerts:
        _mail_user(user, "new_device", "New sign-in from a browser not seen before", device, now)
    elif addons.login_notifications:
        _mail_user(user, "login_notification", "You signed in", device, now)
    return device, is_new


@transaction.atomic
def revoke_device(*, actor: Actor, device: KnownDevice) -> int:
    """Forget ``device`` and end its sessions; returns how many sessions were ended.

    A user revokes their own devices; an Administrator may revoke any staff user's device.
    """
    if device.user_id != actor.pk:
        require_admin(actor)
    device = (
        KnownDevice.objects.for_account(device.account)
        .select_for_update()
        .select_related("user")
        .get(pk=device.pk)
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(device.sessions.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    audit.record(
        "device.revoked",
        account=device.account,
        actor=actor,
        target=device.user,
        data={
            "browser": device.browser,
            "last_ip": device.last_ip,
            "sessions_ended": len(keys),
        },
    )
    device.delete()
    return len(keys)


def _mail_user(user, template: str, subject: str, device: KnownDevice, now) -> None:
    account = user.account
    body = render_to_string(
        f"accounts/email/{template}.txt",
        {
            "user": user,
            "account": account,
            "device": device,
            "when": format_datetime(now, account.date_format, user.effective_time_zone),
            "time_zone": user.effective_time_zone,
        },
    )
    send_mail_later(account, f"{account.name}: {subject}", body, [user.email])


def _date_shower(actor: Actor, account):
    tz = actor.user.effective_time_zone if actor.user is not None else account.time_zone
    return lambda moment: format_date(moment, account.date_format, tz)
