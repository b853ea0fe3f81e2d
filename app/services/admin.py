"""Carrier staff: activate registrations, unlock accounts, read the outbox and the audit log; create admins."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from app.adapters.hashing import PasswordHasher
from app.domain import messages
from app.domain.accounts import (
    ADMIN_PASSWORD_POLICY,
    AccountStatus,
    PasswordPolicy,
    Principal,
    Role,
    SignInState,
    registration_status,
)
from app.domain.accounts import decide_state_registration as decide_registration_state
from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.ports import HasClock, HasOutbox, HasUnitOfWork
from app.repositories.orm import AuditEvent, OutboxMessage, Registration, StateRegistration, User
from app.repositories.uow import UnitOfWork
from app.services import audit
from app.services.audit import RequestContext


class AdminPorts(HasUnitOfWork, HasClock, HasOutbox, Protocol):
    """What the admin services use."""


RegistrationView = tuple[Registration, User, list[StateRegistration]]


async def list_registrations(
    *, ctx: AdminPorts, status: str | None, page: int, page_size: int
) -> tuple[list[RegistrationView], int]:
    async with ctx.uow() as uow:
        rows, total = await uow.registrations.list_with_users(status=status, page=page, page_size=page_size)
        regs = await uow.state_registrations.for_registrations([r.id for r, _ in rows])
        return [(r, u, regs[r.id]) for r, u in rows], total


async def activate_registration(
    *, ctx: AdminPorts, admin: Principal, registration_id: int, request: RequestContext
) -> RegistrationView:
    """R-AUTH-1 / R-AUTH-8: activate; sends the "Registration Activation" email."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        registration = await uow.registrations.get_for_update(registration_id)
        if registration is None:
            raise NotFound(f"Registration {registration_id} not found.")
        if registration.status != "pending":
            raise Conflict(
                f"Registration {registration_id} is already {registration.status}.", code="registration.not_pending"
            )
        user = await uow.users.get_for_update(registration.user_id)
        assert user is not None
        srs = await uow.state_registrations.for_registration(registration.id)
        # States an admin already decided one by one (issue 15) keep their decision; the rest are activated.
        pending = [sr for sr in srs if sr.status == "pending"]
        for sr in pending:
            sr.status, sr.activated_at, sr.decided_at = "active", now, now
        registration.decided_at, registration.decided_by_id = now, admin.user_id
        registration.status = registration_status([sr.status for sr in srs])
        _activate_user(registration, user, srs, now)
        for email in dict.fromkeys(sr.email for sr in pending):
            ctx.outbox.enqueue_email(
                uow, to=email, message=messages.registration_activation(user.first_name, [sr.state for sr in pending])
            )
        audit.record(
            uow,
            now=now,
            request=request,
            action="admin.registration_activated",
            actor_user_id=admin.user_id,
            actor_username=admin.username,
            target_type="registration",
            target_id=registration.id,
            details={"user_id": user.id, "kind": registration.kind},
        )
        await uow.commit()
        return registration, user, srs


def _activate_user(registration: Registration, user: User, srs: list[StateRegistration], now: datetime) -> None:
    """A new producer account becomes active with its first active state (R-AUTH-1, issue 15)."""
    active = any(s.status == "active" for s in srs)
    if registration.kind == "new_account" and active and user.status == AccountStatus.pending.value:
        user.status, user.activated_at, user.updated_at = AccountStatus.active.value, now, now


async def decide_state_registration(
    *,
    ctx: AdminPorts,
    admin: Principal,
    registration_id: int,
    state_registration_id: int,
    decision: str,
    reason: str | None,
    request: RequestContext,
) -> RegistrationView:
    """Issue 15: activate or reject one state of a pending registration; the producer is emailed the decision and
    its reason. The registration is decided once none of its states is pending (active if any state is)."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        registration = await uow.registrations.get_for_update(registration_id)
        if registration is None:
            raise NotFound(f"Registration {registration_id} not found.")
        if registration.status != "pending":
            raise Conflict(
                f"Registration {registration_id} is already {registration.status}.", code="registration.not_pending"
            )
        srs = await uow.state_registrations.for_registration(registration.id)
        sr = next((s for s in srs if s.id == state_registration_id), None)
        if sr is None:
            raise NotFound(f"State registration {state_registration_id} is not part of registration {registration_id}.")
        user = await uow.users.get_for_update(registration.user_id)
        assert user is not None
        decided = decide_registration_state(state=sr.state, status=sr.status, decision=decision, reason=reason)
        sr.status, sr.decided_at, sr.decision_reason = decided.status, now, decided.reason
        if decided.status == "active":
            sr.activated_at = now
        registration.status = registration_status([s.status for s in srs])
        if registration.status != "pending":
            registration.decided_at, registration.decided_by_id = now, admin.user_id
        _activate_user(registration, user, srs, now)
        ctx.outbox.enqueue_email(
            uow,
            to=sr.email,
            message=messages.state_registration_decided(
                user.first_name,
                sr.state,
                sr.agent_unique_id,
                activated=decided.status == "active",
                reason=decided.reason,
            ),
        )
        audit.record(
            uow,
            now=now,
            request=request,
            action=f"admin.state_registration_{'activated' if decided.status == 'active' else 'rejected'}",
            actor_user_id=admin.user_id,
            actor_username=admin.username,
            target_type="registration",
            target_id=registration.id,
            details={"user_id": user.id, "state_registration_id": sr.id, "state": sr.state},
        )
        await uow.commit()
        return registration, user, srs


async def unlock_user(*, ctx: AdminPorts, admin: Principal, user_id: int, request: RequestContext) -> User:
    """R-AUTH-3: an admin unlocks an account."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await uow.users.get_for_update(user_id)
        if user is None:
            raise NotFound(f"User {user_id} not found.")
        was_locked = user.locked_at is not None
        state = SignInState(
            role=Role(user.role),
            status=AccountStatus(user.status),
            failed_sign_ins=user.failed_sign_ins,
            locked_at=user.locked_at,
        )
        state.unlock()
        user.failed_sign_ins, user.locked_at, user.updated_at = state.failed_sign_ins, state.locked_at, now
        audit.record(
            uow,
            now=now,
            request=request,
            action="auth.account_unlocked",
            actor_user_id=admin.user_id,
            actor_username=admin.username,
            target_type="user",
            target_id=user.id,
            details={"by": "admin", "was_locked": was_locked},
        )
        await uow.commit()
        return user


