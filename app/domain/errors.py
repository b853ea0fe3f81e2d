"""Domain errors: a stable dotted code, a message a person can act on, the field concerned.

No HTTP here: `app/errors.py` maps each kind to a status.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


class DomainError(Exception):
    """Base class. `code` is stable and documented; `message` is for people."""

    code: str = "error"
    title: str = "Request could not be completed"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.errors = errors or ([FieldError(field, self.code, message)] if field else [])
        self.extra = extra or {}


class ValidationFailed(DomainError):
    """Input breaks a business rule (422)."""

    code = "validation_failed"
    title = "Validation failed"


class BadRequest(DomainError):
    """The request cannot be read at all (400), e.g. malformed JSON."""

    code = "bad_request"
    title = "Bad request"


class NotFound(DomainError):
    """The object does not exist or is not yours (404, R-BOOK-1)."""

    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    """The request conflicts with the current state (409)."""

    code = "conflict"
    title = "Conflict"


class PreconditionFailed(DomainError):
    """A conditional request's precondition (`If-Match`) does not hold (412, RFC 9110 section 13.1.1)."""

    code = "precondition_failed"
    title = "Precondition failed"


class UnsupportedContentType(DomainError):
    """The body is not in the media type the operation reads (415, RFC 9110 section 15.5.16)."""

    code = "unsupported_media_type"
    title = "Unsupported media type"


class AuthenticationFailed(DomainError):
    """Credentials or token missing or wrong (401)."""

    code = "invalid_credentials"
    title = "Authentication failed"


class AccountLocked(DomainError):
    """Too many failed sign-ins (423)."""

    code = "account_locked"
    title = "Account locked"


class Forbidden(DomainError):
    """Signed in but not allowed (403)."""

    code = "forbidden"
    title = "Forbidden"


class ServiceUnavailable(DomainError):
    """A dependency (the database) is down (503)."""

    code = "service_unavailable"
    title = "Service unavailable"


class TooManyRequests(DomainError):
    """Rate limit or capacity exceeded (429)."""

    code = "too_many_requests"
    title = "Too many requests"

    def __init__(self, message: str, *, retry_after: int = 1, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


@dataclass
class ErrorCollector:
    """Gathers every field error of a request so the caller sees them all at once."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, field_name: str, code: str, message: str) -> None:
        self.errors.append(FieldError(field_name, code, message))

    def raise_if_any(self, message: str = "Some fields are missing or invalid") -> None:
        if self.errors:
            first = self.errors[0]
            raise ValidationFailed(
                message if len(self.errors) > 1 else first.message,
                code=first.code if len(self.errors) == 1 else "validation_failed",
                errors=list(self.errors),
            )


def errors_of(check: Callable[[], object]) -> list[FieldError]:
    """The field errors a check raises (none when it passes): how a domain rule is asked without stopping at it.

    A refusal without field errors (a rule about the whole request) counts as one error on no field (`body`).
    """
    try:
        check()
    except ValidationFailed as exc:
        return list(exc.errors) or [FieldError(exc.field or "body", exc.code, exc.message)]
    return []


def _covers(a: str, b: str) -> bool:
    """True when field `a` is `b` or contains it (`applicant` contains `applicant.date_of_birth`)."""
    return a == b or b.startswith(a + ".")


def merge_field_errors(first: Sequence[FieldError], more: Sequence[FieldError]) -> list[FieldError]:
    """One validation pass (issue 16): the errors of `first` (the request schema's), then those of `more` (the
    domain's) about fields `first` says nothing about; no field is reported twice with the same code.

    A field with a schema error (or inside or around one) was not read by the domain rule as sent, so the rule's
    verdict on it (often "required", for a value the schema already refused) would only repeat or contradict it.
    Errors about the whole body (`body`) never hide the domain's field errors.
    """
    out: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    refused = [e.field for e in first if e.field not in ("", "body")]
    for e in first:
        if (e.field, e.code) not in seen:
            seen.add((e.field, e.code))
            out.append(e)
    for e in more:
        if (e.field, e.code) in seen or any(_covers(f, e.field) or _covers(e.field, f) for f in refused):
            continue
        seen.add((e.field, e.code))
        out.append(e)
    return out
