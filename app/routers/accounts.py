"""Registration and the signed-in producer's own account (R-AUTH-1, R-AUTH-6 .. R-AUTH-8)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.deps import PHI_FREE, AnyPrincipal, Ctx, CurrentProducer, RateLimited, ReqCtx
from app.domain import vocabulary as v
from app.domain.accounts import AccountStatus, RegistrationInput, Role, StateRegistrationInput
from app.errors import error_responses
from app.schemas.accounts import (
    MeRead,
    PasswordChange,
    ProfileUpdate,
    RegistrationCreate,
    RegistrationCreated,
    StateRegistrationAdded,
    StateRegistrationCreate,
    StateRegistrationRead,
)
from app.services import accounts as account_service

router = APIRouter(prefix="/api/v1", tags=["accounts"])


def _state_input(s: StateRegistrationCreate) -> StateRegistrationInput:
    return StateRegistrationInput(**s.model_dump(mode="json"))


def _me(profile: account_service.Profile) -> MeRead:
    u = profile.user
    return MeRead(
        id=u.id,
        username=u.username,
        role=Role(u.role),
        first_name=u.first_name,
        last_name=u.last_name,
        email=u.email,
        status=AccountStatus(u.status),
        must_change_password=u.must_change_password,
        state_registrations=[StateRegistrationRead.model_validate(r) for r in profile.state_registrations],
        producer_id=profile.acting_for_producer_id,
    )


@router.post(
    "/registrations",
    operation_id="register",
    summary="Register as a producer",
    status_code=status.HTTP_201_CREATED,
    dependencies=[RateLimited],
    responses=error_responses(409, 422, 429),
)
async def register(ctx: Ctx, req: ReqCtx, body: RegistrationCreate) -> RegistrationCreated:
    """R-AUTH-1: pending until Producer Services activates it (a Registration Activation email follows)."""
    data = RegistrationInput(
        first_name=body.first_name,
        last_name=body.last_name,
        username=body.username,
        password=body.password,
        password_confirmation=body.password_confirmation,
        state_registrations=[_state_input(s) for s in body.state_registrations],
    )
    registration = await account_service.register(ctx=ctx, data=data, request=req)
    return RegistrationCreated(id=registration.id, status=v.RegistrationStatus(registration.status))


@router.get("/me", operation_id="getMe", summary="My profile", responses=error_responses(401), dependencies=[PHI_FREE])
async def get_me(ctx: Ctx, principal: AnyPrincipal) -> MeRead:
    """The signed-in user's profile with state registrations (allowed with a temporary password)."""
    return _me(await account_service.get_profile(ctx=ctx, principal=principal))


@router.patch("/me", operation_id="updateMe", summary="Edit my profile", responses=error_responses(401, 403, 404, 422))
async def update_me(ctx: Ctx, req: ReqCtx, principal: CurrentProducer, body: ProfileUpdate) -> MeRead:
    """R-AUTH-6: company name, address, phone and email per state registration. Names and producer
    numbers cannot be changed (422, nothing changes)."""
    profile = await account_service.update_profile(
        ctx=ctx,
        principal=principal,
        first_name=body.first_name,
        last_name=body.last_name,
        changes=[c.model_dump(mode="json", exclude_unset=True) for c in body.state_registrations],
        request=req,
    )
    return _me(profile)


@router.put(
    "/me/password",
    operation_id="changePassword",
    summary="Change my password",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[RateLimited],
    responses=error_responses(401, 422, 423, 429),
)
async def change_password(ctx: Ctx, req: ReqCtx, principal: AnyPrincipal, body: PasswordChange) -> Response:
    """R-AUTH-7: current + new + confirmation. Every session is signed out afterwards; sign in again.

    A wrong current password counts toward the account's lockout like a failed sign-in (R-AUTH-3, R-DEL-5): the
    failure that reaches the limit, and every change while locked, answer 423. Rate-limited per client."""
    await account_service.change_password(
        ctx=ctx,
        principal=principal,
        current=body.current_password,
        new=body.new_password,
        confirmation=body.new_password_confirmation,
        request=req,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/me/state-registrations",
    operation_id="addStateRegistration",
    summary="Register another state",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 409, 422),
)
async def add_state_registration(
    ctx: Ctx, req: ReqCtx, principal: CurrentProducer, body: StateRegistrationCreate
) -> StateRegistrationAdded:
    """R-AUTH-8: pending until activated; a state already registered with the same number is refused (409)."""
    registration, sr = await account_service.add_state_registration(
        ctx=ctx, principal=principal, data=_state_input(body), request=req
    )
    return StateRegistrationAdded(
        id=registration.id,
        status=v.RegistrationStatus(registration.status),
        state_registration=StateRegistrationRead.model_validate(sr),
    )
