"""Security mail to a staff user about their own sign-in settings (password, e-mail, two-factor)."""

from django.utils import timezone

from accounts.formatting import format_datetime
from accounts.mail import send_mail_later


def notify(user, subject: str, text: str, *, ip: str | None = None, to: str | None = None):
    """Queue a plain mail to ``user`` (or the address ``to``) after commit, saying when and from
    which address, and what to do if it was not them."""
    account = user.account
    when = format_datetime(timezone.now(), account.date_format, user.effective_time_zone)
    body = (
        f"Hello {user.name or user.email},\n\n{text}\n\n"
        f"When: {when} ({user.effective_time_zone})\n"
        + (f"From address: {ip}\n" if ip else "")
        + "\nIf this was not you, sign in, change your password and check your two-factor login, "
        f"or ask an Administrator of {account.name} for help.\n"
    )
    send_mail_later(account, f"{account.name}: {subject}", body, [to or user.email])
