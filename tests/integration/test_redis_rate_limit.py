"""The Redis-backed sign-in/recovery limiter against the real local Redis (issue 18): one bucket per client shared
by every instance, atomic under concurrency, Retry-After from the refill rate, fail closed when Redis is gone."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio

from app.adapters.ratelimit import RateLimiter, RedisRateLimiter, make_rate_limiter
from app.domain.errors import ServiceUnavailable, TooManyRequests
from tests.conftest import UNREACHABLE_REDIS_URL


def limiter(
    url: str, prefix: str, *, per_minute: int = 6, burst: int = 3, timeout_seconds: float = 1.0
) -> RedisRateLimiter:
    return RedisRateLimiter(
        url=url, per_minute=per_minute, burst=burst, key_prefix=prefix, timeout_seconds=timeout_seconds
    )


async def test_two_instances_share_one_bucket_per_client(redis_url, redis_prefix) -> None:
    a, b = limiter(redis_url, redis_prefix), limiter(redis_url, redis_prefix)
    try:
        await a.take("10.0.0.1")
        await b.take("10.0.0.1")
        await a.take("10.0.0.1")  # the burst of 3, spread over two instances
        for instance in (a, b):
            with pytest.raises(TooManyRequests) as refused:
                await instance.take("10.0.0.1")
            assert refused.value.code == "rate_limited"
            # 6 a minute: a token every 10 s
            assert 5 <= refused.value.retry_after <= 10  # less what refilled meanwhile (a slow machine)
        await b.take("10.0.0.2")  # another client has its own bucket
        raw = redis.asyncio.Redis.from_url(redis_url)
        try:
            ttl = await raw.pttl(a.key("10.0.0.1"))
            tokens = float(await raw.hget(a.key("10.0.0.1"), "tokens"))  # type: ignore[arg-type]
        finally:
            await raw.aclose()
        assert 0 < ttl <= 31_000  # the bucket expires once it would be full again (3 tokens * 10 s + 1 s)
        assert tokens < 1
    finally:
        await a.aclose()
        await b.aclose()


async def test_concurrent_takes_never_overdraw_the_bucket(redis_url, redis_prefix) -> None:
    # 40 first takes open their connections at once: on a loaded CI machine that took more than the 2 s a take
    # may wait before failing closed; this test is about counting, so it gives them time.
    instances = [limiter(redis_url, redis_prefix, per_minute=1, burst=10, timeout_seconds=10.0) for _ in range(4)]
    try:

        async def attempt(n: int) -> bool:
            try:
                await instances[n % 4].take("203.0.113.9")
            except TooManyRequests:
                return False
            return True

        outcomes = await asyncio.gather(*(attempt(n) for n in range(40)))
        assert sum(outcomes) == 10  # exactly the burst, however the 40 takes interleave across instances
    finally:
        for instance in instances:
            await instance.aclose()


async def test_the_bucket_refills_at_the_configured_rate(redis_url, redis_prefix) -> None:
    fast = limiter(redis_url, redis_prefix, per_minute=600, burst=1)  # a token every 100 ms
    try:
        await fast.take("c")
        with pytest.raises(TooManyRequests) as refused:
            await fast.take("c")
        assert refused.value.retry_after == 1  # rounded up to whole seconds, at least 1
        await asyncio.sleep(0.25)
        await fast.take("c")
    finally:
        await fast.aclose()


async def test_an_unreachable_redis_fails_closed_quickly_and_says_why() -> None:
    down = limiter(UNREACHABLE_REDIS_URL, "portal-test:down:")
    try:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable) as refused:
            await down.take("10.0.0.1")
        assert refused.value.code == "rate_limit_unavailable" and "Redis" in refused.value.message
        reason = await down.check()
        assert time.monotonic() - started < 3
        assert reason is not None and "ConnectionError" in reason and "127.0.0.1:1" in reason
    finally:
        await down.aclose()


async def test_a_disabled_limit_never_asks_redis() -> None:
    off = limiter(UNREACHABLE_REDIS_URL, "portal-test:off:", per_minute=0)
    try:
        for _ in range(5):
            await off.take("10.0.0.1")
    finally:
        await off.aclose()


async def test_without_a_url_the_limiter_stays_in_memory(redis_url, redis_prefix) -> None:
    assert isinstance(
        make_rate_limiter(redis_url=None, per_minute=5, burst=2, key_prefix="x", timeout_seconds=1), RateLimiter
    )
    shared = make_rate_limiter(redis_url=redis_url, per_minute=5, burst=2, key_prefix=redis_prefix, timeout_seconds=1)
    try:
        assert isinstance(shared, RedisRateLimiter) and await shared.check() is None
    finally:
        await shared.aclose()
