"""`run_idempotent` on the fake unit of work: the api.md convention "Idempotency-Key on POSTs that create or
submit" — a retried request gets the first answer and never runs twice.

The handler stands for the route's work; the frozen clock moves time. Assertions are on how often the handler ran,
what the caller got back, and the `idempotency_keys` rows left in the store.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from app.clock import FrozenClock
from app.context import AppContext
from app.domain.accounts import Principal
from app.domain.errors import Conflict, ValidationFailed
from app.repositories.orm import IdempotencyKey
from app.services.idempotency import IN_PROGRESS, KEY_HOURS, request_fingerprint, run_idempotent
from tests.fakes import START, FakeStore, fake_context
from tests.unit.services.book import producer

PATH = "/enrollments/applications/7/submit"
BODY = {"plan_id": "P-100", "members": 2}
FINGERPRINT = request_fingerprint(BODY)


class Handler:
    """The route's work: counts its calls; answers 201 with the call number, or raises `error`."""

    def __init__(self, *, status: int = 201, error: BaseException | None = None) -> None:
        self.status, self.error, self.calls = status, error, 0

    async def __call__(self) -> tuple[int, dict[str, Any]]:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.status, {"id": 100 + self.calls, "status": "submitted"}


@pytest.fixture
def principal(store: FakeStore) -> Principal:
    return producer(store)


async def run(
    ctx: AppContext,
    principal: Principal,
    handler: Handler,
    key: str | None = "key-1",
    *,
    method: str = "POST",
    path: str = PATH,
    fingerprint: str = FINGERPRINT,
) -> tuple[int, dict[str, Any]]:
    return await run_idempotent(
        ctx=ctx, principal=principal, key=key, method=method, path=path, fingerprint=fingerprint, handler=handler
    )


def seed_claim(store: FakeStore, principal: Principal, *, claimed_at: Any, key: str = "key-1") -> IdempotencyKey:
    """A claim left by a request still running (or one that died with its process)."""
    return store.seed(
        IdempotencyKey(
            user_id=principal.user_id,
            key=key,
            method="POST",
            path=PATH,
            request_hash=FINGERPRINT,
            status_code=IN_PROGRESS,
            response_body=None,
            created_at=claimed_at,
            expires_at=claimed_at + timedelta(hours=KEY_HOURS),
        )
    )


@pytest.mark.parametrize("key", [None, ""])
async def test_without_a_key_the_handler_runs_every_time_and_nothing_is_stored(
    ctx: AppContext, store: FakeStore, principal: Principal, key: str | None
) -> None:
    handler = Handler()
    assert await run(ctx, principal, handler, key) == (201, {"id": 101, "status": "submitted"})
    assert await run(ctx, principal, handler, key) == (201, {"id": 102, "status": "submitted"})
    assert handler.calls == 2 and store.rows(IdempotencyKey) == [] and store.commits == 0


async def test_the_first_request_runs_once_and_its_answer_is_stored(
    ctx: AppContext, store: FakeStore, principal: Principal
) -> None:
    handler = Handler()
    assert await run(ctx, principal, handler) == (201, {"id": 101, "status": "submitted"})
    assert handler.calls == 1
    row = store.one(IdempotencyKey)
    assert (row.user_id, row.key, row.method, row.path, row.request_hash) == (
        principal.user_id,
        "key-1",
        "POST",
        PATH,
        FINGERPRINT,
    )
    assert (row.status_code, row.response_body) == (201, {"id": 101, "status": "submitted"})
    assert (row.created_at, row.expires_at) == (START, START + timedelta(hours=KEY_HOURS))
    assert store.commits == 2  # the claim, then the answer


async def test_a_retry_with_the_same_key_and_request_replays_the_answer_without_running_again(
    ctx: AppContext, store: FakeStore, principal: Principal, clock: FrozenClock
) -> None:
    handler = Handler(status=202)
    first = await run(ctx, principal, handler)
    before = store.snapshot()
    clock.advance(hours=KEY_HOURS, seconds=-1)  # the last second the key is remembered
    assert await run(ctx, principal, handler) == first == (202, {"id": 101, "status": "submitted"})
    assert await run(ctx, principal, handler) == first
    assert handler.calls == 1 and store.snapshot() == before


async def test_the_stored_answer_is_the_json_the_client_saw(
    ctx: AppContext, store: FakeStore, principal: Principal
) -> None:
    async def handler() -> tuple[int, dict[str, Any]]:
        return 201, {"amount": Decimal("12.50"), "effective": date(2027, 1, 1), "ids": (1, 2)}

    status, body = await run_idempotent(
        ctx=ctx, principal=principal, key="k", method="POST", path=PATH, fingerprint=FINGERPRINT, handler=handler
    )
    assert (status, body["amount"]) == (201, Decimal("12.50"))  # the first caller gets the handler's own answer
    stored = {"amount": "12.50", "effective": "2027-01-01", "ids": [1, 2]}
    assert store.one(IdempotencyKey).response_body == stored
    replayed = await run_idempotent(
        ctx=ctx, principal=principal, key="k", method="POST", path=PATH, fingerprint=FINGERPRINT, handler=handler
    )
    assert replayed == (201, stored)


