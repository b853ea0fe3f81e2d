"""Rate limiter, token service, outbox keys, settings: small pure parts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.adapters.ratelimit import RateLimiter
from app.config import DEMO_SECRET_KEY, Settings
from app.domain.errors import AuthenticationFailed, TooManyRequests
from app.repositories.outbox import outbox_key
from app.security import TokenService

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_rate_limiter_allows_a_burst_then_refuses_then_refills() -> None:
    limiter = RateLimiter(per_minute=60, burst=3)
    for _ in range(3):
        limiter.hit("1.2.3.4", now=100.0)
    with pytest.raises(TooManyRequests) as e:
        limiter.hit("1.2.3.4", now=100.0)
    assert e.value.retry_after >= 1
    limiter.hit("5.6.7.8", now=100.0)  # another client is unaffected
    limiter.hit("1.2.3.4", now=101.1)  # one token back after a second


def test_access_token_round_trip_and_expiry_on_the_injected_clock() -> None:
    svc = TokenService("k" * 40, access_minutes=15)
    tok = svc.issue_access(user_id=7, session_id="s-1", role="producer", now=NOW)
    claims = svc.decode_access(tok, now=NOW + timedelta(minutes=14))
    assert (claims.user_id, claims.session_id, claims.role) == (7, "s-1", "producer")
    with pytest.raises(AuthenticationFailed) as e:
        svc.decode_access(tok, now=NOW + timedelta(minutes=15))
    assert e.value.code == "token_expired"


def test_tokens_signed_with_another_key_or_algorithm_are_refused() -> None:
    import jwt

    other = TokenService("x" * 40, access_minutes=15).issue_access(user_id=1, session_id="s", role="admin", now=NOW)
    with pytest.raises(AuthenticationFailed):
        TokenService("k" * 40, access_minutes=15).decode_access(other, now=NOW)
    other_algorithm = jwt.encode(
        {"sub": "1", "sid": "s", "role": "admin", "jti": "j", "iat": 1, "exp": 2**40, "iss": "producer-portal"},
        "k" * 64,
        algorithm="HS512",
    )
    with pytest.raises(AuthenticationFailed):
        TokenService("k" * 64, access_minutes=15).decode_access(other_algorithm, now=NOW)
    unsigned = jwt.encode(
        {"sub": "1", "sid": "s", "role": "admin", "jti": "j", "iat": 1, "exp": 2**40, "iss": "producer-portal"},
        None,
        algorithm="none",
    )
    with pytest.raises(AuthenticationFailed):
        TokenService("k" * 64, access_minutes=15).decode_access(unsigned, now=NOW)


def test_secret_hashes_are_keyed_and_compared_in_constant_time() -> None:
    svc = TokenService("k" * 40, access_minutes=15)
    h = svc.hash_secret("abc")
    assert h != "abc" and len(h) == 64
    assert svc.matches("abc", h) and not svc.matches("abd", h)
    assert TokenService("z" * 40, access_minutes=15).hash_secret("abc") != h


def test_r_note_1_outbox_keys_match_email_any_case_and_phone_by_digits() -> None:
    assert outbox_key("email", "Jessica@Example.COM ") == "jessica@example.com"
    assert outbox_key("sms", "+1 (312) 555-0100") == "3125550100"


def test_production_mode_refuses_default_secrets() -> None:
    with pytest.raises(ValueError, match="PORTAL_SECRET_KEY"):
        Settings(mode="production", smtp_host="mail")  # type: ignore[call-arg]
    ok = Settings(
        mode="production",
        secret_key="s" * 40,
        field_encryption_key="f" * 40,  # type: ignore[call-arg]
        smtp_host="mail",
    )
    assert ok.secret_key != DEMO_SECRET_KEY


def test_port_and_database_url_are_read_under_their_plain_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u@h/db")
    monkeypatch.setenv("PORTAL_ACCESS_TOKEN_MINUTES", "5")
    s = Settings()
    assert (s.port, s.database_url, s.access_token_minutes) == (9123, "postgresql+asyncpg://u@h/db", 5)


def test_r_auth_10_password_rules_are_settings() -> None:
    from app.context import AppContext

    strict = Settings(
        producer_password_min=12,
        producer_password_max=64,  # type: ignore[call-arg]
        producer_password_letters_and_digits_only=False,
    )
    policy = AppContext.producer_password_policy.fget(type("C", (), {"settings": strict})())  # type: ignore[attr-defined]
    assert policy.problems("Abc123") != []
    assert policy.problems("correct horse 42") == []


async def test_s6_hashing_pool_overflow_is_refused_fast_with_429() -> None:
    import asyncio

    from app.adapters.hashing import PasswordHasher

    hasher = PasswordHasher(memory_kib=19456, time_cost=2, parallelism=1, workers=1, queue_limit=0)
    try:
        results = await asyncio.gather(hasher.hash("Abc123"), hasher.hash("Abc124"), return_exceptions=True)
        assert isinstance(results[0], str) and results[0].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert isinstance(results[1], TooManyRequests) and results[1].code == "hashing_busy"
        assert await hasher.verify("Abc123", results[0]) is True
        assert await hasher.verify("Abc123", None) is False  # unknown user: dummy work, no error
    finally:
        hasher.shutdown()


async def test_class_dependencies_run_as_coroutines_with_the_class_signature() -> None:
    import inspect

    from fastapi import Response
    from starlette.requests import Request

    from app.deps import without_threadpool
    from app.routers.paging import Paging

    build = without_threadpool(Paging)
    assert inspect.iscoroutinefunction(build)  # FastAPI awaits it on the loop instead of a worker thread
    params = inspect.signature(build).parameters
    assert list(params) == ["request", "response", "page", "page_size"] and params["page_size"].default == 25
    request = Request({"type": "http", "method": "GET", "path": "/x", "query_string": b"", "headers": []})
    paging = await build(request=request, response=Response(), page=3, page_size=50)
    assert isinstance(paging, Paging) and (paging.page, paging.page_size) == (3, 50)


async def test_s6_a_full_hash_pool_is_refused_before_any_work_and_hash_threads_run_below_the_loop() -> None:
    import asyncio
    import os
    import threading

    from app.adapters.hashing import PasswordHasher

    hasher = PasswordHasher(memory_kib=1024, time_cost=1, parallelism=1, workers=1, queue_limit=0, thread_nice=7)
    try:
        hasher.check_capacity()  # free: no error
        first = asyncio.ensure_future(hasher.hash("Abc123"))
        await asyncio.sleep(0)
        with pytest.raises(TooManyRequests):
            hasher.check_capacity()
        await first
        nice = await asyncio.get_running_loop().run_in_executor(
            hasher._pool, lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        )
        assert nice == os.getpriority(os.PRIO_PROCESS, 0) + 7 or nice == 19
    finally:
        hasher.shutdown()


async def test_issue_19_hash_threads_run_only_on_idle_cpu_time() -> None:
    """SCHED_IDLE hash threads (PORTAL_HASH_THREAD_IDLE): a wave of sign-ins takes only CPU time the event loops
    leave; the loop's own thread keeps its policy."""
    import asyncio
    import os

    from app.adapters.hashing import PasswordHasher

    hasher = PasswordHasher(memory_kib=1024, time_cost=1, parallelism=1, workers=1, queue_limit=0, thread_idle=True)
    try:
        assert (await hasher.hash("Abc123")).startswith("$argon2id$")
        policy = await asyncio.get_running_loop().run_in_executor(hasher._pool, lambda: os.sched_getscheduler(0))
        assert policy == os.SCHED_IDLE
        assert os.sched_getscheduler(0) != os.SCHED_IDLE
    finally:
        hasher.shutdown()


