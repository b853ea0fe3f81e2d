"""Outbox of every email and SMS (R-NOTE-1)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import or_, select, update

from app.repositories.base import RepositoryBase
from app.repositories.orm import OutboxMessage


def outbox_key(channel: str, to: str) -> str:
    """Emails match case-insensitively, phone numbers by their digits (api.md admin outbox)."""
    if channel == "sms" or "@" not in to:
        digits = re.sub(r"\D", "", to)
        return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
    return to.strip().lower()


class OutboxRepository(RepositoryBase[OutboxMessage]):
    model = OutboxMessage

    async def list_messages(self, *, to: str | None, page: int, page_size: int) -> tuple[list[OutboxMessage], int]:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if to:
            keys = {outbox_key("email", to), outbox_key("sms", to)} - {""}
            stmt = stmt.where(OutboxMessage.to_key.in_(keys)) if keys else stmt.where(False)  # type: ignore[arg-type]
        return await self.page(stmt, page=page, page_size=page_size)

    async def due(self, *, now: datetime, max_attempts: int, limit: int = 50) -> list[OutboxMessage]:
        stmt = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status.in_(("pending", "failed")),
                OutboxMessage.attempts < max_attempts,
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # several instances never claim the same message (issue 18)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def record_outcomes(self, messages: list[OutboxMessage]) -> None:
        """Write the outcome of each claimed message's send (rows claimed and sent outside this session)."""
        for m in messages:
            await self.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == m.id)
                .values(status=m.status, sent_at=m.sent_at, last_error=m.last_error, next_attempt_at=m.next_attempt_at)
            )
