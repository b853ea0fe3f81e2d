"""Sessions and the sign-in state both producers' and delegates' flows use (R-AUTH-3, R-AUTH-9, R-DEL-5).

`auth` (sign-in, refresh, recovery) and `delegates` (MFA, delegate passwords) both open sessions and count
password failures; this module is what they share, so neither imports the other's internals in a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from app.domain.accounts import (
    LOCKED_MESSAGE,
    AccountStatus,
    LockoutPolicy,
    Role,
    SignInState,
    check_current_password,
)
from app.domain.errors import AccountLocked, NotFound
from app.ports import HasClock, HasLockoutPolicies, HasSettings, HasTokens, HasUnitOfWork
from app.repositories.orm import AuthSession, RefreshToken, User
from app.repositories.uow import UnitOfWork
from app.security import new_opaque_token, new_session_id
from app.services import audit
from app.services.audit import RequestContext


class SessionPorts(HasUnitOfWork, HasClock, HasSettings, HasTokens, HasLockoutPolicies, Protocol):
    """What the session helpers use."""


def lockout_for(ctx: SessionPorts, role: Role) -> LockoutPolicy:
    """R-AUTH-3 / R-DEL-5 per role. Admins lock for PORTAL_ADMIN_LOCK_MINUTES, never for good (issue 12, #4):
    anyone could otherwise lock the carrier's staff out by typing three wrong passwords, and a password reset
    does not apply to admins. Their 423 reads like a producer's so it does not mark the name as an admin's."""
    if role is Role.admin:
        return LockoutPolicy(
            max_failures=ctx.settings.producer_max_failed_sign_ins,
            lock_minutes=ctx.settings.admin_lock_minutes,
            message=LOCKED_MESSAGE,
        )
    return ctx.lockout_for(role)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    must_change_password: bool


def state_of(user: User) -> SignInState:
    return SignInState(
        role=Role(user.role),
        status=AccountStatus(user.status),
        failed_sign_ins=user.failed_sign_ins,
        locked_at=user.locked_at,
        must_change_password=user.must_change_password,
    )


def apply_state(user: User, state: SignInState) -> None:
    user.failed_sign_ins = state.failed_sign_ins
    user.locked_at = state.locked_at
    user.must_change_password = state.must_change_password


async def open_session(ctx: SessionPorts, uow: UnitOfWork, user: User, request: RequestContext) -> TokenPair:
    """Create a session (refresh-token family) and its first token pair."""
    now = ctx.clock.now()
    session = AuthSession(
        id=new_session_id(),
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(days=ctx.settings.refresh_token_days),
        ip=request.ip,
        user_agent=request.user_agent,
    )
    uow.auth_sessions.add(session)
    refresh = new_opaque_token()
    uow.refresh_tokens.add(
        RefreshToken(
            session_id=session.id,
            token_hash=ctx.tokens.hash_secret(refresh),
            issued_at=now,
            expires_at=session.expires_at,
        )
    )
    access = ctx.tokens.issue_access(user_id=user.id, session_id=session.id, role=user.role, now=now)
    return TokenPair(access, refresh, ctx.tokens.access_seconds, user.must_change_password)


async def check_current_password_attempt(
    ctx: SessionPorts, *, seen: User, current_ok: bool, request: RequestContext
) -> None:
    """PUT /me/password (issue 12, #6): the current password is a sign-in attempt for the lockout.

    `seen` is the account as read before the (slow) hash check. Commits the count and the audit; raises 423
    when the account is locked or this failure locks it. A wrong password that does not lock returns: the
    caller answers 422 with every problem of the request.
    """
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await uow.users.get_for_update(seen.id)
        if user is None:
            raise NotFound("Account not found.")
        if (user.password_hash, user.temp_password_hash) != (seen.password_hash, seen.temp_password_hash):
            current_ok = False  # the password changed while it was being checked
        state = state_of(user)
        locked_before = user.locked_at
        try:
            check_current_password(state, current_ok=current_ok, now=now, policy=lockout_for(ctx, Role(user.role)))
        except AccountLocked as exc:
            apply_state(user, state)
            if user.locked_at != locked_before:  # this failure locked it
                audit.record(
                    uow,
                    now=now,
                    request=request,
                    action="auth.account_locked",
                    actor_user_id=user.id,
                    actor_username=user.username,
                    target_type="user",
                    target_id=user.id,
                    details={"failed_sign_ins": state.failed_sign_ins, "by": "password_change"},
                )
            audit.record(
                uow,
                now=now,
                request=request,
                action="auth.password_change",
                outcome="failure",
                actor_user_id=user.id,
                actor_username=user.username,
                target_type="user",
                target_id=user.id,
                details={"reason": exc.code},
            )
            await uow.commit()
            raise
        apply_state(user, state)
        if not current_ok:
            audit.record(
                uow,
                now=now,
                request=request,
                action="auth.password_change",
                outcome="failure",
                actor_user_id=user.id,
                actor_username=user.username,
                target_type="user",
                target_id=user.id,
                details={"reason": "password.current_wrong", "failed_sign_ins": state.failed_sign_ins},
            )
        await uow.commit()
