"""What every app's REST API router uses (django-ninja): the input schema base that refuses
unknown fields, the one error shape, the scope check and page pagination.

The api app owns the NinjaAPI instance, the tokens and their authentication; it mounts each
app's router as declared in ``<app>/panel.py`` (``AppPanel.api_routers``). A router's view reads
``request.actor`` (the token's user, narrowed to its scopes) and ``request.account``, asks
:func:`need` for the scope, and calls the app's service: no second copy of a rule.

Errors answer ``{"error": {"code", "message", "fields": {field: [messages]}}}``.
"""

from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field

from .errors import Refused

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 100_000

# A row id (the database's 64-bit range: a larger number is a 400, not an overflow).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Remove the NUL character: it cannot be searched for.")
    return value


# A list's search box (``q``): text a database can compare (PostgreSQL refuses NUL characters;
# a body's strings go through the panel's forms, which refuse them already).
SearchText = Annotated[str, Field(max_length=200), AfterValidator(_no_nul)]


class Input(Schema):
    """A request body: a field the schema does not name is refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class ApiError(Exception):
    """Answered as the error shape with ``status``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def need(request, module: str, *, write: bool = False) -> None:
    """403 unless the token's scopes *and* its user's current permissions allow ``module``;
    the message names the missing scope (``users:write``)."""
    access = request.actor.access
    allowed = access.can_write(module) if write else access.can_view(module)
    if allowed:
        return
    missing = access.missing_scope(module, write) if hasattr(access, "missing_scope") else None
    if missing:
        raise ApiError(
            403, "missing_scope", f"This token lacks the {missing} scope.", {"scope": [missing]}
        )
    raise ApiError(403, "forbidden", access.denial(module, write))


def refused(error: Refused | DjangoValidationError, *, known_fields=()) -> ApiError:
    """A service's refusal (or a model's ValidationError) as a 400 with field errors; a refusal
    about the whole object (no field: the last Administrator, someone the token may not change)
    as a 409."""
    if isinstance(error, DjangoValidationError):
        errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    else:
        errors = error.errors
    fields = {(k if k and k != "__all__" else "__all__"): list(v) for k, v in errors.items()}
    message = next(iter(fields.values()))[0]
    whole = set(fields) == {"__all__"}
    if whole and isinstance(error, Refused):
        return ApiError(409, "conflict", message, {})
    return ApiError(400, "invalid", message, fields)


def form_errors(form) -> ApiError:
    """A bound, invalid Django form's errors as a 400."""
    fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    message = next(iter(fields.values()))[0] if fields else "Invalid input."
    return ApiError(400, "invalid", message, fields)


def not_found(what: str = "object") -> ApiError:
    """Another account's id answers exactly like one that does not exist."""
    return ApiError(404, "not_found", f"No such {what}.")


def get_or_404(queryset, what: str, **lookup):
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, Http404):
        raise not_found(what) from None


class Page(Schema):
    page: int
    page_size: int
    total: int
    next_page: int | None


def paginate(queryset, page: int, page_size: int) -> tuple[list, dict[str, Any]]:
    """One page of ``queryset`` (two queries whatever the row count: the count and the page)."""
    if page < 1:
        raise ApiError(400, "invalid", "page starts at 1.", {"page": ["page starts at 1."]})
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        message = f"page_size is between 1 and {MAX_PAGE_SIZE}."
        raise ApiError(400, "invalid", message, {"page_size": [message]})
    total = queryset.count()
    start = (page - 1) * page_size
    rows = list(queryset[start : start + page_size])
    meta = {
        "page": page,
        "page_size": page_size,
        "total": total,
        "next_page": page + 1 if start + page_size < total else None,
    }
    return rows, meta


def in_viewer_time_zone(request):
    """A context in which dates mean days of the token user's time zone (as the panel reads
    them for that user): the tenant middleware chose its zone before the token was read."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    return timezone.override(ZoneInfo(request.user.effective_time_zone))
