"""Text messages: one function, :func:`send_sms`, and backends chosen by SMS_BACKEND the way
Django chooses its email backend.

- ``console``: prints each message (development).
- ``locmem``: keeps them in :data:`outbox` (tests; emptied before each test).
- ``http``: a JSON POST to SMS_GATEWAY_URL with ``Authorization: Bearer <SMS_GATEWAY_TOKEN>``::

      {"from": "AcmeTel", "to": "+447700900123", "text": "..."}

  Any 2xx answer is success; its ``id`` (or ``message_id`` / ``reference``) is the gateway's
  reference. A 2xx whose ``status`` is failed / rejected / error, or any other status, is a
  failure; the gateway's own words (``error``, ``error.message``, ``message``, ``detail`` or
  ``errors[0].message``, else the start of the body) are shown to the operator.

A dotted path to a class with ``send(message) -> reference`` works too. The sender is the
account's SMS From (Config → SMTP Details), ``sms`` when it has none.
"""

import json
import re
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from itertools import count

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string

DEFAULT_SENDER = "sms"
SENDER_ID_MAX = 11
_SENDER_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9 ]*[A-Za-z0-9])?$")
GATEWAY_TEXT_MAX = 200
_FAILED_STATUSES = {"failed", "rejected", "error", "undeliverable"}


@dataclass(frozen=True)
class SmsMessage:
    sender: str
    to: str
    text: str


class SmsError(Exception):
    """The message was not sent; ``str()`` says why, in words for the operator."""


outbox: list[SmsMessage] = []  # the locmem backend's messages
_numbers = count(1)
_lock = threading.Lock()


def send_sms(account, to: str, text: str) -> str:
    """Send ``text`` to ``to`` (E.164) from ``account``'s SMS From; returns the gateway's
    reference. Raises :class:`SmsError` saying why it was not sent. Makes a network call with
    the http backend: call it outside any transaction."""
    message = SmsMessage(sender=sender_for(account), to=to, text=text)
    return get_backend().send(message)


def sender_for(account) -> str:
    from .models import SmtpSettings

    if account is None:
        return DEFAULT_SENDER
    saved = SmtpSettings.objects.for_account(account).values_list("sms_from", flat=True).first()
    return saved or DEFAULT_SENDER


def clean_sender(value: str) -> str:
    """The SMS From as stored: an alphanumeric sender ID of at most 11 characters, or an E.164
    number. Raises ValidationError saying what is wrong."""
    text = (value or "").strip()
    if not text:
        return DEFAULT_SENDER
    if text.startswith("+"):
        try:
            number = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise ValidationError(
                "This is not a valid international number: + then the country code and the "
                "number, e.g. +447400123456."
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if text.replace(" ", "").isdigit():
        raise ValidationError(
            "A number goes in international form: + then the country code, e.g. +447400123456."
        )
    if len(text) > SENDER_ID_MAX:
        raise ValidationError(
            f"A sender name has at most {SENDER_ID_MAX} characters (this one has {len(text)})."
        )
    if not _SENDER_ID.match(text):
        raise ValidationError(
            "A sender name has only letters, digits and spaces (no symbols), or is a number "
            "starting with +."
        )
    return text


BACKENDS = {
    "console": "accounts.sms.ConsoleBackend",
    "locmem": "accounts.sms.LocmemBackend",
    "http": "accounts.sms.HttpBackend",
}


def get_backend():
    path = BACKENDS.get(settings.SMS_BACKEND, settings.SMS_BACKEND)
    return import_string(path)()


class ConsoleBackend:
    def send(self, message: SmsMessage) -> str:
        reference = f"console-{next(_numbers)}"
        sys.stdout.write(
            f"SMS {reference} from {message.sender} to {message.to}:\n{message.text}\n{'-' * 60}\n"
        )
        sys.stdout.flush()
        return reference


class LocmemBackend:
    def send(self, message: SmsMessage) -> str:
        with _lock:
            outbox.append(message)
            return f"locmem-{len(outbox)}"


class HttpBackend:
    def send(self, message: SmsMessage) -> str:
        url = settings.SMS_GATEWAY_URL
        if not url:
            raise SmsError("The platform has no SMS gateway set up (SMS_GATEWAY_URL is empty).")
        timeout = settings.SMS_GATEWAY_TIMEOUT_SECONDS
        request = urllib.request.Request(  # noqa: S310 (a platform setting, http or https)
            url,
            data=json.dumps(
                {"from": message.sender, "to": message.to, "text": message.text}
            ).encode(),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
                "User-Agent": "voip-account-console",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                status, body = response.status, response.read(65536)
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read(65536)
        except TimeoutError:
            raise SmsError(f"The SMS gateway did not answer within {timeout:g} seconds.") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise SmsError(
                    f"The SMS gateway did not answer within {timeout:g} seconds."
                ) from None
            raise SmsError("The SMS gateway could not be reached.") from None
        except OSError:
            raise SmsError("The SMS gateway dropped the connection.") from None
        return _reading(status, body)


def _reading(status: int, body: bytes) -> str:
    """The reference of a 2xx answer; SmsError with the gateway's words otherwise."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        payload = None
    if 200 <= status < 300 and not (
        isinstance(payload, dict) and str(payload.get("status", "")).lower() in _FAILED_STATUSES
    ):
        if isinstance(payload, dict):
            for key in ("id", "message_id", "reference"):
                if payload.get(key):
                    return str(payload[key])[:100]
        return ""
    said = _gateway_words(payload, body)
    raise SmsError(f"The SMS gateway refused the message ({status}): {said}")


def _gateway_words(payload, body: bytes) -> str:
    text = ""
    if isinstance(payload, dict):
        error = payload.get("error")
        errors = payload.get("errors")
        if isinstance(error, dict):
            text = error.get("message") or error.get("description") or ""
        elif isinstance(error, str):
            text = error
        if not text and isinstance(errors, list) and errors and isinstance(errors[0], dict):
            text = errors[0].get("message", "")
        text = text or payload.get("message") or payload.get("detail") or ""
    if not text:
        raw = body.decode("utf-8", "replace")
        text = re.sub(r"<[^>]*>", " ", raw)  # an HTML error page: its words only
    text = " ".join(str(text).split())
    if not text:
        return "no reason given."
    return text[:GATEWAY_TEXT_MAX] + ("…" if len(text) > GATEWAY_TEXT_MAX else "")


def mobile_of(user) -> str:
    """The user's mobile (E.164) from their personal profile; empty when they have none."""
    return getattr(user, "mobile", "") or ""
