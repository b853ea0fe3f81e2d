"""The one place that knows HTTP statuses: every error becomes an RFC 9457 problem document."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, get_args

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.documents import MalformedUpload, PayloadTooLarge, UnsupportedMediaType
from app.domain.errors import (
    AccountLocked,
    AuthenticationFailed,
    BadRequest,
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    ServiceUnavailable,
    TooManyRequests,
    UnsupportedContentType,
    ValidationFailed,
    merge_field_errors,
)
from app.error_codes import FALLBACK_FIELD_CODE, HTTP_TITLES, REQUEST_FIELD_CODES
from app.logsafe import exception_fields

if TYPE_CHECKING:
    from app.schemas.field_checks import CheckFacts

log = logging.getLogger("portal.errors")

PROBLEM_BASE = "https://producer-portal.example/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

STATUS_OF: dict[type[DomainError], int] = {
    ValidationFailed: 422,
    BadRequest: 400,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
    UnsupportedContentType: 415,
    AuthenticationFailed: 401,
    AccountLocked: 423,
    Forbidden: 403,
    TooManyRequests: 429,
    ServiceUnavailable: 503,
    # Uploads (R-DOC-1): the body is too large, not multipart/form-data, or cannot be parsed.
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    MalformedUpload: 400,
}


# The OAuth 2.0 token endpoint (RFC 6749): its problems, whoever answers them (the route, validation, the rate
# limit, the input checks of the middleware), also carry the OAuth `error` and `error_description`.
OAUTH_TOKEN_PATHS = frozenset({"/api/v1/auth/token"})


def oauth_error(status: int, code: str, errors: list[dict[str, str]] | None) -> str:
    """RFC 6749 section 5.2's `error` for a token endpoint problem (its status and `code` stay the API's own)."""
    if code == "mfa_required":
        return "mfa_required"  # a delegate's second factor (the name other providers use), with `mfa_token`
    if status in (401, 403, 423):
        return "invalid_grant"
    if status in (429, 503):
        return "temporarily_unavailable"
    if status >= 500:
        return "server_error"
    if any(e.get("field") == "grant_type" for e in errors or ()):
        return "unsupported_grant_type"
    return "invalid_request"


def problem_type(code: str) -> str:
    return PROBLEM_BASE + code.replace("_", "-").replace(".", "/")


def problem_response(
    request: Request | None,
    *,
    status: int,
    code: str,
    detail: str,
    title: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": title or HTTP_TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if request is not None:
        body["instance"] = request.url.path
        rid = getattr(request.state, "request_id", None)
        if rid:
            body["request_id"] = rid
    if errors is not None:
        body["errors"] = errors
    if extra:
        body.update(jsonable_encoder(extra))
    if request is not None and request.url.path in OAUTH_TOKEN_PATHS:
        body["error"] = oauth_error(status, code, errors)
        body["error_description"] = detail
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def status_for(exc: DomainError) -> int:
    for kind in type(exc).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]  # type: ignore[index]
    return 400


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = status_for(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 503:
        headers["Retry-After"] = "2"
    if isinstance(exc, PayloadTooLarge):
        # The rest of an oversized body is never read, so that connection is not reused.
        headers["Connection"] = "close"
    errors = [{"field": e.field, "code": e.code, "message": e.message} for e in exc.errors] or None
    return problem_response(
        request,
        status=status,
        code=exc.code,
        detail=exc.message,
        title=exc.title,
        errors=errors,
        headers=headers,
        extra=exc.extra,
    )


_DIGITS = re.compile(r"^\^\\d\{(\d+)(?:,(\d+))?\}\$$")


def request_field_error(error: Mapping[str, Any]) -> dict[str, str]:
    """One of pydantic's errors as the API's field error: a code of the catalog's vocabulary and a message a person
    can act on (never the library's wording, such as "String should match pattern '^\\d{5,12}$'")."""
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    code, message = REQUEST_FIELD_CODES.get(kind, FALLBACK_FIELD_CODE)
    if kind in ("value_error", "assertion_error"):  # our own validators' messages are written for people
        message = str(error.get("msg", message)).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    elif kind == "string_pattern_mismatch" and (digits := _DIGITS.match(str(ctx.get("pattern", "")))):
        low, high = digits.groups()
        message = f"Enter {low} digits." if high is None else f"Enter {low} to {high} digits."
    elif kind in ("enum", "literal_error") and "expected" in ctx:
        message = f"Choose one of: {ctx['expected']}."
    elif kind == "string_too_short" and "min_length" in ctx:
        message = f"Enter at least {ctx['min_length']} character{'s' if ctx['min_length'] != 1 else ''}."
    elif kind == "string_too_long" and "max_length" in ctx:
        message = f"Enter at most {ctx['max_length']} characters."
    elif kind in ("too_short", "too_long") and ("min_length" in ctx or "max_length" in ctx):
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        message = f"Send {'at least' if kind == 'too_short' else 'at most'} {bound} item{'s' if bound != 1 else ''}."
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = next(iter(ctx.values()), None)
        words = {"greater_than": "more than", "greater_than_equal": "at least", "less_than": "less than"}
        message = f"Enter a value {words.get(kind, 'at most')} {bound}." if bound is not None else message
    return {"code": code, "message": message}


def field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    return ".".join(parts) or "body"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = exc.errors()
    if any(e.get("type") == "json_invalid" for e in raw):
        return problem_response(
            request, status=400, code="malformed_json", detail="The request body is not valid JSON."
        )
    schema_errors = [FieldError(field_path(tuple(e.get("loc", ()))), **request_field_error(e)) for e in raw]
    merged = merge_field_errors(schema_errors, _domain_field_errors(request, exc))
    errors = [{"field": e.field, "code": e.code, "message": e.message} for e in merged]
    detail = errors[0]["message"] if len(errors) == 1 else f"{len(errors)} fields are missing or invalid."
    if len(errors) == 1 and errors[0]["field"] not in ("body", ""):
        detail = f"{errors[0]['field']}: {errors[0]['message']}"
    return problem_response(request, status=422, code="validation_failed", detail=detail, errors=errors)


def body_model(request: Request) -> type[BaseModel] | None:
    """The request model of the matched route's JSON body (None: the route reads no body model)."""
    field = getattr(request.scope.get("route"), "body_field", None)
    annotation = getattr(getattr(field, "field_info", None), "annotation", None)
    for kind in (annotation, *get_args(annotation)):  # `Model | None` for an optional body
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return kind
    return None


def check_facts(ctx: Any) -> CheckFacts:
    """What the domain's field rules read beyond a body (issue 16): today by the app's clock, and settings."""
    from app.schemas.field_checks import CheckFacts

    return CheckFacts(
        today=ctx.clock.now().date(),
        max_dependents=ctx.settings.max_dependents_including_spouse,
        carrier_states=tuple(ctx.settings.carrier_states),
        producer_password_policy=ctx.producer_password_policy,
    )


def _domain_field_errors(request: Request, exc: RequestValidationError) -> list[FieldError]:
    """Issue 16, one pass: the domain's field rules of the body's model, on the fields the schema accepted."""
    from app.schemas.field_checks import domain_field_errors

    model, ctx = body_model(request), getattr(request.app.state, "ctx", None)
    if model is None or ctx is None or not isinstance(exc.body, dict):
        return []
    try:
        return domain_field_errors(model, exc.body, check_facts(ctx))
    except Exception as failure:  # the extra pass must never turn a 422 into a 500
        log.error("field checks of a refused body failed", extra=exception_fields(failure))
        return []


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else HTTP_TITLES.get(status, "Error")
    code = {
        400: "bad_request",
        404: "not_found",
        405: "method_not_allowed",
        401: "not_authenticated",
        403: "forbidden",
        413: "content_too_large",
        415: "unsupported_media_type",
    }.get(status, "bad_request" if status < 500 else "internal_error")
    if status == 404 and detail == "Not Found":
        detail = f"No such resource: {request.method} {request.url.path}"
    if status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
        # Starlette's Allow names the first matching route's method only; a path served by several routes (GET
        # and DELETE on /delegates/{id}) allows all of theirs.
        allowed = allowed_methods(request)
        if allowed:
            exc.headers = {**(exc.headers or {}), "Allow": ", ".join(allowed)}
            detail += f" Allowed: {', '.join(allowed)}."
    if status == 401 and detail == "Not authenticated":
        detail = "Sign in first, then try again."
    headers = dict(exc.headers or {})
    return problem_response(request, status=status, code=code, detail=detail, headers=headers)


def is_database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, IntegrityError):
        return False
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout, ConnectionError, asyncio.TimeoutError)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OSError)


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # A unique constraint raced by two requests: the loser is told, not crashed.
    log.info("integrity conflict", extra={"route": _route_template(request)})
    return problem_response(
        request,
        status=409,
        code="conflict",
        detail="This conflicts with data that already exists (it may have just been created).",
    )


