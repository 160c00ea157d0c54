"""The one place the users app sends an SMS (mobile confirmation codes).

The SMS backend is another issue's (SMTP/SMS settings): when ``accounts.sms.send_sms`` exists it
is used; until then the message goes to the log and to :data:`outbox` (what tests read), like
Django's console and locmem mail backends. Connect the real backend here.
"""

import logging

logger = logging.getLogger(__name__)

outbox: list[dict] = []


def send_code(account, number: str, text: str) -> None:
    try:
        from accounts.sms import send_sms  # the SMS backend, once it lands
    except ImportError:
        send_sms = None
    if send_sms is not None:
        send_sms(account, number, text)
        return
    outbox.append({"account": account.pk if account else None, "to": number, "text": text})
    logger.info("SMS to %s: %s", number, text)