@pytest.mark.parametrize(
    "changed",
    [
        {"fingerprint": request_fingerprint({**BODY, "members": 3})},
        {"path": "/enrollments/applications/8/submit"},
        {"method": "PUT"},
    ],
    ids=["body", "path", "method"],
)
async def test_the_same_key_for_a_different_request_is_refused(
    ctx: AppContext, store: FakeStore, principal: Principal, changed: dict[str, str]
) -> None:
    handler = Handler()
    await run(ctx, principal, handler)
    before = store.snapshot()
    with pytest.raises(ValidationFailed) as refused:
        await run(ctx, principal, handler, **changed)
    assert (refused.value.code, refused.value.field) == ("idempotency.key_reused", "Idempotency-Key")
    assert handler.calls == 1 and store.snapshot() == before


async def test_the_same_key_for_a_different_request_is_refused_while_the_first_is_running(
    ctx: AppContext, store: FakeStore, principal: Principal
) -> None:
    seed_claim(store, principal, claimed_at=START)
    handler = Handler()
    with pytest.raises(ValidationFailed, match="different request") as refused:
        await run(ctx, principal, handler, fingerprint=request_fingerprint({"other": 1}))
    assert refused.value.code == "idempotency.key_reused" and handler.calls == 0


async def test_keys_are_per_user(ctx: AppContext, store: FakeStore, principal: Principal) -> None:
    other = producer(store, "otheragent")
    handler = Handler()
    await run(ctx, principal, handler)
    assert await run(ctx, other, handler, fingerprint="another request") == (201, {"id": 102, "status": "submitted"})
    assert handler.calls == 2
    assert sorted((r.user_id, r.response_body["id"]) for r in store.rows(IdempotencyKey) if r.response_body) == [
        (principal.user_id, 101),
        (other.user_id, 102),
    ]


async def test_a_retry_while_the_first_request_is_still_running_gets_in_progress(
    ctx: AppContext, store: FakeStore, principal: Principal, clock: FrozenClock
) -> None:
    retry, seen = Handler(), []

    async def first() -> tuple[int, dict[str, Any]]:
        # The client gives up waiting and retries while this request is still at work.
        assert store.one(IdempotencyKey).status_code == IN_PROGRESS
        clock.advance(seconds=ctx.settings.idempotency_claim_seconds - 1)
        with pytest.raises(Conflict) as busy:
            await run(ctx, principal, retry)
        seen.append(busy.value.code)
        return 201, {"id": 1}

    assert await run_idempotent(
        ctx=ctx, principal=principal, key="key-1", method="POST", path=PATH, fingerprint=FINGERPRINT, handler=first
    ) == (201, {"id": 1})
    assert seen == ["idempotency.in_progress"] and retry.calls == 0
    row = store.one(IdempotencyKey)
    assert (row.status_code, row.response_body, row.created_at) == (201, {"id": 1}, START)
    assert await run(ctx, principal, retry) == (201, {"id": 1}) and retry.calls == 0  # now it replays


async def test_a_claim_younger_than_the_claim_seconds_is_in_progress(
    ctx: AppContext, store: FakeStore, principal: Principal
) -> None:
    claim = seed_claim(store, principal, claimed_at=START - timedelta(seconds=59.9))
    handler = Handler()
    with pytest.raises(Conflict) as busy:
        await run(ctx, principal, handler)
    assert busy.value.code == "idempotency.in_progress" and handler.calls == 0
    assert store.one(IdempotencyKey).created_at == claim.created_at


@pytest.mark.parametrize("age", [60.0, 61.0, 3600.0])
async def test_a_lapsed_claim_is_taken_over_and_the_request_runs(
    ctx: AppContext, store: FakeStore, principal: Principal, age: float
) -> None:
    assert ctx.settings.idempotency_claim_seconds == 60.0
    claim = seed_claim(store, principal, claimed_at=START - timedelta(seconds=age))
    handler = Handler()
    assert await run(ctx, principal, handler) == (201, {"id": 101, "status": "submitted"})
    assert handler.calls == 1
    row = store.one(IdempotencyKey)
    assert (row.id, row.created_at, row.status_code) == (claim.id, START, 201)  # the same row, taken over
    assert row.expires_at == claim.expires_at  # a take-over does not extend the key's life


async def test_the_claim_seconds_come_from_the_settings(store: FakeStore, principal: Principal) -> None:
    ctx = fake_context(store, clock=FrozenClock(START), idempotency_claim_seconds=5)[0]
    seed_claim(store, principal, claimed_at=START - timedelta(seconds=4), key="young")
    seed_claim(store, principal, claimed_at=START - timedelta(seconds=5), key="lapsed")
    handler = Handler()
    with pytest.raises(Conflict, match="still being processed"):
        await run(ctx, principal, handler, "young")
    assert await run(ctx, principal, handler, "lapsed") == (201, {"id": 101, "status": "submitted"})
    assert handler.calls == 1