async def unhandled_error(request: Request, exc: Exception) -> JSONResponse:
    if is_database_unavailable(exc):
        log.warning(
            "database unavailable",
            extra={
                "route": _route_template(request),
                "error": type(exc).__name__,
                "request_id": getattr(request.state, "request_id", None),
            },
        )
        return problem_response(
            request,
            status=503,
            code="service_unavailable",
            detail="The service is temporarily unavailable. Please try again shortly.",
            headers={"Retry-After": "2"},
        )
    # Never the exception's text, parameters, body or query string (they can carry PHI): its type, where it was
    # raised and the request id, which the client sees too.
    log.error(
        "unhandled error",
        extra={
            **exception_fields(exc),
            "route": _route_template(request),
            "request_id": getattr(request.state, "request_id", None),
        },
    )
    return problem_response(
        request,
        status=500,
        code="internal_error",
        detail="Something went wrong on our side. Quote the request id if you call us.",
    )


def _route_template(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", None) or "unmatched"


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this request's path (for 405's Allow header).

    Starlette's own Allow names the first matching route's methods only, while a path is often served by several
    routes (GET and DELETE on /delegates/{id}). Only 405 answers pay for this walk; the table is built once.
    """
    from fastapi.routing import iter_route_contexts
    from starlette.routing import compile_path

    table = getattr(request.app.state, "route_methods", None)
    if table is None:
        table = [
            (compile_path(c.path)[0], frozenset(c.methods or ()))
            for c in iter_route_contexts(request.app.routes)
            if c.path
        ]
        request.app.state.route_methods = table
    path = request.scope.get("path", "")
    return sorted({m for regex, methods in table if regex.match(path) for m in methods})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(Exception, unhandled_error)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the problem documents a route can answer with."""
    from app.schemas.common import Problem

    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        out[status] = {
            "model": Problem,
            "description": HTTP_TITLES.get(status, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out