async def unlock_username(uow: UnitOfWork, *, username: str, username_hash: str, operator: str, now: datetime) -> str:
    """`portal users unlock USERNAME` (issue 12, #4): clear an account's lock - an admin's too - from the server.

    A name without an account only has its failure count (per submitted name) cleared. Audited like the admin
    API's unlock, with the operating-system user as the operator. Returns what was done; raises NotFound when
    the name has neither an account nor failures.
    """
    request = RequestContext(user_agent="portal-cli")
    async with uow:
        user = await uow.users.get_by_username_for_update(username)
        if user is None:
            if not await uow.users.delete_sign_in_failure(username_hash):
                raise NotFound(f"There is no user {username!r} (and no failed sign-ins under that name).")
            audit.record(
                uow,
                now=now,
                request=request,
                action="auth.account_unlocked",
                outcome="no_match",
                actor_username=f"cli:{operator}"[:64],
                details={"by": "cli", "unknown_username": True},
            )
            await uow.commit()
            return f"no user {username}: its failed sign-ins were cleared"
        was_locked = user.locked_at is not None
        state = SignInState(
            role=Role(user.role),
            status=AccountStatus(user.status),
            failed_sign_ins=user.failed_sign_ins,
            locked_at=user.locked_at,
        )
        state.unlock()
        user.failed_sign_ins, user.locked_at, user.updated_at = state.failed_sign_ins, state.locked_at, now
        audit.record(
            uow,
            now=now,
            request=request,
            action="auth.account_unlocked",
            actor_username=f"cli:{operator}"[:64],
            target_type="user",
            target_id=user.id,
            details={"by": "cli", "was_locked": was_locked},
        )
        await uow.commit()
        return f"{user.role} {username} unlocked" if was_locked else f"{user.role} {username} was not locked"


async def create_admin(
    uow: UnitOfWork,
    hasher: PasswordHasher,
    *,
    username: str,
    password: str,
    email: str,
    first_name: str,
    last_name: str,
    now: datetime,
) -> int:
    """`portal users create-admin`: carrier staff accounts (stronger password policy than producers)."""
    policy: PasswordPolicy = ADMIN_PASSWORD_POLICY
    problems = policy.problems(password)
    if problems:
        raise ValidationFailed(" ".join(problems), code="password.policy", field="password")
    async with uow:
        if await uow.users.username_taken(username):
            raise Conflict(f"User name {username} is already in use.", code="registration.username_taken")
        user = uow.users.add(
            User(
                role=Role.admin.value,
                username=username,
                password_hash=hasher.hash_sync(password),
                first_name=first_name,
                last_name=last_name,
                email=email,
                status=AccountStatus.active.value,
                failed_sign_ins=0,
                must_change_password=False,
                created_at=now,
                updated_at=now,
                password_changed_at=now,
                activated_at=now,
            )
        )
        await uow.commit()
        return user.id


async def list_users(
    *, ctx: AdminPorts, username: str | None, role: str | None, page: int, page_size: int
) -> tuple[list[User], int]:
    async with ctx.uow() as uow:
        return await uow.users.list_users(username=username, role=role, page=page, page_size=page_size)


async def list_outbox(*, ctx: AdminPorts, to: str | None, page: int, page_size: int) -> tuple[list[OutboxMessage], int]:
    async with ctx.uow() as uow:
        return await uow.outbox.list_messages(to=to, page=page, page_size=page_size)


async def list_audit_events(
    *,
    ctx: AdminPorts,
    action: str | None,
    actor_user_id: int | None,
    target_id: str | None,
    since: datetime | None,
    page: int,
    page_size: int,
) -> tuple[list[AuditEvent], int]:
    async with ctx.uow() as uow:
        return await uow.audit.list_events(
            action=action, actor_user_id=actor_user_id, target_id=target_id, since=since, page=page, page_size=page_size
        )
