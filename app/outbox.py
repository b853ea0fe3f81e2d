"""Notifier: every message is written to the outbox in the caller's transaction, then dispatched.

Infrastructure beside `app/db.py` (services call `ctx.outbox.enqueue_*` inside their unit of work; the dispatcher
runs as a background task of each server process), so `app/context.py` no longer imports from `app/services/`.

A failed send never loses the message: it stays in the outbox marked failed and is retried with
backoff until `outbox_max_attempts` (R-NOTE-2).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from app.adapters.notifier import EmailTransport, SmsGateway
from app.clock import Clock
from app.domain.messages import Message
from app.periodic import PeriodicTask
from app.repositories.orm import OutboxMessage
from app.repositories.outbox import OutboxRepository, outbox_key
from app.repositories.uow import UnitOfWork

log = logging.getLogger("portal.outbox")

# Messages claimed per transaction. With the default SMTP timeout (10 s) even a batch of sends that all time out
# ends well within the default claim lease (PORTAL_OUTBOX_CLAIM_SECONDS, 300 s).
CLAIM_BATCH = 20


class OutboxDispatcher:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[Any],
        email: EmailTransport | None,
        sms: SmsGateway,
        clock: Clock,
        retry_seconds: float,
        max_attempts: int,
        claim_seconds: float = 300.0,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.email = email
        self.sms = sms
        self._clock = clock
        self._retry = retry_seconds
        self._max_attempts = max_attempts
        self._claim_seconds = claim_seconds
        self._lock = asyncio.Lock()
        self._loop = PeriodicTask(
            "outbox-dispatcher", retry_seconds, self.drain, log=log, failure_message="outbox dispatch pass failed"
        )

    # -- writing (inside the caller's unit of work) --------------------------------------------
    def enqueue_email(self, uow: UnitOfWork, *, to: str, message: Message) -> OutboxMessage:
        return self._enqueue(
            uow, channel="email", to=to, subject=message.subject, body=message.body, template=message.template
        )

    def enqueue_sms(self, uow: UnitOfWork, *, to: str, body: str, template: str) -> OutboxMessage:
        return self._enqueue(uow, channel="sms", to=to, subject=None, body=body, template=template)

    def _enqueue(
        self, uow: UnitOfWork, *, channel: str, to: str, subject: str | None, body: str, template: str
    ) -> OutboxMessage:
        now = self._clock.now()
        recorded_only = channel == "email" and self.email is None
        row = OutboxMessage(
            channel=channel,
            to=to,
            to_key=outbox_key(channel, to),
            subject=subject,
            body=body,
            template=template,
            status="recorded" if recorded_only else "pending",
            attempts=0,
            created_at=now,
            sent_at=now if recorded_only else None,
        )
        uow.outbox.add(row)
        if not recorded_only:
            uow.after_commit(self.wake)
        return row

    # -- dispatching ---------------------------------------------------------------------------
    # A pass every `retry_seconds`, or at once after a commit that enqueued something. The loop stops at once
    # even when a wake-up lands as the app shuts down (no `asyncio.wait_for`: see `app.periodic`).
    def wake(self) -> None:
        self._loop.wake()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def drain(self) -> int:
        """Send every message that is due now; returns how many were sent.

        Safe with any number of instances (issue 18): a short transaction claims a batch (`FOR UPDATE SKIP LOCKED`
        on PostgreSQL, the write lock on SQLite: app/db.py), counts the attempt and moves `next_attempt_at` past
        the claim's lease, and commits; the messages are sent outside any transaction; a second transaction records
        each outcome. Another instance never sees a claimed message as due until the lease runs out, which happens
        only when the claimant died mid-batch: then the message is sent again (at least once, as before)."""
        sent = 0
        async with self._lock:
            while True:
                batch = await self._claim()
                if not batch:
                    return sent
                for msg in batch:
                    sent += await self._send_one(msg)
                async with self._sessionmaker() as session:
                    await OutboxRepository(session).record_outcomes(batch)
                    await session.commit()
                if len(batch) < CLAIM_BATCH:
                    return sent

    async def _claim(self) -> list[OutboxMessage]:
        now = self._clock.now()
        async with self._sessionmaker() as session:
            repo = OutboxRepository(session)
            batch = await repo.due(now=now, max_attempts=self._max_attempts, limit=CLAIM_BATCH)
            for msg in batch:
                msg.attempts += 1
                msg.next_attempt_at = now + timedelta(seconds=self._claim_seconds)
            await session.commit()  # expire_on_commit=False: the rows stay readable for the send
            return batch

    async def _send_one(self, msg: OutboxMessage) -> int:
        """Send one claimed message; sets its outcome on the (detached) row for `record_outcomes`."""
        now = self._clock.now()
        try:
            if msg.channel == "email":
                if self.email is None:
                    msg.status, msg.sent_at, msg.next_attempt_at = "recorded", now, None
                    return 0
                await self.email.send(to=msg.to, subject=msg.subject or "", body=msg.body)
            else:
                await self.sms.send(to=msg.to, body=msg.body)
        except Exception as exc:  # any transport failure keeps the message for a retry
            msg.status = "failed"
            msg.last_error = f"{type(exc).__name__}: {exc}"[:500]
            delay = min(self._retry * (2 ** (msg.attempts - 1)), 3600.0)
            msg.next_attempt_at = now + timedelta(seconds=delay)
            log.warning(
                "outbox send failed", extra={"outbox_id": msg.id, "attempt": msg.attempts, "channel": msg.channel}
            )
            return 0
        msg.status, msg.sent_at, msg.last_error, msg.next_attempt_at = "sent", now, None, None
        return 1
