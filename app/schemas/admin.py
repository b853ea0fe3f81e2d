"""Admin views: registrations, users, outbox, audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain import vocabulary as v
from app.domain.accounts import AccountStatus, Role
from app.domain.delegates import OtpChannel
from app.schemas.accounts import StateRegistrationRead
from app.schemas.common import ResponseModel, StrictModel


class UserSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    role: Role
    first_name: str
    last_name: str
    status: AccountStatus


class UserRead(UserSummary):
    email: str | None
    locked: bool
    failed_sign_ins: int
    locked_at: datetime | None
    created_at: datetime


class RegistrationRead(BaseModel):
    id: int
    kind: v.RegistrationKind
    status: v.RegistrationStatus
    created_at: datetime
    decided_at: datetime | None
    user: UserSummary
    state_registrations: list[StateRegistrationRead]


class OutboxMessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: OtpChannel
    to: str
    subject: str | None
    body: str
    template: str
    status: v.OutboxStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class AuditEventRead(ResponseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    action: str
    outcome: v.Outcome
    actor_user_id: int | None
    actor_username: str | None
    on_behalf_of_user_id: int | None = Field(
        default=None, description="The producer a delegate acted for; null when the actor acted for themselves"
    )
    api_key_id: int | None = Field(
        default=None, description="The API key the call was made with (issue 17); null for a signed-in person"
    )
    target_type: str | None
    target_id: str | None
    ip: str | None
    user_agent: str | None
    request_id: str | None
    details: dict[str, Any] | None


class StateRegistrationDecisionCreate(StrictModel):
    """Issue 15: activate or reject one state registration of a pending registration."""

    decision: Literal["activate", "reject"]
    reason: Annotated[
        str | None,
        Field(
            default=None,
            max_length=300,
            description="Required to reject; optional when activating. The producer receives it by email",
        ),
    ] = None
