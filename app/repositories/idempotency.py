"""Remembered answers to requests sent with `Idempotency-Key` (app/services/idempotency.py has the rules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.repositories.base import RepositoryBase
from app.repositories.orm import IdempotencyKey

IN_PROGRESS = 0
"""The status code of a claim whose request is still running (no answer stored yet)."""


class IdempotencyRepository(RepositoryBase[IdempotencyKey]):
    model = IdempotencyKey

    async def find(self, user_id: int, key: str) -> IdempotencyKey | None:
        stmt = select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def forget(self, record: IdempotencyKey) -> None:
        """Drop an expired record, so its key can be claimed again in this transaction."""
        await self.session.delete(record)
        await self.session.flush()

    async def claim(
        self,
        *,
        user_id: int,
        key: str,
        method: str,
        path: str,
        request_hash: str,
        now: datetime,
        expires_at: datetime,
    ) -> bool:
        """Claim `key` for a request about to run. False when another request holds it (the unique key refused the
        row): the transaction is then spent, roll it back."""
        self.session.add(
            IdempotencyKey(
                user_id=user_id,
                key=key,
                method=method,
                path=path,
                request_hash=request_hash,
                status_code=IN_PROGRESS,
                response_body=None,
                created_at=now,
                expires_at=expires_at,
            )
        )
        try:
            await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def take_over(self, record_id: int, *, lapsed: datetime, now: datetime) -> bool:
        """Take over a claim made at or before `lapsed` that is still in progress; False if another retry won it."""
        taken = await self.session.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.id == record_id,
                IdempotencyKey.status_code == IN_PROGRESS,
                IdempotencyKey.created_at <= lapsed,
            )
            .values(created_at=now)
        )
        return getattr(taken, "rowcount", 0) == 1

    async def release(self, user_id: int, key: str, *, claimed_at: datetime) -> None:
        """Drop the claim made at `claimed_at` if it is still in progress (its request did nothing)."""
        await self.session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id,
                IdempotencyKey.key == key,
                IdempotencyKey.status_code == IN_PROGRESS,
                IdempotencyKey.created_at == claimed_at,
            )
        )

    async def store_answer(self, user_id: int, key: str, *, status_code: int, body: dict[str, Any]) -> None:
        await self.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
            .values(status_code=status_code, response_body=body)
        )
