"""Webhook delivery (issue 17): events written to the webhook outbox in the caller's transaction, delivered by a
dispatcher in every server process, signed per the Standard Webhooks specification.

Infrastructure beside `app/outbox.py`. Services call `ctx.webhooks.emit(uow, ...)` inside their unit of work, so an
event exists exactly when its change committed. The dispatcher claims due deliveries (PostgreSQL: `FOR UPDATE SKIP
LOCKED`, then a lease), sends them outside any transaction with a timeout per attempt, and records each attempt in
the delivery log; failures are retried with exponential backoff with jitter over the retry span (R-HOOK-4), and a
long run of failures disables the endpoint and emails its producer (R-HOOK-5). Targets are checked again at every
attempt (R-HOOK-3): a name that now resolves to a private address is not called.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.adapters.crypto import FieldCipher
from app.clock import Clock
from app.config import Settings
from app.domain.errors import ValidationFailed
from app.domain.messages import webhook_endpoint_disabled
from app.domain.webhooks import (
    EventType,
    Target,
    check_url,
    envelope,
    new_message_id,
    next_attempt_at,
    refuse_target,
    should_disable,
    sign,
)
from app.outbox import OutboxDispatcher
from app.periodic import PeriodicTask
from app.repositories.orm import WebhookAttempt, WebhookDelivery
from app.repositories.uow import SqlUnitOfWork, UnitOfWork
from app.repositories.webhooks import Claimed

log = logging.getLogger("portal.webhooks")

BATCH = 20
USER_AGENT = "ProducerPortal-Webhooks/1.0"
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, off the event loop (getaddrinfo blocks)."""
    try:
        infos = await asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class AttemptResult:
    succeeded: bool
    status_code: int | None
    error: str | None
    duration_ms: int
    attempted_at: datetime


