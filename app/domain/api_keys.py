"""API keys (issue 17): a producer's scoped, expiring credentials for the platforms that integrate on its behalf.

Pure code: no I/O, no clock (time is passed in). A key is `ppk_<lookup>_<secret>`: the lookup part (12 hex
characters) is not secret and is stored as is for an indexed lookup; the whole key is stored only as its SHA-256
(the secret part carries 256 random bits, so a fast unsalted hash is appropriate) and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from app.domain.errors import AuthenticationFailed, ErrorCollector, Forbidden

KEY_PREFIX = "ppk_"
LOOKUP_LENGTH = 12  # hex characters after `ppk_`: 48 random bits, unique per key (a unique index)
DEFAULT_EXPIRY_DAYS = 90
NAME_MAX_LENGTH = 100
MAX_ACTIVE_KEYS = 50  # per producer: a runaway integration cannot mint keys without end
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last-used time written at most once a minute per key

INVALID_KEY = "This API key is not valid. Check that it was copied whole, or create a new key."
EXPIRED_KEY = "This API key has expired. Create a new key and use that instead."
REVOKED_KEY = "This API key was revoked. Create a new key and use that instead."


class Scope(StrEnum):
    """What a key may do: coarse, one per area of the API (README "API keys" lists the routes of each)."""

    members_read = "members:read"
    prospects_read = "prospects:read"
    prospects_write = "prospects:write"
    servicing_read = "servicing:read"
    servicing_write = "servicing:write"
    reports_read = "reports:read"
    reports_write = "reports:write"
    enrollments_read = "enrollments:read"
    enrollments_write = "enrollments:write"
    payments_read = "payments:read"
    payments_write = "payments:write"
    webhooks_read = "webhooks:read"
    webhooks_write = "webhooks:write"


SCOPE_DESCRIPTIONS: dict[Scope, str] = {
    Scope.members_read: "Search members and read a client's policies and PCP history",
    Scope.prospects_read: "List, read, export and print prospects",
    Scope.prospects_write: "Create, change and delete prospects",
    Scope.servicing_read: "Read documents, e-questions, ID card requests and PCP changes",
    Scope.servicing_write: (
        "Upload documents, ask e-questions, request ID cards, change PCPs and members' contact information"
    ),
    Scope.reports_read: "Run reports and read saved reports",
    Scope.reports_write: "Save and delete saved reports",
    Scope.enrollments_read: "Read quotes and applications (and the application PDF)",
    Scope.enrollments_write: "Create quotes, start, fill in, submit and delete applications",
    Scope.payments_read: "Read payments",
    Scope.payments_write: "Take, submit and cancel payments",
    Scope.webhooks_read: "List webhook endpoints and read their delivery logs",
    Scope.webhooks_write: "Register, change, disable and delete webhook endpoints; redeliver events",
}


class KeyAccess(StrEnum):
    """What a route allows a key when it needs no particular scope."""

    any_key = "any_key"  # reference data and "who am I": any live key
    forbidden = "forbidden"  # admin, delegates, API keys, profile and password, sign-out: people only
    public = "public"  # needs no sign-in at all (sign-in, registration, health, docs)


RouteAccess = Scope | KeyAccess


class KeyStatus(StrEnum):
    active = "active"
    expired = "expired"
    revoked = "revoked"


@dataclass(frozen=True)
class NewKey:
    """A key as created: `secret` is shown once, only `lookup` and `secret_hash` are stored."""

    secret: str
    lookup: str
    secret_hash: str


def generate_key() -> NewKey:
    """A new key from the `secrets` module: `ppk_` + 12 hex characters (lookup) + `_` + 43 URL-safe characters."""
    lookup = secrets.token_hex(LOOKUP_LENGTH // 2)
    secret = f"{KEY_PREFIX}{lookup}_{secrets.token_urlsafe(32)}"
    return NewKey(secret=secret, lookup=lookup, secret_hash=hash_key(secret))


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def is_api_key(token: str) -> bool:
    """A bearer credential that is meant as an API key (access tokens are JWTs and never start with `ppk_`)."""
    return token.startswith(KEY_PREFIX)


def lookup_of(token: str) -> str:
    """The lookup part of a presented key; AuthenticationFailed when it cannot be a key at all."""
    lookup = token[len(KEY_PREFIX) : len(KEY_PREFIX) + LOOKUP_LENGTH]
    separator = token[len(KEY_PREFIX) + LOOKUP_LENGTH : len(KEY_PREFIX) + LOOKUP_LENGTH + 1]
    if len(lookup) != LOOKUP_LENGTH or separator != "_" or any(c not in "0123456789abcdef" for c in lookup):
        raise AuthenticationFailed(INVALID_KEY, code="invalid_token")
    return lookup


def key_matches(token: str, stored_hash: str) -> bool:
    """Constant-time comparison of the presented key's hash with the stored one."""
    return hmac.compare_digest(hash_key(token), stored_hash)


