"""One stored form of an e-mail address, used wherever an address is entered or looked up.

Sign-in, its throttle, uniqueness, invitations and password reset all compare the stored form
exactly (never ``iexact``): PostgreSQL's ``UPPER('ı')`` is ``'I'`` and ``UPPER('ſ')`` is ``'S'``,
so a case-insensitive match let ``admın@…`` sign in as ``admin@…`` and be throttled apart from it.

The stored form: the domain IDNA-encoded (UTS #46, as browsers and mail servers map it) and lower
case, the local part lower case. A local part that is not ASCII is refused on entry, so no letter
can stand in for another.
"""

import idna
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

NOT_AN_ADDRESS = "Enter a valid email address."


def normalise_email(value: str) -> str:
    """The stored form of ``value``; raises ValidationError saying what is wrong with it."""
    text = (value or "").strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise ValidationError(NOT_AN_ADDRESS, code="invalid")
    if not local.isascii():
        odd = next(ch for ch in local if not ch.isascii())
        raise ValidationError(
            "The part before the @ may use only ASCII letters (a–z), digits and signs such as "
            f". _ + -; “{odd}” is not one of them. Type the address with plain letters.",
            code="non_ascii",
        )
    if domain.isascii():
        domain = domain.lower()
    else:
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise ValidationError(
                f"“{domain}” is not a valid domain for an e-mail address.", code="invalid"
            ) from exc
    address = f"{local.lower()}@{domain}"
    validate_email(address)
    return address


def lookup_form(value: str) -> str | None:
    """The stored form, or None for text that no stored address can equal (for look-ups that
    must not raise, e.g. Django's authentication backend)."""
    try:
        return normalise_email(value)
    except ValidationError:
        return None


class NormalisedEmailField(forms.EmailField):
    """An e-mail form field whose cleaned value is the stored form, errors next to the field."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_email(value) if value else value
