"""Sign-in and recovery limits shared through Redis (issue 18): global across app instances, 429 with Retry-After as
in memory; Redis unreachable fails closed with a 503 problem, and /readyz names the Redis check and why."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager

from app.adapters.ratelimit import RedisRateLimiter
from tests.conftest import UNREACHABLE_REDIS_URL, make_app
from tests.helpers import assert_problem

TOKEN = "/api/v1/auth/token"
FORGOT = "/api/v1/auth/forgot-username"


@asynccontextmanager
async def instances(settings, clock, count: int, **update) -> AsyncIterator[list[httpx.AsyncClient]]:  # type: ignore[no-untyped-def]
    """`count` app instances with the same settings, each with its own lifespan (own limiter object)."""
    async with AsyncExitStack() as stack:
        clients = []
        for _ in range(count):
            app = make_app(settings.model_copy(update=update), clock)
            await stack.enter_async_context(LifespanManager(app))
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            clients.append(await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://t")))
        yield clients


async def test_the_limit_is_shared_by_instances_through_redis(settings, clock, redis_url, redis_prefix) -> None:
    async with instances(
        settings,
        clock,
        2,
        redis_url=redis_url,
        redis_key_prefix=redis_prefix,
        auth_rate_limit_per_minute=2,
        auth_rate_limit_burst=4,
    ) as (a, b):
        assert isinstance(a._transport.app.state.ctx.auth_rate_limiter, RedisRateLimiter)  # type: ignore[attr-defined]
        codes = []
        for n in range(4):  # the burst, alternating instances; a different name each time (no lockout)
            codes.append((await (a, b)[n % 2].post(TOKEN, data={"username": f"x{n}", "password": "bad"})).status_code)
        assert codes == [401, 401, 401, 401]
        for client in (a, b):  # the fifth attempt is refused on either instance, recovery included
            r = await client.post(TOKEN, data={"username": "x9", "password": "bad"})
            body = assert_problem(r, 429, "rate_limited")
            assert body["error"] == "temporarily_unavailable" and "Too many" in body["detail"]
            assert (
                15 <= int(r.headers["retry-after"]) <= 30
            )  # 2 a minute: a token every 30 s (less what refilled since)
        r = await b.post(FORGOT, json={"email": "someone@agency.example"})
        assert_problem(r, 429, "rate_limited")
        ready = await a.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {
            "status": "ready",
            "database": "ok",
            "storage": "ok",
            "redis": "ok",
        }


async def test_redis_unreachable_fails_closed_with_503_and_readyz_says_why(settings, clock) -> None:
    async with instances(settings, clock, 1, redis_url=UNREACHABLE_REDIS_URL, redis_timeout_seconds=0.5) as (c,):
        r = await c.post(TOKEN, data={"username": "demoagent", "password": "Demo1234"})
        body = assert_problem(r, 503, "rate_limit_unavailable")
        assert "Redis" in body["detail"] and "Try again" in body["detail"]
        assert body["error"] == "temporarily_unavailable" and int(r.headers["retry-after"]) > 0
        r = await c.post(FORGOT, json={"email": "someone@agency.example"})
        assert_problem(r, 503, "rate_limit_unavailable")
        r = await c.post("/api/v1/auth/password-resets", json={"username": "demoagent", "email": "a@b.example"})
        assert_problem(r, 503, "rate_limit_unavailable")

        ready = await c.get("/readyz")
        body = assert_problem(ready, 503, "service_unavailable")
        assert body["checks"]["database"] == "ok" and body["checks"]["storage"] == "ok"
        assert "ConnectionError" in body["checks"]["redis"] and "127.0.0.1:1" in body["checks"]["redis"]
        assert body["detail"].startswith("Redis (shared rate limits") and "127.0.0.1:1" in body["detail"]
        assert (await c.get("/healthz")).json() == {"status": "ok", "database": None, "storage": None, "redis": None}


async def test_without_redis_readyz_reports_no_redis_check(client) -> None:
    ready = await client.get("/readyz")
    assert ready.json() == {"status": "ready", "database": "ok", "storage": "ok", "redis": None}