def status_of(*, expires_at: datetime, revoked_at: datetime | None, now: datetime) -> KeyStatus:
    if revoked_at is not None:
        return KeyStatus.revoked
    if expires_at <= now:
        return KeyStatus.expired
    return KeyStatus.active


def check_usable(*, expires_at: datetime, revoked_at: datetime | None, now: datetime) -> None:
    """A revoked key stops at once, an expired one at its expiry (401 either way)."""
    status = status_of(expires_at=expires_at, revoked_at=revoked_at, now=now)
    if status is KeyStatus.revoked:
        raise AuthenticationFailed(REVOKED_KEY, code="api_key_revoked")
    if status is KeyStatus.expired:
        raise AuthenticationFailed(EXPIRED_KEY, code="api_key_expired")


def last_used_due(last_used_at: datetime | None, now: datetime) -> bool:
    """Write the last-used time only when the stored one is a minute old or more (reads stay cheap)."""
    return last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION


@dataclass(frozen=True)
class KeyRequest:
    """A producer's request for a key, validated by `validate_key_request`."""

    name: str
    scopes: tuple[Scope, ...]
    expires_at: datetime


def validate_key_request(
    *, name: str, scopes: list[str], expires_in_days: int | None, max_days: int, now: datetime
) -> KeyRequest:
    """Name 1-100 characters, at least one known scope (duplicates dropped), expiry 1 to `max_days` days."""
    errors = ErrorCollector()
    clean_name = name.strip()
    if not clean_name or len(clean_name) > NAME_MAX_LENGTH:
        errors.add(
            "name", "api_key.name", f"Give the key a name of 1 to {NAME_MAX_LENGTH} characters (e.g. the platform's)."
        )
    known = {s.value for s in Scope}
    unknown = [s for s in scopes if s not in known]
    if unknown:
        errors.add(
            "scopes",
            "api_key.unknown_scope",
            f"Unknown scope(s) {', '.join(repr(s) for s in unknown)}; choose from {', '.join(sorted(known))}.",
        )
    elif not scopes:
        errors.add("scopes", "api_key.no_scope", f"Choose at least one scope from {', '.join(sorted(known))}.")
    days = min(DEFAULT_EXPIRY_DAYS, max_days) if expires_in_days is None else expires_in_days
    if not 1 <= days <= max_days:
        errors.add(
            "expires_in_days",
            "api_key.expiry",
            f"A key expires after 1 to {max_days} days; create a new key when it runs out.",
        )
    errors.raise_if_any()
    ordered = tuple(dict.fromkeys(Scope(s) for s in scopes))
    return KeyRequest(name=clean_name, scopes=ordered, expires_at=now + timedelta(days=days))


def check_route_access(*, granted: frozenset[str], required: RouteAccess | None, method: str, path: str) -> None:
    """May a key with `granted` scopes call this route? `required` None: the route is in no table (fail closed)."""
    if isinstance(required, Scope):
        if required.value not in granted:
            raise Forbidden(
                f"This API key lacks the scope '{required.value}' that this request needs. Create a key with that "
                "scope, or call with a key that has it.",
                code="insufficient_scope",
                extra={"required_scope": required.value},
            )
        return
    if required is KeyAccess.any_key:
        return
    raise Forbidden(
        "This request cannot be made with an API key: administration, delegates, API keys, the profile and passwords "
        "need the producer to sign in.",
        code="api_key_not_permitted",
    )
