"""Per-client token-bucket rate limit for sign-in and recovery endpoints.

Two adapters behind one port (`AuthRateLimiter`):
- `RateLimiter`: in memory, per process (the default; needs nothing but Python). With several workers or machines
  each has its own buckets, so the effective limit multiplies.
- `RedisRateLimiter`: one bucket per client shared by every process and machine that names the same Redis
  (`PORTAL_REDIS_URL`, issue 18). The refill-and-take is one Lua script, so it is atomic, and it reads Redis' own
  clock, so machines with skewed clocks still share one refill rate. When Redis cannot be reached the limiter fails
  closed: the limited endpoints answer 503 instead of running unlimited.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Protocol

from app.domain.errors import ServiceUnavailable, TooManyRequests

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("portal.ratelimit")

RATE_LIMITED_MESSAGE = "Too many sign-in or recovery attempts from this client. Wait a moment and try again."


def _too_many(retry_after: int) -> TooManyRequests:
    return TooManyRequests(RATE_LIMITED_MESSAGE, code="rate_limited", retry_after=max(1, retry_after))


class AuthRateLimiter(Protocol):
    """What the sign-in/recovery routes need of a limiter (app/deps.py `RateLimited`)."""

    enabled: bool

    async def take(self, key: str) -> None:
        """Take one token for `key`; TooManyRequests (429) when empty, ServiceUnavailable (503) when unknowable."""
        ...

    async def check(self) -> str | None:
        """Readiness: None when the limiter can decide, otherwise why it cannot (for /readyz)."""
        ...

    async def aclose(self) -> None: ...


class RateLimiter:
    """In-memory token buckets of one process (the embedded default)."""

    def __init__(self, *, per_minute: int, burst: int, max_clients: int = 100_000) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(max(burst, 1))
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max_clients = max_clients
        self.enabled = per_minute > 0

    def hit(self, key: str, now: float | None = None) -> None:
        """Take one token for `key`; raise 429 with Retry-After when the bucket is empty."""
        if not self.enabled:
            return
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            raise _too_many(int((1.0 - tokens) / self._rate) + 1)
        self._buckets[key] = (tokens - 1.0, now)
        while len(self._buckets) > self._max_clients:
            self._buckets.popitem(last=False)

    async def take(self, key: str) -> None:
        self.hit(key)

    async def check(self) -> str | None:
        return None

    async def aclose(self) -> None:
        return None

    def reset(self) -> None:
        self._buckets.clear()


# KEYS[1]: the client's bucket (a hash of tokens and the time of the last take, in ms of Redis' clock).
# ARGV[1]: refill rate in tokens per millisecond, ARGV[2]: burst (the bucket's size).
# Returns {1, 0} when a token was taken, {0, ms until one is back} when the bucket is empty. The bucket expires once
# it would be full again, so idle clients cost no memory.
TOKEN_BUCKET_LUA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local last = tonumber(state[2])
if tokens == nil or last == nil then
  tokens = burst
  last = now
end
tokens = math.min(burst, tokens + math.max(0, now - last) * rate)
local allowed = 0
local wait_ms = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait_ms = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
return {allowed, wait_ms}
"""

UNAVAILABLE_MESSAGE = (
    "Sign-in and account recovery are paused for a moment: the rate-limit store (Redis) does not answer. "
    "Try again in a few seconds; if it persists, tell the carrier's support desk."
)


class RedisRateLimiter:
    """Token buckets in Redis, shared by every instance that uses the same URL and key prefix."""

    def __init__(
        self, *, url: str, per_minute: int, burst: int, key_prefix: str = "portal:", timeout_seconds: float = 1.0
    ) -> None:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self.enabled = per_minute > 0
        self._rate_per_ms = per_minute / 60_000.0
        self._burst = max(burst, 1)
        self._prefix = f"{key_prefix}ratelimit:auth:"
        self._timeout = timeout_seconds
        # One immediate retry (a pooled connection that Redis closed in a restart), never redis-py's default
        # backoff of seconds: an unreachable Redis must answer 503 quickly.
        self._redis: Redis = Redis.from_url(
            url,
            socket_connect_timeout=timeout_seconds,
            socket_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), 1),
            health_check_interval=30,
        )
        self._script = self._redis.register_script(TOKEN_BUCKET_LUA)

    def key(self, client: str) -> str:
        return self._prefix + client

    async def take(self, key: str) -> None:
        if not self.enabled:
            return
        try:
            allowed, wait_ms = await asyncio.wait_for(
                self._script(keys=[self.key(key)], args=[repr(self._rate_per_ms), self._burst]),
                timeout=self._timeout * 2,
            )
        except Exception as exc:  # any Redis, socket or timeout error: fail closed (issue 18)
            log.warning("rate-limit store unavailable", extra={"error": type(exc).__name__})
            raise ServiceUnavailable(UNAVAILABLE_MESSAGE, code="rate_limit_unavailable") from exc
        if not int(allowed):
            raise _too_many(math.ceil(int(wait_ms) / 1000))

    async def check(self) -> str | None:
        try:
            await asyncio.wait_for(self._redis.ping(), timeout=self._timeout * 2)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"[:300] if str(exc) else type(exc).__name__
        return None

    async def aclose(self) -> None:
        await self._redis.aclose()


def make_rate_limiter(
    *, redis_url: str | None, per_minute: int, burst: int, key_prefix: str, timeout_seconds: float
) -> AuthRateLimiter:
    """Redis-backed when a URL is set, in memory otherwise."""
    if redis_url:
        return RedisRateLimiter(
            url=redis_url,
            per_minute=per_minute,
            burst=burst,
            key_prefix=key_prefix,
            timeout_seconds=timeout_seconds,
        )
    return RateLimiter(per_minute=per_minute, burst=burst)
