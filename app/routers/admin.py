"""Carrier staff (admin role): registrations, unlocks, the mail outbox, the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query

from app.deps import PHI_FREE, Ctx, CurrentAdmin, ReqCtx, require_role
from app.domain import vocabulary as v
from app.domain.accounts import Role
from app.domain.errors import ValidationFailed
from app.errors import error_responses
from app.routers.paging import PAGED_RESPONSES, PageParams
from app.schemas.accounts import StateRegistrationRead
from app.schemas.admin import (
    AuditEventRead,
    OutboxMessageRead,
    RegistrationRead,
    StateRegistrationDecisionCreate,
    UserRead,
    UserSummary,
)
from app.schemas.common import Page
from app.schemas.enrollments import ApplicationDecisionCreate, ApplicationDecisionRead
from app.services import admin as admin_service
from app.services import carrier as carrier_service
from app.services.admin import RegistrationView

router = APIRouter(
    prefix="/api/v1/admin",
    tags=["admin"],
    dependencies=[Depends(require_role(Role.admin))],
    responses=error_responses(401, 403, 422),
)


ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$"


def parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed(
            f"{value} is not a valid date or timestamp.", code="invalid_datetime", field="since"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _registration(view: RegistrationView) -> RegistrationRead:
    reg, user, srs = view
    return RegistrationRead(
        id=reg.id,
        kind=v.RegistrationKind(reg.kind),
        status=v.RegistrationStatus(reg.status),
        created_at=reg.created_at,
        decided_at=reg.decided_at,
        user=UserSummary.model_validate(user),
        state_registrations=[StateRegistrationRead.model_validate(s) for s in srs],
    )


@router.get(
    "/registrations",
    operation_id="adminListRegistrations",
    summary="Registrations to activate",
    dependencies=[PHI_FREE],
    responses=PAGED_RESPONSES,
)
async def list_registrations(
    ctx: Ctx,
    paging: PageParams,
    status: Annotated[
        Literal["pending", "active", "rejected", "all"] | None,
        Query(description="pending (default), active, rejected or all"),
    ] = "pending",
) -> Page[RegistrationRead]:
    """New producer accounts and additional states, oldest first."""
    rows, total = await admin_service.list_registrations(
        ctx=ctx, status=None if status == "all" else status, page=paging.page, page_size=paging.page_size
    )
    return paging.of([_registration(v) for v in rows], total)


Id = Annotated[int, Path(ge=1, le=2**62)]


@router.post(
    "/registrations/{registration_id}/activate",
    operation_id="adminActivateRegistration",
    summary="Activate a registration",
    responses=error_responses(404, 409),
)
async def activate_registration(ctx: Ctx, req: ReqCtx, admin: CurrentAdmin, registration_id: Id) -> RegistrationRead:
    """R-AUTH-1 / R-AUTH-8: activate and send the Registration Activation email."""
    return _registration(
        await admin_service.activate_registration(ctx=ctx, admin=admin, registration_id=registration_id, request=req)
    )


@router.post(
    "/registrations/{registration_id}/state-registrations/{state_registration_id}/decision",
    operation_id="adminDecideStateRegistration",
    summary="Activate or reject one state of a registration",
    responses=error_responses(404, 409),
)
async def decide_state_registration(
    ctx: Ctx,
    req: ReqCtx,
    admin: CurrentAdmin,
    registration_id: Id,
    state_registration_id: Id,
    body: StateRegistrationDecisionCreate,
) -> RegistrationRead:
    """Issue 15: activate or reject (with a reason) one pending state; the producer is emailed. The registration is
    decided once no state is pending; `/activate` still activates every state left at once."""
    return _registration(
        await admin_service.decide_state_registration(
            ctx=ctx,
            admin=admin,
            registration_id=registration_id,
            state_registration_id=state_registration_id,
            decision=body.decision,
            reason=body.reason,
            request=req,
        )
    )


@router.get(
    "/users", operation_id="adminListUsers", summary="Find users", dependencies=[PHI_FREE], responses=PAGED_RESPONSES
)
async def list_users(
    ctx: Ctx,
    paging: PageParams,
    username: Annotated[str | None, Query(max_length=64)] = None,
    role: Annotated[Role | None, Query()] = None,
) -> Page[UserRead]:
    """Users by exact user name and/or role."""
    rows, total = await admin_service.list_users(
        ctx=ctx, username=username, role=role.value if role else None, page=paging.page, page_size=paging.page_size
    )
    return paging.of([_user(u) for u in rows], total)


def _user(u: Any) -> UserRead:
    data = UserSummary.model_validate(u).model_dump()
    return UserRead(
        **data,
        email=u.email,
        locked=u.locked_at is not None,
        failed_sign_ins=u.failed_sign_ins,
        locked_at=u.locked_at,
        created_at=u.created_at,
    )


@router.post(
    "/users/{user_id}/unlock",
    operation_id="adminUnlockUser",
    summary="Unlock an account",
    responses=error_responses(404),
)
async def unlock_user(ctx: Ctx, req: ReqCtx, admin: CurrentAdmin, user_id: Id) -> UserRead:
    """R-AUTH-3: clear the lock and the failed sign-in count."""
    return _user(await admin_service.unlock_user(ctx=ctx, admin=admin, user_id=user_id, request=req))


@router.get(
    "/outbox",
    operation_id="adminListOutbox",
    summary="Sent email and SMS",
    dependencies=[PHI_FREE],
    responses=PAGED_RESPONSES,
)
async def list_outbox(
    ctx: Ctx,
    paging: PageParams,
    to: Annotated[str | None, Query(max_length=254, description="Email (any case) or phone (any format)")] = None,
) -> Page[OutboxMessageRead]:
    """R-NOTE-1: every email and SMS, oldest first, with its delivery status."""
    rows, total = await admin_service.list_outbox(ctx=ctx, to=to, page=paging.page, page_size=paging.page_size)
    return paging.of([OutboxMessageRead.model_validate(m) for m in rows], total)


@router.get(
    "/audit-events",
    operation_id="adminListAuditEvents",
    summary="Audit log",
    dependencies=[PHI_FREE],
    responses=PAGED_RESPONSES,
)
async def list_audit_events(
    ctx: Ctx,
    paging: PageParams,
    action: Annotated[str | None, Query(max_length=64, examples=["auth.sign_in"])] = None,
    actor_user_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[
        str | None,
        Query(pattern=ISO_DATETIME, examples=["2026-11-01T00:00:00Z"], description="ISO-8601 date or UTC timestamp"),
    ] = None,
) -> Page[AuditEventRead]:
    """R-AUTH-10: sign-in, lockout, unlock, reset and account events, newest first."""
    rows, total = await admin_service.list_audit_events(
        ctx=ctx,
        action=action,
        actor_user_id=actor_user_id,
        target_id=target_id,
        since=parse_since(since),
        page=paging.page,
        page_size=paging.page_size,
    )
    return paging.of([AuditEventRead.model_validate(e) for e in rows], total)


@router.post(
    "/applications/{application_id}/decision",
    operation_id="adminDecideApplication",
    summary="Approve or decline an application (carrier)",
    responses=error_responses(404, 409),
)
async def decide_application(
    ctx: Ctx, req: ReqCtx, admin: CurrentAdmin, application_id: Id, body: ApplicationDecisionCreate
) -> ApplicationDecisionRead:
    """Issue 14: carrier staff decide a submitted, paid application. Approval writes the account, its policies,
    members and PCP assignments into the producer's book; a decline lists the application as failed with the reason.
    The same decision again answers the first one; the opposite decision after it is a 409."""
    view = await carrier_service.decide(
        ctx=ctx, admin=admin, application_id=application_id, decision=body.decision, reason=body.reason, request=req
    )
    a = view.app
    assert a.decision is not None and a.decided_at is not None
    return ApplicationDecisionRead(
        application_id=a.id,
        record_number=a.record_number or "",
        e_app_number=a.record_number or "",
        status=a.status,  # type: ignore[arg-type]
        decision=a.decision,  # type: ignore[arg-type]
        decided_at=a.decided_at,
        reason=a.decision_reason,
        account_number=a.account_number,
        policy_ids=[str(p) for p in view.policy_ids],
        effective_date=a.effective_date,
    )
