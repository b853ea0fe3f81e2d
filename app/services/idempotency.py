"""`Idempotency-Key` on POSTs that create or submit (api.md): a retried request returns the first answer.

A key is claimed with a placeholder row before the work runs, so two concurrent retries never both run:
the second sees the claim and gets 409 until the first has finished; afterwards every retry with the same
key and the same request gets the stored answer, and a different request under the same key gets 422.
A claim still in progress after `idempotency_claim_seconds` belongs to a request that died with its process
(killed, crashed, or the database went away before the claim could be released): a retry takes it over.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

from app.domain.accounts import Principal
from app.domain.errors import Conflict, ValidationFailed
from app.ports import HasClock, HasSettings, HasUnitOfWork
from app.repositories.idempotency import IN_PROGRESS


class IdempotencyPorts(HasUnitOfWork, HasClock, HasSettings, Protocol):
    """What `run_idempotent` uses."""


__all__ = ["IN_PROGRESS", "KEY_HOURS", "request_fingerprint", "run_idempotent"]

KEY_HOURS = 24


def _in_progress() -> Conflict:
    return Conflict(
        "The first request with this Idempotency-Key is still being processed. Retry shortly.",
        code="idempotency.in_progress",
    )


def request_fingerprint(*parts: object) -> str:
    """A stable hash of what the request asked for (body, path, file digest...)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


async def run_idempotent(
    *,
    ctx: IdempotencyPorts,
    principal: Principal,
    key: str | None,
    method: str,
    path: str,
    fingerprint: str,
    handler: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
) -> tuple[int, dict[str, Any]]:
    """Run `handler` once per (user, key); returns (status code, JSON body)."""
    if not key:
        return await handler()
    if len(key) > 100 or not key.isprintable():
        raise ValidationFailed(
            "Idempotency-Key must be at most 100 printable characters.",
            code="idempotency.key_invalid",
            field="Idempotency-Key",
        )
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        existing = await uow.idempotency.find(principal.user_id, key)
        if existing is not None and existing.expires_at <= now:
            await uow.idempotency.forget(existing)
            existing = None
        if existing is not None:
            if existing.request_hash != fingerprint or existing.path != path or existing.method != method:
                raise ValidationFailed(
                    "This Idempotency-Key was already used for a different request. Use a new key for a new request.",
                    code="idempotency.key_reused",
                    field="Idempotency-Key",
                )
            if existing.status_code != IN_PROGRESS:
                return existing.status_code, dict(existing.response_body or {})
            lapsed = now - timedelta(seconds=ctx.settings.idempotency_claim_seconds)
            if existing.created_at > lapsed:
                raise _in_progress()
            # The claim lapsed: its request died. Take it over; the condition lets one of several retries win.
            if not await uow.idempotency.take_over(existing.id, lapsed=lapsed, now=now):
                raise _in_progress()
        elif not await uow.idempotency.claim(
            user_id=principal.user_id,
            key=key,
            method=method,
            path=path,
            request_hash=fingerprint,
            now=now,
            expires_at=now + timedelta(hours=KEY_HOURS),
        ):
            raise _in_progress()  # a concurrent request with the same key claimed it first
        await uow.commit()
    try:
        status, body = await handler()
    except BaseException:
        async with ctx.uow() as uow:  # release the claim: the request did nothing, it may be retried
            await uow.idempotency.release(principal.user_id, key, claimed_at=now)
            await uow.commit()
        raise
    async with ctx.uow() as uow:
        await uow.idempotency.store_answer(
            principal.user_id, key, status_code=status, body=json.loads(json.dumps(body, default=str))
        )
        await uow.commit()
    return status, body
