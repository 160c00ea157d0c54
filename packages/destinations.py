"""Destination patterns: the regular expression a package's numbers match (from the start).

A pattern is stored by the platform in the admin and matched by the lookup side against every
number, so it must be cheap to run whatever the number. The rule is a restricted syntax rather
than a timeout (Python's ``re`` cannot be interrupted):

- at most :data:`MAX_LENGTH` characters, and it must compile;
- only digits, ``^``, ``$``, ``.``, ``\\d``, character classes of digits (``[2-9]``, ``[135]``),
  groups with alternation (``^(44|33)``), and the quantifiers ``?``, ``*``, ``+``, ``{m}``,
  ``{m,n}``, ``{m,}`` with bounds up to :data:`MAX_REPEAT`;
- a quantifier applies to one digit, ``.``, ``\\d`` or a class, never to a group: nested or
  repeated groups (``(\\d+)+``, ``(1|12)*``) are what makes backtracking explode;
- at most :data:`MAX_QUANTIFIERS` quantifiers in all, so even a failing match of a long string
  tries a bounded number of ways (``.*.*.*.*.*.*.*9`` is refused).

Without nested repetition, matching costs at most a polynomial in the number's length whose
degree is the number of quantifiers; numbers are short (E.164: 15 digits, :data:`MAX_NUMBER`
with a technical prefix) and :func:`matches` refuses anything longer, so the worst accepted
pattern tries some ten thousand ways, well under a millisecond.
"""

import re

from django.core.exceptions import ValidationError

MAX_LENGTH = 64
MAX_QUANTIFIERS = 4
MAX_REPEAT = 32
MAX_GROUP_DEPTH = 2
MAX_NUMBER = 32  # digits of a number matched against a pattern

_TOKEN = re.compile(
    r"""
      (?P<digit>[0-9])
    | (?P<any>\.)
    | (?P<class_digit>\\d)
    | (?P<char_class>\[\^?(?:[0-9](?:-[0-9])?)+\])
    | (?P<anchor>[\^$])
    | (?P<open>\()
    | (?P<close>\))
    | (?P<bar>\|)
    | (?P<quantifier>(?:[?*+]|\{[0-9]{1,3}(?:,[0-9]{0,3})?\})\??)
    """,
    re.VERBOSE,
)
_ATOMS = {"digit", "any", "class_digit", "char_class"}


def validate_destination(pattern: str) -> None:
    """Raise ValidationError, in words an operator can act on, for a pattern outside the rule."""
    problem = destination_problem(pattern)
    if problem:
        raise ValidationError(problem, code="invalid_destination")


def destination_problem(pattern: str) -> str:
    """Why ``pattern`` is refused, or "" when it is accepted."""
    if not pattern:
        return "Enter a pattern, e.g. ^44 (numbers starting 44) or .* (every number)."
    if len(pattern) > MAX_LENGTH:
        return f"Keep the pattern to {MAX_LENGTH} characters or fewer."
    problem = _syntax_problem(pattern)
    if problem:
        return problem
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"This is not a valid regular expression: {exc}."
    return ""


def _syntax_problem(pattern: str) -> str:
    position, depth, quantifiers = 0, 0, 0
    previous = None  # kind of the previous token
    while position < len(pattern):
        token = _TOKEN.match(pattern, position)
        if token is None:
            return (
                f"“{pattern[position]}” at position {position + 1} is not allowed. Use digits, "
                "^, $, ., \\d, digit classes such as [2-9], groups with | and the quantifiers "
                "?, *, +, {m,n}."
            )
        kind, text = token.lastgroup, token.group()
        if kind == "quantifier":
            if previous == "close":
                return (
                    "A quantifier may not follow a group: repeated groups such as (\\d+)+ can "
                    "make matching take forever. Repeat a single digit, ., \\d or [class]."
                )
            if previous not in _ATOMS:
                return f"The quantifier “{text}” at position {position + 1} repeats nothing."
            if any(int(n) > MAX_REPEAT for n in re.findall(r"[0-9]+", text)):
                return f"Repeat counts may be at most {MAX_REPEAT}."
            quantifiers += 1
            if quantifiers > MAX_QUANTIFIERS:
                return f"Use at most {MAX_QUANTIFIERS} quantifiers (?, *, +, {{m,n}})."
        elif kind == "open":
            depth += 1
            if depth > MAX_GROUP_DEPTH:
                return f"Groups may be nested at most {MAX_GROUP_DEPTH} deep."
        elif kind == "close":
            depth -= 1
            if depth < 0:
                return f"The “)” at position {position + 1} closes no group."
        previous = kind
        position = token.end()
    if depth:
        return "A group is opened with “(” but never closed."
    return ""


def matches(pattern: str, number: str) -> bool:
    """Whether ``number`` (digits, E.164 without +) is one of the pattern's destinations. Anything
    but up to :data:`MAX_NUMBER` digits is no number, and matches nothing."""
    if len(number) > MAX_NUMBER or not number.isdigit() or not number.isascii():
        return False
    return re.match(pattern, number) is not None