@pytest.mark.parametrize(
    "error", [RuntimeError("gateway down"), ValidationFailed("no", code="x"), asyncio.CancelledError()]
)
async def test_a_handler_that_raises_releases_the_claim_and_a_retry_runs(
    ctx: AppContext, store: FakeStore, principal: Principal, error: BaseException
) -> None:
    failing = Handler(error=error)
    with pytest.raises(type(error)):
        await run(ctx, principal, failing)
    assert failing.calls == 1 and store.rows(IdempotencyKey) == []
    handler = Handler()
    assert await run(ctx, principal, handler) == (201, {"id": 101, "status": "submitted"})
    assert handler.calls == 1 and store.one(IdempotencyKey).status_code == 201


async def test_a_failing_request_does_not_release_a_claim_a_retry_took_over(
    ctx: AppContext, store: FakeStore, principal: Principal, clock: FrozenClock
) -> None:
    """The first request hangs past the claim seconds, a retry takes its claim over, then the first fails:
    its release must leave the retry's claim alone (it was made at another time)."""
    first_started, first_may_fail = asyncio.Event(), asyncio.Event()
    retry_started, retry_may_finish = asyncio.Event(), asyncio.Event()

    async def hanging() -> tuple[int, dict[str, Any]]:
        first_started.set()
        await first_may_fail.wait()
        raise TimeoutError("the first request finally fails")

    async def retry() -> tuple[int, dict[str, Any]]:
        retry_started.set()
        await retry_may_finish.wait()
        return 201, {"id": 2}

    first = asyncio.create_task(
        run_idempotent(
            ctx=ctx,
            principal=principal,
            key="key-1",
            method="POST",
            path=PATH,
            fingerprint=FINGERPRINT,
            handler=hanging,
        )
    )
    await first_started.wait()
    clock.advance(seconds=61)
    second = asyncio.create_task(
        run_idempotent(
            ctx=ctx, principal=principal, key="key-1", method="POST", path=PATH, fingerprint=FINGERPRINT, handler=retry
        )
    )
    await retry_started.wait()
    first_may_fail.set()
    with pytest.raises(TimeoutError):
        await first
    row = store.one(IdempotencyKey)
    assert (row.status_code, row.created_at) == (IN_PROGRESS, START + timedelta(seconds=61))  # still the retry's
    retry_may_finish.set()
    assert await second == (201, {"id": 2})
    assert store.one(IdempotencyKey).response_body == {"id": 2}


async def test_an_expired_key_is_forgotten_and_the_request_runs_again(
    ctx: AppContext, store: FakeStore, principal: Principal, clock: FrozenClock
) -> None:
    handler = Handler()
    await run(ctx, principal, handler)
    old = store.one(IdempotencyKey)
    clock.advance(hours=KEY_HOURS)
    assert await run(ctx, principal, handler) == (201, {"id": 102, "status": "submitted"})
    assert handler.calls == 2
    row = store.one(IdempotencyKey)
    assert row.id != old.id and row.response_body == {"id": 102, "status": "submitted"}
    assert (row.created_at, row.expires_at) == (START + timedelta(hours=KEY_HOURS), START + timedelta(hours=48))


async def test_an_expired_key_may_be_used_for_a_different_request(
    ctx: AppContext, store: FakeStore, principal: Principal, clock: FrozenClock
) -> None:
    seed_claim(store, principal, claimed_at=START - timedelta(hours=KEY_HOURS, seconds=1))  # died, then expired
    handler = Handler()
    assert await run(ctx, principal, handler, method="PUT", fingerprint="new") == (
        201,
        {"id": 101, "status": "submitted"},
    )
    row = store.one(IdempotencyKey)
    assert (row.method, row.request_hash, row.status_code, row.created_at) == ("PUT", "new", 201, START)


@pytest.mark.parametrize("key", ["k" * 101, "line\nbreak", "tab\there", "nul\x00", "bell\x07", "nbsp\u2028"])
async def test_an_invalid_key_is_refused_before_anything_runs(
    ctx: AppContext, store: FakeStore, principal: Principal, key: str
) -> None:
    handler = Handler()
    before = store.snapshot()
    with pytest.raises(ValidationFailed) as refused:
        await run(ctx, principal, handler, key)
    assert (refused.value.code, refused.value.field) == ("idempotency.key_invalid", "Idempotency-Key")
    assert handler.calls == 0 and store.snapshot() == before and store.commits == 0


@pytest.mark.parametrize("key", ["k" * 100, "a key with spaces", "clé-ünïcode", "550e8400-e29b-41d4-a716-446655440000"])
async def test_keys_up_to_100_printable_characters_are_accepted(
    ctx: AppContext, store: FakeStore, principal: Principal, key: str
) -> None:
    handler = Handler()
    await run(ctx, principal, handler, key)
    await run(ctx, principal, handler, key)
    assert handler.calls == 1 and store.one(IdempotencyKey).key == key
