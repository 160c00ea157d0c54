"""A rate card's CSV: the rules of one rate (shared with the rate dialog) and the import's reader.

The file is ``prefix,destination,rate,effective_from`` with that header (any order, any case),
UTF-8 with or without a byte order mark, LF or CRLF line ends. Every bad line is reported with
its line number; the caller imports nothing unless there are none (portal/services_rates.py).
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MAX_BYTES = 10_000_000
MAX_ROWS = 100_000
MAX_ERRORS_SHOWN = 50
MAX_PREFIX_DIGITS = 15  # E.164: a number has at most 15 digits, so a longer prefix matches nothing
MAX_RATE = Decimal("1000")
RATE_DECIMALS = 6  # portal.models.Rate.rate: max_digits=12, decimal_places=6
COLUMNS = ("prefix", "destination", "rate", "effective_from")
_PREFIX = re.compile(rf"[0-9]{{1,{MAX_PREFIX_DIGITS}}}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_prefix(text: str) -> tuple[str, str]:
    value = (text or "").strip()
    if not _PREFIX.fullmatch(value):
        return "", f"A prefix is 1 to {MAX_PREFIX_DIGITS} digits (no + or spaces), e.g. 447."
    return value, ""


def parse_destination(text: str) -> tuple[str, str]:
    value = " ".join((text or "").split())
    if not value:
        return "", "Enter the destination, e.g. United Kingdom - Mobile."
    if len(value) > 100:
        return "", "A destination is at most 100 characters."
    return value, ""


def parse_rate(text: str) -> tuple[Decimal | None, str]:
    value = (text or "").strip()
    try:
        rate = Decimal(value)
    except InvalidOperation:
        return None, "Enter the rate per minute as a number, e.g. 0.0125."
    if not rate.is_finite():
        return None, "Enter the rate per minute as a number, e.g. 0.0125."
    if rate < 0:
        return None, "A rate cannot be negative."
    if rate > MAX_RATE:
        return None, f"A rate is at most {MAX_RATE} per minute."
    if -rate.as_tuple().exponent > RATE_DECIMALS:
        return None, f"A rate has at most {RATE_DECIMALS} decimals."
    return rate, ""


def parse_date(text: str) -> tuple[datetime.date | None, str]:
    value = (text or "").strip()
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return datetime.date.fromisoformat(value), ""
    except ValueError:
        return None, "Enter the effective date as YYYY-MM-DD, e.g. 2026-01-31."


@dataclass(frozen=True)
class Line:
    number: int
    prefix: str
    destination: str
    rate: Decimal
    effective_from: datetime.date


class CsvProblems(Exception):
    """The file cannot be imported: ``problems`` are (line number or None, message)."""

    def __init__(self, problems: list[tuple[int | None, str]], total: int | None = None):
        super().__init__(problems)
        self.problems = problems
        self.total = total if total is not None else len(problems)


def read_rates(data: bytes) -> list[Line]:
    """Every rate of the file, or CsvProblems listing every bad line (the first
    MAX_ERRORS_SHOWN of them, with the total)."""
    if not data.strip():
        raise CsvProblems([(None, "The file is empty.")])
    if len(data) > MAX_BYTES:
        raise CsvProblems([(None, f"The file is larger than {MAX_BYTES // 1_000_000} MB.")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvProblems([(None, "The file is not UTF-8 text: save it as CSV UTF-8.")]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise CsvProblems([(1, "The first line must be the header.")]) from None
    names = [name.strip().lower() for name in header]
    problems: list[tuple[int | None, str]] = []
    unknown = [name for name in names if name not in COLUMNS]
    missing = [name for name in COLUMNS if name not in names]
    repeated = sorted({name for name in names if names.count(name) > 1 and name in COLUMNS})
    if unknown or missing or repeated:
        words = []
        if unknown:
            words.append("unknown column " + ", ".join(repr(n) for n in unknown))
        if missing:
            words.append("missing column " + ", ".join(missing))
        if repeated:
            words.append("repeated column " + ", ".join(repeated))
        raise CsvProblems([(1, f"The header must be {','.join(COLUMNS)}: {'; '.join(words)}.")])
    where = {name: names.index(name) for name in COLUMNS}
    lines: list[Line] = []
    seen: dict[tuple[str, datetime.date], int] = {}
    total = 0

    def problem(number, message):
        nonlocal total
        total += 1
        if len(problems) < MAX_ERRORS_SHOWN:
            problems.append((number, message))

    try:
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # a blank line (e.g. the last one)
            if len(lines) + total >= MAX_ROWS:
                raise CsvProblems([(None, f"The file has more than {MAX_ROWS:,} rates: split it.")])
            if len(row) != len(names):
                problem(number, f"{len(row)} values where the header has {len(names)}.")
                continue
            prefix, e1 = parse_prefix(row[where["prefix"]])
            destination, e2 = parse_destination(row[where["destination"]])
            rate, e3 = parse_rate(row[where["rate"]])
            since, e4 = parse_date(row[where["effective_from"]])
            errors = [e for e in (e1, e2, e3, e4) if e]
            if errors:
                problem(number, " ".join(errors))
                continue
            first = seen.setdefault((prefix, since), number)
            if first != number:
                problem(
                    number,
                    f"Prefix {prefix} from {since.isoformat()} is already on line {first}.",
                )
                continue
            lines.append(Line(number, prefix, destination, rate, since))
    except csv.Error as error:
        problem(reader.line_num, f"This line is not valid CSV ({error}).")
    if problems:
        raise CsvProblems(problems, total)
    if not lines:
        raise CsvProblems([(None, "The file has a header but no rates.")])
    return lines