class _ShiftedDatetime(datetime):
    """`datetime` whose now() is the wall clock moved by `shift` (what faketime does to a process)."""

    shift = timedelta(0)

    @classmethod
    def now(cls, tz=None):  # type: ignore[no-untyped-def,override]
        return datetime.now(tz) + cls.shift


@pytest.mark.parametrize("shift", [timedelta(days=365), timedelta(days=-365)])
def test_trust_0_token_checks_obey_the_injected_clock_not_the_wall_clock(monkeypatch, shift) -> None:
    """Issue 12 time bomb: with the wall clock a year away from the test clock, tokens still verify and expire
    on the injected clock (python-jose checked `exp` against the wall clock and broke the suite on 2026-11-23)."""
    import jwt.api_jwt

    monkeypatch.setattr(_ShiftedDatetime, "shift", shift)
    monkeypatch.setattr(jwt.api_jwt, "datetime", _ShiftedDatetime)
    svc = TokenService("k" * 40, access_minutes=15)
    tok = svc.issue_access(user_id=7, session_id="s-1", role="producer", now=NOW)
    assert svc.decode_access(tok, now=NOW + timedelta(minutes=1)).user_id == 7
    with pytest.raises(AuthenticationFailed) as e:
        svc.decode_access(tok, now=NOW + timedelta(minutes=15, seconds=1))
    assert e.value.code == "token_expired"


def test_r_del_2_delegate_verify_url_setting_needs_an_http_address_with_a_token_placeholder() -> None:
    """Issue 15: PORTAL_DELEGATE_VERIFY_URL is the SPA's route; empty keeps <public base url>/delegate/verify-email."""
    from app.config import Settings as _Settings

    default = _Settings(public_base_url="https://p.example.com/")  # type: ignore[call-arg]
    assert default.delegate_verify_link("a-b_c") == "https://p.example.com/delegate/verify-email?token=a-b_c"
    spa = _Settings(delegate_verify_url="https://spa.example.com/verify?token={token}")  # type: ignore[call-arg]
    assert spa.delegate_verify_link("t0k") == "https://spa.example.com/verify?token=t0k"
    for bad in ("https://spa.example.com/verify", "ftp://x.example/{token}", "/verify?token={token}"):
        with pytest.raises(ValueError, match="PORTAL_DELEGATE_VERIFY_URL"):
            _Settings(delegate_verify_url=bad)  # type: ignore[call-arg]
