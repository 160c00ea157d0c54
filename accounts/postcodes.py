"""Post code formats of the countries whose rule is known; any other country takes free text.

Each rule normalises what was typed (upper case, single spaces, the usual separator) and checks
it against the country's official pattern. Sources: the national postal operators' formats.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django_countries import countries

MAX_LENGTH = 16


@dataclass(frozen=True)
class PostCodeRule:
    pattern: re.Pattern
    example: str
    normalise: Callable[[str], str]


def _compact(value: str) -> str:
    return re.sub(r"\s+", "", value)


def _split_last(n: int) -> Callable[[str], str]:
    """``SW1A1AA`` → ``SW1A 1AA``: a space before the last ``n`` characters."""

    def normalise(value: str) -> str:
        value = _compact(value)
        return f"{value[:-n]} {value[-n:]}" if len(value) > n else value

    return normalise


def _hyphen_after(n: int) -> Callable[[str], str]:
    def normalise(value: str) -> str:
        value = _compact(value).replace("-", "")
        return f"{value[:n]}-{value[n:]}" if len(value) > n else value

    return normalise


def _rule(pattern: str, example: str, normalise=_compact) -> PostCodeRule:
    return PostCodeRule(re.compile(pattern), example, normalise)


RULES: dict[str, PostCodeRule] = {
    # United Kingdom: outward code, space, inward code (Royal Mail), plus GIR 0AA.
    "GB": _rule(
        r"^(GIR 0AA|[A-PR-UWYZ](\d[\dA-HJKPSTUW]?|[A-HK-Y]\d[\dABEHMNPRVWXY]?)"
        r" \d[ABD-HJLNP-UW-Z]{2})$",
        "SW1A 1AA",
        _split_last(3),
    ),
    # United States: ZIP or ZIP+4.
    "US": _rule(r"^\d{5}(-\d{4})?$", "94105 or 94105-1234"),
    # Canada: A1A 1A1, without D F I O Q U, and no W or Z first.
    "CA": _rule(
        r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d$",
        "K1A 0B1",
        _split_last(3),
    ),
    "DE": _rule(r"^\d{5}$", "10115"),
    "FR": _rule(r"^\d{5}$", "75008"),
    # Netherlands: four digits (no leading 0), space, two letters other than SA, SD and SS.
    "NL": _rule(r"^[1-9]\d{3} (?!SA|SD|SS)[A-Z]{2}$", "1012 AB", _split_last(2)),
    # India: six-digit PIN, first digit 1-9.
    "IN": _rule(r"^[1-9]\d{5}$", "110001"),
    "AU": _rule(r"^\d{4}$", "2000"),
    "AT": _rule(r"^\d{4}$", "1010"),
    "BE": _rule(r"^[1-9]\d{3}$", "1000"),
    "CH": _rule(r"^[1-9]\d{3}$", "8001"),
    "DK": _rule(r"^\d{4}$", "1050"),
    "ES": _rule(r"^(0[1-9]|[1-4]\d|5[0-2])\d{3}$", "28013"),
    "IT": _rule(r"^\d{5}$", "00184"),
    "NO": _rule(r"^\d{4}$", "0150"),
    "NZ": _rule(r"^\d{4}$", "6011"),
    "PL": _rule(r"^\d{2}-\d{3}$", "00-950", _hyphen_after(2)),
    "PT": _rule(r"^\d{4}-\d{3}$", "1000-001", _hyphen_after(4)),
    "SE": _rule(r"^\d{3} \d{2}$", "114 55", _split_last(2)),
    "JP": _rule(r"^\d{3}-\d{4}$", "100-0001", _hyphen_after(3)),
    "BR": _rule(r"^\d{5}-\d{3}$", "01310-100", _hyphen_after(5)),
    # Ireland's Eircode: routing key, space, unique identifier.
    "IE": _rule(r"^([AC-FHKNPRTV-Y]\d{2}|D6W) [0-9AC-FHKNPRTV-Y]{4}$", "D02 X285", _split_last(4)),
}


def clean_post_code(value: str, country: str | None) -> str:
    """``value`` normalised for ``country``; raises ValidationError when it cannot be one."""
    value = " ".join((value or "").split())
    if not value:
        return ""
    rule = RULES.get((country or "").upper())
    if rule is None:  # no known rule: free text
        if len(value) > MAX_LENGTH:
            raise ValidationError(
                f"A post code has at most {MAX_LENGTH} characters.", code="post_code"
            )
        return value
    candidate = rule.normalise(value.upper())
    if not rule.pattern.match(candidate):
        raise ValidationError(
            f"This is not a post code of {countries.name(country.upper())}: "
            f"expected a format like {rule.example}.",
            code="post_code",
        )
    return candidate
