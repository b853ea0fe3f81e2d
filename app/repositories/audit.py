"""Audit events (R-AUTH-10, R-MEM-6)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select

from app.repositories.base import RepositoryBase
from app.repositories.orm import AuditEvent

_INSERT = insert(cast(Table, AuditEvent.__table__))  # Core: no ORM unit of work for rows written on their own


class AuditRepository(RepositoryBase[AuditEvent]):
    model = AuditEvent

    async def insert_rows(self, rows: list[dict[str, Any]]) -> None:
        """Audit rows (`services.audit.event_row`) written at once, not through the session's unit of work.

        In the read role (an AUTOCOMMIT session: R-MEM-6's reads) they are durable when this returns.
        """
        if len(rows) == 1:  # one row: a plain INSERT, not the executemany path
            await self.session.execute(_INSERT, rows[0])
        elif rows:
            await self.session.execute(_INSERT, rows)

    async def list_events(
        self,
        *,
        action: str | None,
        actor_user_id: int | None,
        target_id: str | None,
        since: datetime | None,
        page: int,
        page_size: int,
    ) -> tuple[list[AuditEvent], int]:
        stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        if actor_user_id is not None:
            stmt = stmt.where(AuditEvent.actor_user_id == actor_user_id)
        if target_id:
            stmt = stmt.where(AuditEvent.target_id == target_id)
        if since:
            stmt = stmt.where(AuditEvent.occurred_at >= since)
        return await self.page(stmt, page=page, page_size=page_size)

    async def for_target(self, *, target_type: str, target_id: str, actions: Sequence[str]) -> list[AuditEvent]:
        """The successful events of these actions on one target, oldest first (e.g. an application's saved
        sections, whose times are its signatures' times on the application PDF)."""
        stmt = (
            select(AuditEvent)
            .where(
                AuditEvent.target_type == target_type,
                AuditEvent.target_id == target_id,
                AuditEvent.action.in_(list(actions)),
                AuditEvent.outcome == "success",
            )
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
        return list((await self.session.execute(stmt)).scalars())
