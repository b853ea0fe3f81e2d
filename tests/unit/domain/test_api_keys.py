"""Issue 17: API keys - the key format, its hash, expiry, scopes and the route check (pure rules)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.api_keys import (
    KeyAccess,
    KeyStatus,
    Scope,
    check_route_access,
    check_usable,
    generate_key,
    is_api_key,
    key_matches,
    last_used_due,
    lookup_of,
    status_of,
    validate_key_request,
)
from app.domain.errors import AuthenticationFailed, Forbidden, ValidationFailed

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def test_a_new_key_is_prefixed_random_and_stored_as_its_sha256() -> None:
    a, b = generate_key(), generate_key()
    assert a.secret != b.secret and a.lookup != b.lookup
    assert a.secret.startswith("ppk_") and is_api_key(a.secret) and not is_api_key("eyJhbGciOi.x.y")
    assert lookup_of(a.secret) == a.lookup and len(a.lookup) == 12
    assert a.secret_hash == hashlib.sha256(a.secret.encode()).hexdigest() and a.secret not in a.secret_hash
    assert len(a.secret) - len("ppk_") - 13 >= 43  # 32 random bytes after the lookup part
    assert key_matches(a.secret, a.secret_hash) and not key_matches(b.secret, a.secret_hash)


@pytest.mark.parametrize("token", ["ppk_", "ppk_short", "ppk_ZZZZZZZZZZZZ_secret", "ppk_0123456789ab-secret"])
def test_a_malformed_key_is_invalid_before_any_lookup(token: str) -> None:
    with pytest.raises(AuthenticationFailed) as err:
        lookup_of(token)
    assert err.value.code == "invalid_token"


def test_expiry_defaults_to_90_days_is_capped_by_the_setting_and_scopes_are_deduplicated() -> None:
    req = validate_key_request(
        name=" CRM ",
        scopes=["members:read", "members:read", "payments:write"],
        expires_in_days=None,
        max_days=365,
        now=NOW,
    )
    assert req.name == "CRM" and req.expires_at == NOW + timedelta(days=90)
    assert req.scopes == (Scope.members_read, Scope.payments_write)
    assert validate_key_request(
        name="x", scopes=["reports:read"], expires_in_days=None, max_days=30, now=NOW
    ).expires_at == (NOW + timedelta(days=30))
    with pytest.raises(ValidationFailed) as err:
        validate_key_request(name="x", scopes=["reports:read"], expires_in_days=31, max_days=30, now=NOW)
    assert err.value.code == "api_key.expiry" and "30 days" in err.value.message


def test_every_problem_of_a_key_request_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as err:
        validate_key_request(name="", scopes=["members:delete"], expires_in_days=0, max_days=365, now=NOW)
    assert [e.field for e in err.value.errors] == ["name", "scopes", "expires_in_days"]
    with pytest.raises(ValidationFailed) as err:
        validate_key_request(name="x", scopes=[], expires_in_days=None, max_days=365, now=NOW)
    assert err.value.code == "api_key.no_scope"


def test_a_revoked_key_stops_at_once_and_an_expired_one_at_its_expiry() -> None:
    expires = NOW + timedelta(days=1)
    check_usable(expires_at=expires, revoked_at=None, now=NOW)
    assert status_of(expires_at=expires, revoked_at=None, now=NOW) is KeyStatus.active
    with pytest.raises(AuthenticationFailed) as err:
        check_usable(expires_at=expires, revoked_at=NOW, now=NOW)
    assert err.value.code == "api_key_revoked"
    with pytest.raises(AuthenticationFailed) as err:
        check_usable(expires_at=expires, revoked_at=None, now=expires)
    assert err.value.code == "api_key_expired"


def test_last_used_is_due_once_a_minute() -> None:
    assert last_used_due(None, NOW)
    assert not last_used_due(NOW - timedelta(seconds=59), NOW)
    assert last_used_due(NOW - timedelta(seconds=60), NOW)


def test_a_call_outside_the_keys_scopes_is_insufficient_scope() -> None:
    granted = frozenset({"members:read"})
    check_route_access(granted=granted, required=Scope.members_read, method="GET", path="/api/v1/members")
    check_route_access(granted=granted, required=KeyAccess.any_key, method="GET", path="/api/v1/counties")
    with pytest.raises(Forbidden) as err:
        check_route_access(granted=granted, required=Scope.prospects_write, method="POST", path="/api/v1/prospects")
    assert err.value.code == "insufficient_scope" and err.value.extra == {"required_scope": "prospects:write"}


@pytest.mark.parametrize("required", [KeyAccess.forbidden, KeyAccess.public, None])
def test_forbidden_and_unmapped_routes_are_refused_to_every_key(required: KeyAccess | None) -> None:
    every = frozenset(s.value for s in Scope)
    with pytest.raises(Forbidden) as err:
        check_route_access(granted=every, required=required, method="GET", path="/api/v1/admin/users")
    assert err.value.code == "api_key_not_permitted"
