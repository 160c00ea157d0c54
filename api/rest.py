"""The REST API at /api/v1/ (django-ninja): token authentication, the per-token rate limit, the
one error shape, and every app's routers, as each declares them in ``<app>/panel.py``
(``AppPanel.api_routers``). The OpenAPI document and its browsable docs are for signed-in staff.
"""

import math
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.module_loading import import_string
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from accounts.apikit import ApiError, error_body, refused
from accounts.errors import Refused
from accounts.registry import api_routers

from . import services

RATE_WINDOW_SECONDS = 60


class TokenAuth(HttpBearer):
    """``Authorization: Bearer vac_…``. A request with only the panel's session cookie is not
    authenticated: the API never acts on a cookie, so a page elsewhere cannot make a signed-in
    browser write through it (and the API needs no CSRF token)."""

    def __call__(self, request: HttpRequest):
        _check_body_size(request)
        return super().__call__(request)

    def authenticate(self, request, token: str):
        actor, found, refusal = services.authenticate(token.strip(), request.actor.ip)
        if actor is None:
            raise ApiError(refusal.status, refusal.code, refusal.message)
        _count_request(found)
        request.actor, request.account, request.user = actor, found.account, actor.user
        request.access = actor.access
        request.api_token = found
        return found


def _check_body_size(request) -> None:
    limit = settings.API_MAX_BODY_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise ApiError(413, "too_large", f"The request body is over {limit} bytes.")


def _count_request(token) -> None:
    """A fixed one-minute window per token, counted in the cache (Redis in production, so every
    app server counts the same)."""
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    key = f"api-rate:{token.pk}:{window}"
    cache.add(key, 0, RATE_WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS + 5)
        count = 1
    if count > limit:
        retry = max(1, math.ceil((window + 1) * RATE_WINDOW_SECONDS - now))
        raise ApiError(
            429,
            "rate_limited",
            f"More than {limit} requests a minute with this token; retry in {retry} s.",
            headers={"Retry-After": str(retry)},
        )


def staff_only(view):
    """The OpenAPI document and docs page: signed-in staff of an account (the panel's session)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated or not request.access.is_staff_user:
            return JsonResponse(
                error_body("not_signed_in", "Sign in to the panel to read the API reference."),
                status=401,
            )
        return view(request, *args, **kwargs)

    return wrapped


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}
ERRORS = {
    "400": "Invalid input: malformed JSON, a wrong type, an unknown field, a rule refused it",
    "401": "No token, or an unknown, revoked or expired one",
    "403": "The token lacks a scope (named), its user lacks the permission, or its address",
    "404": "No such object (another account's is the same)",
    "409": "The change conflicts with the account's state",
    "413": "The request body is too large",
    "429": "Over the token's rate limit; see Retry-After",
}


class Api(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Every operation documents the error answers in their one shape."""
        schema = super().get_openapi_schema(*args, **kwargs)
        schema["components"].setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"$ref": "#/components/schemas/Error"}
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, text in ERRORS.items():
                    operation["responses"].setdefault(
                        status,
                        {"description": text, "content": {"application/json": {"schema": ref}}},
                    )
        return schema


api = Api(
    title="VoIP Account Console API",
    version="1",
    description=(
        "Automation for your account. Send `Authorization: Bearer <token>` (My Account → API "
        'tokens). Errors answer `{"error": {"code", "message", "fields"}}`.'
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=staff_only,
)


def _answer(request, error: ApiError):
    response = JsonResponse(error.body(), status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return _answer(request, exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    message = "Send an API token: Authorization: Bearer <token>."
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        message += " The API does not act on the panel's session."
    return _answer(request, ApiError(401, "not_authenticated", message))


def _location(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "filters")]
    return ".".join(parts) or "__all__"


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        message = error.get("msg", "Invalid value.")
        if error.get("type") == "extra_forbidden":
            message = "Unknown field: not accepted here."
        fields.setdefault(_location(error.get("loc", ())), []).append(message)
    first = next(iter(fields.values()))[0] if fields else "Invalid input."
    return _answer(request, ApiError(400, "invalid", first, fields))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    code = "malformed" if exc.status_code == 400 else "error"
    return _answer(request, ApiError(exc.status_code, code, str(exc)))


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return _answer(request, ApiError(413, "too_large", "The request body is too large."))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _answer(request, ApiError(404, "not_found", "No such object."))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _answer(request, ApiError(403, "forbidden", str(exc) or "Not allowed."))


@api.exception_handler(Refused)
def _refused(request, exc: Refused):
    return _answer(request, refused(exc))


@api.exception_handler(DjangoValidationError)
def _model_invalid(request, exc):
    return _answer(request, refused(exc))


for prefix, dotted in api_routers():
    api.add_router(prefix, import_string(dotted.replace(":", ".")))
