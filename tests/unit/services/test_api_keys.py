"""Issue 17: the API-key services on the fake unit of work."""

from __future__ import annotations

import pytest

from app.clock import FrozenClock
from app.context import AppContext
from app.domain.api_keys import MAX_ACTIVE_KEYS, Scope, hash_key
from app.domain.errors import AuthenticationFailed, Conflict, Forbidden
from app.repositories.orm import ApiKey, AuditEvent, User
from app.services import api_keys
from app.services.audit import RequestContext
from tests.fakes import FakeStore
from tests.unit.services.book import producer as seed_producer

REQ = RequestContext(ip="203.0.113.9", user_agent="crm/1.0", request_id="r-1")


async def _key(ctx: AppContext, producer, *scopes: str) -> api_keys.CreatedKey:  # type: ignore[no-untyped-def]
    return await api_keys.create_key(
        ctx=ctx, producer=producer, request=REQ, name="CRM", scopes=list(scopes), expires_in_days=None
    )


async def _call(ctx: AppContext, token: str, required=Scope.members_read):  # type: ignore[no-untyped-def]
    return await api_keys.authenticate(
        ctx=ctx, token=token, request=REQ, method="GET", path="/api/v1/members", required=required
    )


async def test_create_stores_the_hash_and_audits(ctx: AppContext, store: FakeStore) -> None:
    producer = seed_producer(store)
    created = await _key(ctx, producer, "members:read")
    row = store.one(ApiKey)
    assert row.secret_hash == hash_key(created.secret) and row.user_id == producer.user_id
    assert store.one(AuditEvent, action="api_key.created").target_id == str(row.id)


async def test_a_producer_has_at_most_so_many_active_keys(ctx: AppContext, store: FakeStore) -> None:
    producer = seed_producer(store)
    for _ in range(MAX_ACTIVE_KEYS):
        await _key(ctx, producer, "members:read")
    with pytest.raises(Conflict) as err:
        await _key(ctx, producer, "members:read")
    assert err.value.code == "api_key.limit"
    assert len(store.rows(ApiKey)) == MAX_ACTIVE_KEYS


async def test_authenticate_gives_the_producer_with_the_keys_scopes(
    ctx: AppContext, store: FakeStore, clock: FrozenClock
) -> None:
    producer = seed_producer(store)
    created = await _key(ctx, producer, "members:read")
    principal = await _call(ctx, created.secret)
    assert principal.user_id == producer.user_id and principal.api_key_id == created.key.id
    assert principal.scopes == frozenset({"members:read"}) and principal.is_producer
    call = store.one(AuditEvent, action="api_key.call")
    assert call.api_key_id == created.key.id and call.outcome == "success" and call.ip == "203.0.113.9"
    assert store.one(ApiKey).last_used_at == clock.now()


async def test_a_refused_call_is_audited_as_a_failure(ctx: AppContext, store: FakeStore) -> None:
    producer = seed_producer(store)
    created = await _key(ctx, producer, "members:read")
    with pytest.raises(Forbidden):
        await _call(ctx, created.secret, required=Scope.payments_write)
    call = store.one(AuditEvent, action="api_key.call")
    assert call.outcome == "failure" and call.details == {
        "method": "GET",
        "route": "/api/v1/members",
        "code": "insufficient_scope",
    }


async def test_revoked_and_expired_keys_and_inactive_owners_are_refused(
    ctx: AppContext, store: FakeStore, clock: FrozenClock
) -> None:
    producer = seed_producer(store)
    created = await _key(ctx, producer, "members:read")
    await api_keys.revoke_key(ctx=ctx, producer=producer, request=REQ, key_id=created.key.id)
    assert await api_keys.list_keys(ctx=ctx, producer=producer, page=1, page_size=25) == ([], 0)
    with pytest.raises(AuthenticationFailed) as err:
        await _call(ctx, created.secret)
    assert err.value.code == "api_key_revoked"

    other = await _key(ctx, producer, "members:read")
    clock.advance(days=90)
    with pytest.raises(AuthenticationFailed) as err:
        await _call(ctx, other.secret)
    assert err.value.code == "api_key_expired"

    clock.advance(days=-90)
    user = store.one(User, id=producer.user_id)
    user.status = "inactive"
    store.seed(user)
    with pytest.raises(AuthenticationFailed) as err:
        await _call(ctx, other.secret)
    assert err.value.code == "api_key_owner_inactive"
    assert store.rows(AuditEvent, action="api_key.call") == []  # a key that does not work calls nothing