class WebhookDispatcher:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[Any],
        settings: Settings,
        clock: Clock,
        cipher: Callable[[], FieldCipher],
        outbox: OutboxDispatcher,
        resolver: Resolver = resolve,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._clock = clock
        self._cipher = cipher
        self._outbox = outbox
        self._resolver = resolver
        self._rand = rand
        self._client: httpx.AsyncClient | None = None
        self._lock = asyncio.Lock()
        self._loop = PeriodicTask(
            "webhook-dispatcher",
            settings.webhook_dispatch_seconds,
            self.drain,
            log=log,
            failure_message="webhook dispatch pass failed",
        )

    # -- targets (R-HOOK-3) --------------------------------------------------------------------------------------
    async def check_target(self, url: str) -> str:
        """The URL as it will be called, if it is a safe target now (else ValidationFailed, 422)."""
        target = check_url(url, production=not self._settings.is_demo)
        await self._check_addresses(target)
        return target.url

    async def _check_addresses(self, target: Target) -> None:
        refuse_target(
            target.host,
            await self._resolver(target.host, target.port),
            allow_loopback=self._settings.is_demo,
            allow_private=self._settings.webhook_allow_private,
        )

    # -- writing (inside the caller's unit of work) ----------------------------------------------------------------
    async def emit(self, uow: UnitOfWork, *, producer_id: int, event_type: EventType, data: dict[str, object]) -> int:
        """One delivery per enabled endpoint of the producer that wants this event type, in the caller's
        transaction; answers how many. Sent after the commit."""
        endpoints = await uow.webhooks.subscribed(producer_id, event_type.value)
        if not endpoints:
            return 0
        now = self._clock.now()
        body = json.dumps(envelope(event_type, timestamp=now, data=data), separators=(",", ":"), default=str)
        message_id = new_message_id()
        for endpoint in endpoints:
            uow.webhooks.add_delivery(
                WebhookDelivery(
                    endpoint_id=endpoint.id,
                    message_id=message_id,
                    event_type=event_type.value,
                    payload=body,
                    status="pending",
                    attempts=0,
                    created_at=now,
                    retry_from=now,
                    next_attempt_at=now,
                )
            )
        uow.after_commit(self.wake)
        return len(endpoints)

    # -- dispatching -----------------------------------------------------------------------------------------------
    def wake(self) -> None:
        self._loop.wake()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # No redirects (a 3xx is a failed attempt: a redirect could lead to a private address), no proxies
            # from the environment.
            self._client = httpx.AsyncClient(follow_redirects=False, trust_env=False)
        return self._client

    async def drain(self) -> int:
        """Deliver every delivery due now (one attempt each); answers how many succeeded."""
        delivered = 0
        async with self._lock:
            while True:
                now = self._clock.now()
                lease = now + timedelta(seconds=self._settings.webhook_timeout_seconds + 60)
                async with SqlUnitOfWork(self._sessionmaker) as uow:
                    claimed = await uow.webhooks.claim_due(now=now, lease_until=lease, limit=BATCH)
                    await uow.commit()
                if not claimed:
                    return delivered
                results = await asyncio.gather(*(self._attempt(c) for c in claimed))
                async with SqlUnitOfWork(self._sessionmaker) as uow:
                    for c, result in zip(claimed, results, strict=True):
                        delivered += await self._record(uow, c, result)
                    await uow.commit()
                if len(claimed) < BATCH:
                    return delivered

    async def _attempt(self, c: Claimed) -> AttemptResult:
        now = self._clock.now()
        timestamp = int(now.timestamp())
        started = time.perf_counter()

        def done(ok: bool, status: int | None, error: str | None) -> AttemptResult:
            ms = int((time.perf_counter() - started) * 1000)
            return AttemptResult(ok, status, error[:500] if error else None, ms, now)

        try:
            target = check_url(c.url, production=not self._settings.is_demo)
            await self._check_addresses(target)  # R-HOOK-3: again at every attempt
            secret = self._cipher().decrypt(c.secret_encrypted)
            headers = {
                "webhook-id": c.message_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign(secret, message_id=c.message_id, timestamp=timestamp, body=c.payload),
                "content-type": "application/json",
                "user-agent": USER_AGENT,
            }
            response = await self._http().post(
                c.url, content=c.payload.encode(), headers=headers, timeout=self._settings.webhook_timeout_seconds
            )
        except ValidationFailed as exc:
            return done(False, None, f"refused target: {exc.message}")
        except httpx.TimeoutException:
            return done(False, None, f"timed out after {self._settings.webhook_timeout_seconds:g} s")
        except httpx.HTTPError as exc:
            return done(False, None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        except Exception as exc:
            return done(False, None, f"{type(exc).__name__}: {exc}")
        ok = 200 <= response.status_code < 300
        return done(ok, response.status_code, None if ok else f"HTTP {response.status_code}")

    async def _record(self, uow: UnitOfWork, c: Claimed, r: AttemptResult) -> int:
        found = await uow.webhooks.delivery_for_update(c.delivery_id)
        if found is None:
            return 0  # the endpoint was deleted meanwhile
        delivery, endpoint = found
        now = self._clock.now()
        uow.webhooks.add_attempt(
            WebhookAttempt(
                delivery_id=delivery.id,
                attempted_at=r.attempted_at,
                succeeded=r.succeeded,
                status_code=r.status_code,
                error=r.error,
                duration_ms=r.duration_ms,
                manual=c.manual,
            )
        )
        delivery.attempts += 1
        delivery.last_attempt_at, delivery.last_status_code, delivery.last_error = (
            r.attempted_at,
            r.status_code,
            r.error,
        )
        delivery.lease_until = None
        if r.succeeded:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = "succeeded", now, None
            endpoint.consecutive_failures = 0
            return 1
        settings = self._settings
        endpoint.consecutive_failures += 1
        retry_at = next_attempt_at(
            retry_from=delivery.retry_from,
            now=now,
            attempts=delivery.attempts,
            base_seconds=settings.webhook_retry_base_seconds,
            max_interval_seconds=settings.webhook_retry_max_interval_seconds,
            span_seconds=settings.webhook_retry_span_hours * 3600,
            rand=self._rand(),
        )
        delivery.status, delivery.next_attempt_at = ("retrying", retry_at) if retry_at else ("failed", None)
        if endpoint.enabled and should_disable(endpoint.consecutive_failures, settings.webhook_disable_after_failures):
            endpoint.enabled, endpoint.disabled_at = False, now
            endpoint.disabled_reason = (
                f"Disabled after {endpoint.consecutive_failures} failed delivery attempts in a row (last: {r.error})."
            )[:300]
            endpoint.updated_at = now
            email, first_name = await uow.webhooks.owner_email(endpoint)
            if email:
                self._outbox.enqueue_email(
                    uow,
                    to=email,
                    message=webhook_endpoint_disabled(first_name, endpoint.url, endpoint.consecutive_failures),
                )
            log.warning("webhook endpoint disabled", extra={"endpoint_id": endpoint.id})
        return 0
