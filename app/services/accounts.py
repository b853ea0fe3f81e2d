"""Producer account use cases: registration, profile, password change, another state (R-AUTH-1/2/6/7/8)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.domain import messages
from app.domain.accounts import (
    AccountStatus,
    Principal,
    RegistrationInput,
    Role,
    StateRegistrationInput,
    check_immutable_profile_fields,
    check_state_registration,
    ensure_new_state_registration,
    validate_password_change,
    validate_registration,
)
from app.domain.delegates import usable_writing_states
from app.domain.errors import Conflict, ErrorCollector, Forbidden, NotFound
from app.ports import HasClock, HasHasher, HasOutbox, HasPasswordPolicies, HasSettings, HasUnitOfWork
from app.repositories.orm import Registration, StateRegistration, User
from app.repositories.uow import UnitOfWork
from app.services import audit
from app.services.audit import RequestContext
from app.services.delegates import DelegatePorts, change_own_password
from app.services.sessions import SessionPorts, check_current_password_attempt


class AccountPorts(
    DelegatePorts,
    SessionPorts,
    HasUnitOfWork,
    HasClock,
    HasSettings,
    HasHasher,
    HasOutbox,
    HasPasswordPolicies,
    Protocol,
):
    """What the account services use (and the delegate and session services they call)."""


USERNAME_TAKEN = "This User Name is already in use. Please choose another."


@dataclass(frozen=True)
class Profile:
    user: User
    state_registrations: list[StateRegistration]
    acting_for_producer_id: int | None = None


def _new_state_registration(user_id: int, registration_id: int, sr: StateRegistrationInput, now) -> StateRegistration:  # type: ignore[no-untyped-def]
    return StateRegistration(
        user_id=user_id,
        registration_id=registration_id,
        state=sr.state,
        company_name=sr.company_name,
        address1=sr.address1,
        address2=sr.address2,
        city=sr.city,
        address_state=sr.address_state,
        zip_code=sr.zip_code,
        agent_unique_id=sr.agent_unique_id,
        phone=sr.phone,
        email=sr.email,
        status="pending",
        created_at=now,
    )


async def _ensure_numbers_free(uow: UnitOfWork, pairs: list[tuple[str, str]]) -> None:
    taken = await uow.state_registrations.taken(pairs)
    if taken:
        state, aid = sorted(taken)[0]
        raise Conflict(
            f"Producer number {aid} is already registered in {state}. Call Producer Services if this is yours.",
            code="registration.agent_unique_id_taken",
            field="state_registrations",
        )


async def register(*, ctx: AccountPorts, data: RegistrationInput, request: RequestContext) -> Registration:
    """R-AUTH-1: a new producer registration, pending until an admin activates it."""
    validate_registration(data, policy=ctx.producer_password_policy, carrier_states=ctx.settings.carrier_states)
    password_hash = await ctx.hasher.hash(data.password)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        if await uow.users.username_taken(data.username):
            raise Conflict(USERNAME_TAKEN, code="registration.username_taken", field="username")
        await _ensure_numbers_free(uow, [(s.state, s.agent_unique_id) for s in data.state_registrations])
        user = uow.users.add(
            User(
                role=Role.producer.value,
                username=data.username,
                password_hash=password_hash,
                first_name=data.first_name,
                last_name=data.last_name,
                email=data.state_registrations[0].email,
                status=AccountStatus.pending.value,
                failed_sign_ins=0,
                must_change_password=False,
                created_at=now,
                updated_at=now,
                password_changed_at=now,
            )
        )
        await uow.flush()
        registration = uow.registrations.add(
            Registration(user_id=user.id, kind="new_account", status="pending", created_at=now)
        )
        await uow.flush()
        for sr in data.state_registrations:
            uow.state_registrations.add(_new_state_registration(user.id, registration.id, sr, now))
        ctx.outbox.enqueue_email(
            uow, to=data.state_registrations[0].email, message=messages.registration_received(data.first_name)
        )
        audit.record(
            uow,
            now=now,
            request=request,
            action="account.registered",
            actor_user_id=user.id,
            actor_username=user.username,
            target_type="registration",
            target_id=registration.id,
            details={"states": [s.state for s in data.state_registrations]},
        )
        await uow.commit()
        return registration


async def get_profile(*, ctx: AccountPorts, principal: Principal) -> Profile:
    """The caller's account. A delegate's registrations are its producer's active ones in the states the delegate
    is assigned (issue 14: the writing numbers it may choose on an application's general section)."""
    async with ctx.uow() as uow:
        user = await uow.users.get(principal.user_id)
        if user is None:
            raise NotFound("Account not found.")
        if principal.role is not Role.delegate or principal.producer_id is None:
            return Profile(user, await uow.state_registrations.for_user(user.id))
        producer_regs = await uow.state_registrations.for_user(principal.producer_id)
        assigned = (await uow.delegates.states_for([user.id]))[user.id]
        usable = usable_writing_states(assigned, {r.state for r in producer_regs if r.status == "active"})
        regs = sorted((r for r in producer_regs if r.status == "active" and r.state in usable), key=lambda r: r.state)
        return Profile(user, regs, acting_for_producer_id=principal.producer_id)


EDITABLE = ("company_name", "address1", "address2", "city", "address_state", "zip_code", "phone", "email")


async def update_profile(
    *,
    ctx: AccountPorts,
    principal: Principal,
    first_name: str | None,
    last_name: str | None,
    changes: list[dict[str, object]],
    request: RequestContext,
) -> Profile:
    """R-AUTH-6: company, address, phone and email per state registration; names and numbers are fixed."""
    if not principal.is_producer:
        raise Forbidden("Only producers have a profile with state registrations.", code="forbidden_role")
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await uow.users.get_for_update(principal.user_id)
        if user is None:
            raise NotFound("Account not found.")
        regs = {r.id: r for r in await uow.state_registrations.for_user(user.id)}
        attempted: dict[str, tuple[object, object]] = {
            "first_name": (user.first_name, first_name),
            "last_name": (user.last_name, last_name),
        }
        for i, change in enumerate(changes):
            reg = regs.get(int(change["id"]))  # type: ignore[call-overload]
            if reg is None:
                raise NotFound(
                    f"State registration {change['id']} is not one of yours.", field=f"state_registrations.{i}.id"
                )
            attempted[f"state_registrations.{i}.agent_unique_id"] = (reg.agent_unique_id, change.get("agent_unique_id"))
            attempted[f"state_registrations.{i}.state"] = (reg.state, change.get("state"))
        check_immutable_profile_fields(attempted)

        errors = ErrorCollector()
        changed: list[str] = []
        for i, change in enumerate(changes):
            reg = regs[int(change["id"])]  # type: ignore[call-overload]
            merged = {f: change[f] if change.get(f) is not None else getattr(reg, f) for f in EDITABLE}
            if "address2" in change and change["address2"] is None:
                merged["address2"] = reg.address2
            check_state_registration(
                StateRegistrationInput(state=reg.state, agent_unique_id=reg.agent_unique_id, **merged),  # type: ignore[arg-type]
                ctx.settings.carrier_states,
                errors,
                f"state_registrations.{i}",
            )
            for f in EDITABLE:
                if merged[f] != getattr(reg, f):
                    setattr(reg, f, merged[f])
                    changed.append(f"{reg.state}.{f}")
        errors.raise_if_any()
        user.updated_at = now
        audit.record(
            uow,
            now=now,
            request=request,
            action="account.profile_updated",
            actor_user_id=user.id,
            actor_username=user.username,
            target_type="user",
            target_id=user.id,
            details={"fields": changed},
        )
        await uow.commit()
        return Profile(user, list(regs.values()))


async def change_password(
    *, ctx: AccountPorts, principal: Principal, current: str, new: str, confirmation: str, request: RequestContext
) -> None:
    """R-AUTH-7: change the password; every session issued before is revoked (R-AUTH-5 ends here too)."""
    if principal.role is Role.delegate:
        await change_own_password(
            ctx=ctx, principal=principal, current=current, new=new, confirmation=confirmation, request=request
        )
        return
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        seen = await uow.users.get(principal.user_id)
    if seen is None:
        raise NotFound("Account not found.")
    # The hashes are checked with no connection held (as at sign-in).
    current_ok = await ctx.hasher.verify(current, seen.password_hash)
    if (
        not current_ok
        and seen.temp_password_hash
        and seen.temp_password_expires_at
        and seen.temp_password_expires_at > now
    ):
        current_ok = await ctx.hasher.verify(current, seen.temp_password_hash)
    # Issue 12, #6: a wrong current password counts toward the lockout (423 at the limit) and is audited.
    await check_current_password_attempt(ctx, seen=seen, current_ok=current_ok, request=request)
    validate_password_change(
        current_ok=current_ok,
        current=current,
        new=new,
        confirmation=confirmation,
        policy=ctx.password_policy_for(principal.role),
    )
    new_hash = await ctx.hasher.hash(new)
    async with ctx.uow() as uow:
        user = await uow.users.get_for_update(principal.user_id)
        assert user is not None
        user.password_hash = new_hash
        user.temp_password_hash = None
        user.temp_password_expires_at = None
        user.must_change_password = False
        user.password_changed_at = now
        user.updated_at = now
        revoked = await uow.auth_sessions.revoke_all_for_user(user.id, now=now, reason="password_changed")
        audit.record(
            uow,
            now=now,
            request=request,
            action="auth.password_changed",
            actor_user_id=user.id,
            actor_username=user.username,
            target_type="user",
            target_id=user.id,
            details={"sessions_revoked": revoked},
        )
        await uow.commit()


async def add_state_registration(
    *, ctx: AccountPorts, principal: Principal, data: StateRegistrationInput, request: RequestContext
) -> tuple[Registration, StateRegistration]:
    """R-AUTH-8: register for another state; pending until an admin activates it."""
    if not principal.is_producer:
        raise Forbidden("Only producers register states.", code="forbidden_role")
    errors = ErrorCollector()
    check_state_registration(data, ctx.settings.carrier_states, errors, "")
    for e in errors.errors:
        object.__setattr__(e, "field", e.field.lstrip("."))
    errors.raise_if_any()
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await uow.users.get_for_update(principal.user_id)
        if user is None:
            raise NotFound("Account not found.")
        existing = [(r.state, r.agent_unique_id) for r in await uow.state_registrations.for_user(user.id)]
        ensure_new_state_registration(existing, data.state, data.agent_unique_id)
        await _ensure_numbers_free(uow, [(data.state, data.agent_unique_id)])
        registration = uow.registrations.add(
            Registration(user_id=user.id, kind="additional_state", status="pending", created_at=now)
        )
        await uow.flush()
        sr = uow.state_registrations.add(_new_state_registration(user.id, registration.id, data, now))
        audit.record(
            uow,
            now=now,
            request=request,
            action="account.state_registration_added",
            actor_user_id=user.id,
            actor_username=user.username,
            target_type="registration",
            target_id=registration.id,
            details={"state": data.state},
        )
        await uow.commit()
        return registration, sr
