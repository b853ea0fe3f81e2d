"""Sign-in, sessions and recovery use cases (R-AUTH-3, R-AUTH-4, R-AUTH-5, R-AUTH-9)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import NoReturn, Protocol

from app.domain import messages
from app.domain.accounts import (
    AccountStatus,
    Principal,
    Role,
    SignInOutcome,
    SignInState,
    decide_sign_in,
    generate_temporary_password,
    temporary_password_expiry,
)
from app.domain.errors import AccountLocked, AuthenticationFailed, DomainError
from app.ports import (
    HasClock,
    HasHasher,
    HasLockoutPolicies,
    HasOutbox,
    HasPasswordPolicies,
    HasSettings,
    HasTokens,
    HasUnitOfWork,
)
from app.repositories.orm import AuthSession, RefreshToken, User
from app.repositories.uow import UnitOfWork
from app.services import audit
from app.services.audit import RequestContext
from app.services.delegates import DelegatePorts, delegate_second_factor
from app.services.sessions import SessionPorts, TokenPair, apply_state, lockout_for, open_session, state_of


class AuthPorts(
    DelegatePorts,
    SessionPorts,
    HasUnitOfWork,
    HasClock,
    HasSettings,
    HasHasher,
    HasTokens,
    HasLockoutPolicies,
    HasOutbox,
    HasPasswordPolicies,
    Protocol,
):
    """What sign-in, refresh, sign-out and recovery use (and the delegate and session services they call)."""


INVALID_REFRESH = "The refresh token is not valid. Sign in again."
log = logging.getLogger("portal.auth")


async def after_answer(action: str, work: Callable[[], Awaitable[None]]) -> None:
    """Run recovery work once the answer is sent (issue 12, #5): its answer and timing cannot tell whether an
    account exists. Nobody waits for it any more, so a failure is logged (its type only, never parameters)."""
    try:
        await work()
    except Exception as exc:  # the answer is gone: log and keep serving
        log.warning("recovery work failed after the answer", extra={"action": action, "error": type(exc).__name__})


async def sign_in(
    *, ctx: AuthPorts, username: str, password: str, request: RequestContext, device_token: str | None = None
) -> TokenPair:
    """OAuth2 password grant (R-AUTH-3, R-AUTH-5); delegates then pass MFA or a remembered device (R-DEL-5/6)."""
    now = ctx.clock.now()
    ctx.hasher.check_capacity()  # a full hash pool answers 429 before any database work
    async with ctx.uow() as uow:
        found = await uow.users.get_by_username(username)
    # The hashes are checked with no connection held: a sign-in waiting for the hash pool must not hold one of the
    # pool's database connections (under a sign-in flood that starved every other request; docs/benchmarks.md).
    # Hash work is the same whether or not the user exists (no enumeration by timing).
    password_ok = await ctx.hasher.verify(password, found.password_hash if found else None)
    temporary_ok = False
    if (
        found
        and not password_ok
        and found.temp_password_hash
        and found.temp_password_expires_at
        and found.temp_password_expires_at > now
    ):
        temporary_ok = await ctx.hasher.verify(password, found.temp_password_hash)

    async with ctx.uow() as uow:
        user = await uow.users.get_for_update(found.id) if found else None
        if user is None:
            await _unknown_username_fails(ctx, uow, username, request)
        assert found is not None
        if (user.password_hash, user.temp_password_hash) != (found.password_hash, found.temp_password_hash):
            password_ok = temporary_ok = False  # the password changed while it was being checked: not this one
        state = state_of(user)
        policy = lockout_for(ctx, Role(user.role))
        try:
            outcome = decide_sign_in(state, password_ok=password_ok, temporary_ok=temporary_ok, now=now, policy=policy)
        except DomainError as exc:
            locked_before = user.locked_at
            apply_state(user, state)
            if isinstance(exc, AccountLocked) and user.locked_at != locked_before:  # this failure locked it
                audit.record(
                    uow,
                    now=now,
                    request=request,
                    action="auth.account_locked",
                    actor_user_id=user.id,
                    actor_username=user.username,
                    target_type="user",
                    target_id=user.id,
                    details={"failed_sign_ins": state.failed_sign_ins},
                )
            audit.record(
                uow,
                now=now,
                request=request,
                action="auth.sign_in",
                outcome="failure",
                actor_user_id=user.id,
                actor_username=username[:64],
                details={"reason": exc.code},
            )
            await uow.commit()
            raise
        apply_state(user, state)
        if user.role == Role.delegate.value:
            try:
                pair = await delegate_second_factor(ctx, uow, user, device_token=device_token, request=request)
            finally:
                await uow.commit()  # the reset counter and the MFA challenge are kept either way
            return pair
        pair = await open_session(ctx, uow, user, request)
        audit.record(
            uow,
            now=now,
            request=request,
            action="auth.sign_in",
            actor_user_id=user.id,
            actor_username=user.username,
            details={"temporary_password": outcome is SignInOutcome.ok_temporary},
        )
        await uow.commit()
        return pair


async def _unknown_username_fails(ctx: AuthPorts, uow: UnitOfWork, username: str, request: RequestContext) -> NoReturn:
    """A user name without an account fails exactly like a producer's wrong password (issue 12, #5):
    401, 401, then 423 from the third failure on, counted per submitted name (R-AUTH-2: as typed)."""
    now = ctx.clock.now()
    row = await uow.users.sign_in_failure_for_update(ctx.tokens.hash_secret(username), now)
    state = SignInState.for_unknown_username(row.failed_sign_ins, row.locked_at)
    try:
        decide_sign_in(state, password_ok=False, temporary_ok=False, now=now, policy=ctx.producer_lockout)
    except DomainError as exc:
        row.failed_sign_ins, row.locked_at, row.last_failed_at = state.failed_sign_ins, state.locked_at, now
        audit.record(
            uow,
            now=now,
            request=request,
            action="auth.sign_in",
            outcome="failure",
            actor_username=username[:64],
            details={"reason": exc.code, "unknown_username": True},
        )
        await uow.commit()
        raise
    raise AssertionError("a user name without an account cannot sign in")


def successor_refresh_token(ctx: AuthPorts, token_hash: str) -> str:
    """R-AUTH-9: the refresh token that replaces the one stored as `token_hash`.

    Derived with the server's secret key instead of drawn at random, so a second presentation of the same
    token a moment later (two tabs refreshing at once) can be answered with the very same successor although
    only hashes are stored. Unpredictable without PORTAL_SECRET_KEY, like every token the service signs.
    """
    digest = hmac.new(
        ctx.settings.secret_key.encode(), b"refresh-successor/v1:" + token_hash.encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def refresh(*, ctx: AuthPorts, refresh_token: str, request: RequestContext) -> TokenPair:
    """Rotate a refresh token; a token used twice revokes its whole family (R-AUTH-9)."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        found = await uow.refresh_tokens.get_by_hash_for_update(ctx.tokens.hash_secret(refresh_token))
        if found is None:
            raise AuthenticationFailed(INVALID_REFRESH, code="invalid_refresh_token")
        token, session = found
        if session.revoked_at is not None:
            raise AuthenticationFailed(INVALID_REFRESH, code="invalid_refresh_token")
        user = await uow.users.get(session.user_id)
        if token.used_at is not None:
            pair = await _concurrent_refresh(ctx, uow, token, session, user, request)
            if pair is not None:
                return pair
            session.revoked_at, session.revoked_reason = now, "refresh_reuse"
            audit.record(
                uow,
                now=now,
                request=request,
                action="auth.refresh_reuse_detected",
                outcome="failure",
                actor_user_id=session.user_id,
                actor_username=user.username if user else None,
                target_type="session",
                target_id=session.id,
            )
            await uow.commit()
            raise AuthenticationFailed(
                "This refresh token was already used; every session it belongs to has been signed out.",
                code="refresh_token_reused",
            )
        if token.expires_at <= now or session.expires_at <= now:
            raise AuthenticationFailed("The session has expired. Sign in again.", code="session_expired")
        if user is None or user.status != AccountStatus.active.value:
            raise AuthenticationFailed(INVALID_REFRESH, code="invalid_refresh_token")
        token.used_at = now
        new_refresh = successor_refresh_token(ctx, token.token_hash)
        uow.refresh_tokens.add(
            RefreshToken(
                session_id=session.id,
                token_hash=ctx.tokens.hash_secret(new_refresh),
                issued_at=now,
                expires_at=session.expires_at,
            )
        )
        access = ctx.tokens.issue_access(user_id=user.id, session_id=session.id, role=user.role, now=now)
        audit.record(
            uow,
            now=now,
            request=request,
            action="auth.refresh",
            actor_user_id=user.id,
            actor_username=user.username,
            target_type="session",
            target_id=session.id,
        )
        await uow.commit()
        return TokenPair(access, new_refresh, ctx.tokens.access_seconds, user.must_change_password)


async def _concurrent_refresh(
    ctx: AuthPorts,
    uow: UnitOfWork,
    token: RefreshToken,
    session: AuthSession,
    user: User | None,
    request: RequestContext,
) -> TokenPair | None:
    """R-AUTH-9, two tabs (issue 12, #11): a used token presented again within the grace window while its
    successor is still unused gets that successor back (and a fresh access token); None means reuse."""
    now = ctx.clock.now()
    grace = timedelta(seconds=ctx.settings.refresh_reuse_grace_seconds)
    assert token.used_at is not None
    if not (token.used_at <= now <= token.used_at + grace):
        return None
    if user is None or user.status != AccountStatus.active.value or session.expires_at <= now:
        return None
    successor = successor_refresh_token(ctx, token.token_hash)
    found = await uow.refresh_tokens.get_by_hash_for_update(ctx.tokens.hash_secret(successor))
    if found is None or found[1].id != session.id or found[0].used_at is not None or found[0].expires_at <= now:
        return None
    access = ctx.tokens.issue_access(user_id=user.id, session_id=session.id, role=user.role, now=now)
    audit.record(
        uow,
        now=now,
        request=request,
        action="auth.refresh",
        actor_user_id=user.id,
        actor_username=user.username,
        target_type="session",
        target_id=session.id,
        details={"concurrent": True},
    )
    await uow.commit()
    return TokenPair(access, successor, ctx.tokens.access_seconds, user.must_change_password)


async def logout(
    *, ctx: AuthPorts, principal: Principal | None, refresh_token: str | None, request: RequestContext
) -> None:
    """Revoke the caller's session (by access token) or the refresh token's family (R-AUTH-9)."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        session: AuthSession | None = None
        if principal is not None:
            session = await uow.auth_sessions.get(principal.session_id)
        elif refresh_token:
            found = await uow.refresh_tokens.get_by_hash_for_update(ctx.tokens.hash_secret(refresh_token))
            session = found[1] if found else None
        if session is None:
            if principal is None:
                raise AuthenticationFailed(
                    "Send the bearer token or the refresh token of the session to end.", code="invalid_refresh_token"
                )
            return
        if session.revoked_at is None:
            session.revoked_at, session.revoked_reason = now, "logout"
        await uow.refresh_tokens.mark_all_used(session.id, now)
        audit.record(
            uow,
            now=now,
            request=request,
            action="auth.logout",
            actor_user_id=session.user_id,
            actor_username=principal.username if principal else None,
            target_type="session",
            target_id=session.id,
        )
        await uow.commit()


async def forgot_username(*, ctx: AuthPorts, email: str, agent_unique_id: str | None, request: RequestContext) -> None:
    """R-AUTH-4 / R-DEL-7: email the user names linked to the address. Runs after the answer (`after_answer`)."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        if agent_unique_id:
            names = await uow.users.usernames_for_producer(agent_unique_id=agent_unique_id, email=email)
        else:
            names = await uow.users.usernames_for_delegate_email(email)
        if names:
            # R-DEL-7: delegates use the Producer Experience Portal: its wording and its help desk
            message = (
                messages.usernames_reminder(names) if agent_unique_id else messages.delegate_username_reminder(names)
            )
            ctx.outbox.enqueue_email(uow, to=email, message=message)
        audit.record(
            uow,
            now=now,
            request=request,
            action="auth.forgot_username",
            outcome="success" if names else "no_match",
            details={"kind": "producer" if agent_unique_id else "delegate"},
        )
        await uow.commit()


async def reset_password(
    *, ctx: AuthPorts, username: str, email: str | None, agent_unique_id: str | None, request: RequestContext
) -> None:
    """R-AUTH-5: email a temporary password; unlocks the account (R-AUTH-3). Runs after the answer."""
    now = ctx.clock.now()
    policy = ctx.producer_password_policy
    temp = generate_temporary_password(policy)
    # Hashed either way (and before the transaction: no connection is held while the hash pool works).
    temp_hash = await ctx.hasher.hash(temp)
    async with ctx.uow() as uow:
        user = await uow.users.get_by_username_for_update(username)
        send_to: str | None = None
        if user is not None and user.role == Role.producer.value:
            regs = await uow.state_registrations.for_user(user.id)
            if email:
                send_to = next((r.email for r in regs if r.email.lower() == email.lower()), None)
            elif agent_unique_id:
                send_to = next((r.email for r in regs if r.agent_unique_id == agent_unique_id), None)
        if user is not None and send_to:
            user.temp_password_hash = temp_hash
            user.temp_password_expires_at = temporary_password_expiry(now, ctx.settings.temporary_password_minutes)
            state = state_of(user)
            if state.locked_at is not None:
                audit.record(
                    uow,
                    now=now,
                    request=request,
                    action="auth.account_unlocked",
                    actor_user_id=user.id,
                    actor_username=user.username,
                    target_type="user",
                    target_id=user.id,
                    details={"by": "password_reset"},
                )
            state.unlock()
            apply_state(user, state)
            ctx.outbox.enqueue_email(
                uow, to=send_to, message=messages.temporary_password(temp, ctx.settings.temporary_password_minutes)
            )
        audit.record(
            uow,
            now=now,
            request=request,
            action="auth.password_reset_requested",
            outcome="success" if send_to else "no_match",
            actor_user_id=user.id if (user and send_to) else None,
            actor_username=username[:64],
        )
        await uow.commit()
