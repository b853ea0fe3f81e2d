"""Audit events (R-AUTH-10, R-MEM-6)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.repositories.base import RepositoryBase
from app.repositories.orm import AuditEvent


class AuditRepository(RepositoryBase[AuditEvent]):
    model = AuditEvent

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
