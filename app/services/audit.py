"""Audit trail: who did what, when and from where (R-AUTH-10), and every read of personal data (R-MEM-6).

A delegate always acts for its producer (R-DEL-9): the principal dependency (`app.deps`) says so for the
request through `act_for`, and every row written during that request - by `record`, `event_row` or a read
declared in a route (`record_read`) - carries the producer in `on_behalf_of_user_id` unless told otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from app.domain.accounts import Principal, Role
from app.ports import HasClock, HasReads
from app.repositories.orm import AuditEvent
from app.repositories.uow import UnitOfWork


class AuditPorts(HasReads, HasClock, Protocol):
    """What `record_read` uses: the clock and a read unit of work."""


USER_AGENT_LENGTH = 300  # the user_agent columns (audit events, sign-in sessions, remembered devices)


def stored_user_agent(value: str | None) -> str | None:
    """A User-Agent as it is stored: at most `USER_AGENT_LENGTH` characters, None when absent or empty."""
    return (value or "")[:USER_AGENT_LENGTH] or None


@dataclass(frozen=True)
class RequestContext:
    """Where a request came from; handed from the router to services for the audit log."""

    ip: str | None = None
    user_agent: str | None = None  # as stored (`stored_user_agent`), whatever it was built from
    request_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "user_agent", stored_user_agent(self.user_agent))


# The producer the current request's delegate acts for; None for anyone acting for themselves (and outside requests).
_ON_BEHALF_OF: ContextVar[int | None] = ContextVar("audit_on_behalf_of", default=None)


# The API key the current request was made with (issue 17); None for a signed-in person (and outside requests).
_API_KEY: ContextVar[int | None] = ContextVar("audit_api_key", default=None)


def call_with_key(key_id: int | None) -> Token[int | None]:
    """From now on in this request, audit rows name `key_id` as the API key the call was made with."""
    return _API_KEY.set(key_id)


def stop_calling_with_key(token: Token[int | None]) -> None:
    try:
        _API_KEY.reset(token)
    except ValueError:
        _API_KEY.set(None)


def calling_key() -> int | None:
    """The API key of the current request, or None."""
    return _API_KEY.get()


def act_for(producer_id: int | None) -> Token[int | None]:
    """From now on in this request, audit rows name `producer_id` as the one acted for (None: nobody)."""
    return _ON_BEHALF_OF.set(producer_id)


def stop_acting(token: Token[int | None]) -> None:
    """Undo `act_for` when the request ends (a test client runs requests in one task, one after another)."""
    try:
        _ON_BEHALF_OF.reset(token)
    except ValueError:  # ended in another context than it began: nothing of this request is left to undo
        _ON_BEHALF_OF.set(None)


def on_behalf_of(principal: Principal | None) -> int | None:
    """R-DEL-9: a delegate acts for its producer; everyone else for themselves (None)."""
    return principal.producer_id if principal is not None and principal.role is Role.delegate else None


def acting_for() -> int | None:
    """The producer the current request's delegate acts for, or None."""
    return _ON_BEHALF_OF.get()


def event_row(
    *,
    now: datetime,
    request: RequestContext,
    action: str,
    outcome: str = "success",
    actor_user_id: int | None = None,
    actor_username: str | None = None,
    on_behalf_of_user_id: int | None = None,
    target_type: str | None = None,
    target_id: object | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One audit row as column values (for Core inserts on the hot read paths, and for `record`)."""
    return {
        "occurred_at": now,
        "action": action,
        "outcome": outcome,
        "actor_user_id": actor_user_id,
        "actor_username": actor_username,
        "on_behalf_of_user_id": on_behalf_of_user_id if on_behalf_of_user_id is not None else acting_for(),
        "api_key_id": calling_key(),
        "target_type": target_type,
        "target_id": None if target_id is None else str(target_id),
        "ip": request.ip,
        "user_agent": request.user_agent,
        "request_id": request.request_id,
        "details": details,
    }


def record(
    uow: UnitOfWork,
    *,
    now: datetime,
    request: RequestContext,
    action: str,
    outcome: str = "success",
    actor_user_id: int | None = None,
    actor_username: str | None = None,
    on_behalf_of_user_id: int | None = None,
    target_type: str | None = None,
    target_id: object | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add the row to the caller's unit of work: it is committed with what it records, or not at all."""
    uow.audit.add(
        AuditEvent(
            **event_row(
                now=now,
                request=request,
                action=action,
                outcome=outcome,
                actor_user_id=actor_user_id,
                actor_username=actor_username,
                on_behalf_of_user_id=on_behalf_of_user_id,
                target_type=target_type,
                target_id=target_id,
                details=details,
            )
        )
    )


def record_by(
    uow: UnitOfWork,
    principal: Principal,
    *,
    now: datetime,
    request: RequestContext,
    action: str,
    target_type: str | None,
    target_id: object | None,
    details: Mapping[str, object] | None = None,
) -> None:
    """`record` of an action a signed-in caller took on one target (a delegate's rows name its producer, as every
    row does): the services' audit calls, written once."""
    record(
        uow,
        now=now,
        request=request,
        action=action,
        actor_user_id=principal.user_id,
        actor_username=principal.username,
        target_type=target_type,
        target_id=target_id,
        details=dict(details) if details else None,
    )


async def record_read(
    ctx: AuditPorts,
    *,
    principal: Principal,
    request: RequestContext,
    action: str,
    outcome: str = "success",
    target_type: str | None = None,
    target_id: object | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """R-MEM-6: write the row of a read on its own (autocommit) - durable when this returns."""
    row = event_row(
        now=ctx.clock.now(),
        request=request,
        action=action,
        outcome=outcome,
        actor_user_id=principal.user_id,
        actor_username=principal.username,
        on_behalf_of_user_id=on_behalf_of(principal),
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
    async with ctx.reads() as reads:
        await reads.audit.insert_rows([row])
