"""Phone numbers: parsed and checked with ``phonenumbers``, stored as E.164, shown formatted."""

import phonenumbers
from django.core.exceptions import ValidationError
from django_countries import countries
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult

EXAMPLE = "+44 20 7946 0000"

_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: (
        "The country code is missing or unknown: start with + and the country code, "
        f"e.g. {EXAMPLE}."
    ),
    NumberParseException.NOT_A_NUMBER: (
        "This is not a phone number: use digits, spaces, brackets or dashes, and an optional "
        "leading +."
    ),
    NumberParseException.TOO_SHORT_AFTER_IDD: (
        "Too short: the number after the country code is missing."
    ),
    NumberParseException.TOO_SHORT_NSN: "Too short to be a phone number.",
    NumberParseException.TOO_LONG: "Too long to be a phone number (at most 15 digits).",
}


def _region_name(number) -> str:
    region = phonenumbers.region_code_for_number(number)
    return countries.name(region) if region and region != "ZZ" else f"+{number.country_code}"


def parse_phone(value: str, default_region: str | None = None, *, mobile: bool = False) -> str:
    """The number in ``value`` as E.164 (``+442079460000``); raises ValidationError saying why not.

    A number without ``+`` is read as a national number of ``default_region`` (the account's
    country). ``mobile`` also refuses numbers that are known to be landlines.
    """
    value = (value or "").strip()
    try:
        number = phonenumbers.parse(value, (default_region or "").upper() or None)
    except NumberParseException as exc:
        raise ValidationError(
            _PARSE_ERRORS.get(exc.error_type, "This is not a phone number."), code="phone"
        ) from exc
    where = f"a +{number.country_code} number"
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == ValidationResult.INVALID_COUNTRY_CODE:
        raise ValidationError(
            _PARSE_ERRORS[NumberParseException.INVALID_COUNTRY_CODE], code="phone"
        )
    if reason == ValidationResult.TOO_SHORT:
        raise ValidationError(f"Too short for {where}.", code="phone")
    if reason == ValidationResult.TOO_LONG:
        raise ValidationError(f"Too long for {where}.", code="phone")
    if reason != ValidationResult.IS_POSSIBLE:
        raise ValidationError(f"The number of digits is wrong for {where}.", code="phone")
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            f"This is not a valid number: check the digits after +{number.country_code}.",
            code="phone",
        )
    if mobile and phonenumbers.number_type(number) == PhoneNumberType.FIXED_LINE:
        raise ValidationError(
            f"This is a landline number in {_region_name(number)}; enter a mobile number.",
            code="phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """``+44 20 7946 0000`` for a stored E.164 number; anything unparsable is shown as stored."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
