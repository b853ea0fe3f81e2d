"""Audit trail: who did what, when and from where (R-AUTH-10)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.repositories.orm import AuditEvent
from app.repositories.uow import UnitOfWork


@dataclass(frozen=True)
class RequestContext:
    """Where a request came from; handed from the router to services for the audit log."""

    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


def record(
    uow: UnitOfWork,
    *,
    now: datetime,
    request: RequestContext,
    action: str,
    outcome: str = "success",
    actor_user_id: int | None = None,
    actor_username: str | None = None,
    target_type: str | None = None,
    target_id: object | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    uow.audit.add(
        AuditEvent(
            occurred_at=now,
            action=action,
            outcome=outcome,
            actor_user_id=actor_user_id,
            actor_username=actor_username,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            ip=request.ip,
            user_agent=(request.user_agent or "")[:300] or None,
            request_id=request.request_id,
            details=details,
        )
    )
