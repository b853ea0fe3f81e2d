"""Delegates: producers add, list and remove them; delegates verify email, set passwords and pass MFA.

R-DEL-1 .. R-DEL-8. Every step is audit-logged (R-AUTH-10); every secret is stored only as a hash.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from app.domain import messages
from app.domain.accounts import AccountStatus, Principal, Role, normalize_phone
from app.domain.delegates import (
    MfaRequired,
    OtpChannel,
    OtpPurpose,
    OtpRejected,
    OtpState,
    check_delegate_states,
    check_new_delegate,
    check_send_allowed,
    code_request_wait,
    generate_otp,
    mask_email,
    mask_phone,
    normalize_otp,
    reused_password_error,
)
from app.domain.errors import AuthenticationFailed, Conflict, NotFound, TooManyRequests, ValidationFailed
from app.ports import HasClock, HasHasher, HasOutbox, HasPasswordPolicies, HasSettings, HasTokens, HasUnitOfWork
from app.repositories.orm import (
    EmailVerification,
    MfaChallenge,
    OtpCode,
    PasswordHistory,
    RememberedDevice,
    User,
)
from app.repositories.uow import UnitOfWork
from app.security import new_opaque_token
from app.services import audit
from app.services.audit import RequestContext
from app.services.sessions import SessionPorts, TokenPair, check_current_password_attempt, open_session


class DelegatePorts(
    SessionPorts, HasUnitOfWork, HasClock, HasSettings, HasHasher, HasTokens, HasOutbox, HasPasswordPolicies, Protocol
):
    """What the delegate services use (and the session helpers they call)."""


USERNAME_TAKEN = "This username is already in use (by a producer or a delegate). Choose another."
MFA_EXPIRED = "This verification step has expired. Sign in again with your username and password."
# POST /auth/password: one answer for every code that does not work, whether or not the delegate exists.
OTP_NOT_ACCEPTED = (
    "The verification code is not correct, has expired or was already used. Check it, or request a new code."
)


@dataclass(frozen=True)
class DelegateInput:
    username: str
    email: str
    first_name: str
    last_name: str
    mobile_number: str
    states: list[str]


@dataclass(frozen=True)
class DelegateView:
    user: User
    states: list[str]


def _audit(
    uow: UnitOfWork,
    ctx: DelegatePorts,
    request: RequestContext,
    action: str,
    user: User | None,
    *,
    outcome: str = "success",
    actor: Principal | None = None,
    **details: object,
) -> None:
    audit.record(
        uow,
        now=ctx.clock.now(),
        request=request,
        action=action,
        outcome=outcome,
        actor_user_id=actor.user_id if actor else (user.id if user else None),
        actor_username=actor.username if actor else (user.username if user else None),
        target_type="user" if user else None,
        target_id=user.id if user else None,
        details=details or None,
    )


# --- producers manage delegates (R-DEL-1, R-DEL-2, R-DEL-8) ------------------------------------------


async def create_delegate(
    *, ctx: DelegatePorts, producer: Principal, data: DelegateInput, request: RequestContext
) -> DelegateView:
    """R-DEL-1/2: add a delegate and email the username with a 7-day, single-use verification link."""
    check_new_delegate(username=data.username, mobile_number=data.mobile_number)
    now = ctx.clock.now()
    # The password stays unusable until the delegate creates one through an OTP (R-DEL-3).
    unusable = await ctx.hasher.hash(new_opaque_token())
    async with ctx.uow() as uow:
        states = check_delegate_states(data.states, await uow.delegates.producer_active_states(producer.user_id))
        if await uow.users.username_taken(data.username):
            raise Conflict(USERNAME_TAKEN, code="delegate.username_taken", field="username")
        user = uow.users.add(
            User(
                role=Role.delegate.value,
                username=data.username,
                password_hash=unusable,
                first_name=data.first_name,
                last_name=data.last_name,
                email=data.email,
                status=AccountStatus.active.value,
                failed_sign_ins=0,
                must_change_password=False,
                created_at=now,
                updated_at=now,
                producer_id=producer.user_id,
                mobile_number=normalize_phone(data.mobile_number),
                activated_at=now,
            )
        )
        await uow.flush()
        for state in states:
            uow.delegates.add_state(user.id, state)
        token = new_opaque_token()
        days = ctx.settings.email_verification_days
        uow.email_verifications.add(
            EmailVerification(
                user_id=user.id,
                token_hash=ctx.tokens.hash_secret(token),
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
        )
        link = ctx.settings.delegate_verify_link(token)
        ctx.outbox.enqueue_email(
            uow,
            to=data.email,
            message=messages.delegate_welcome(
                data.first_name, f"{producer.first_name} {producer.last_name}", data.username, link, days
            ),
        )
        _audit(uow, ctx, request, "delegate.created", user, actor=producer, states=states)
        await uow.commit()
        return DelegateView(user, states)


async def list_delegates(
    *, ctx: DelegatePorts, producer: Principal, page: int, page_size: int
) -> tuple[list[DelegateView], int]:
    async with ctx.uow() as uow:
        users, total = await uow.delegates.list_for_producer(producer.user_id, page=page, page_size=page_size)
        states = await uow.delegates.states_for([u.id for u in users])
        return [DelegateView(u, states[u.id]) for u in users], total


async def get_delegate(*, ctx: DelegatePorts, producer: Principal, delegate_id: int) -> DelegateView:
    async with ctx.uow() as uow:
        user = await uow.delegates.get_for_producer(delegate_id, producer.user_id)
        if user is None:
            raise NotFound(f"Delegate {delegate_id} not found.")
        return DelegateView(user, (await uow.delegates.states_for([user.id]))[user.id])


async def remove_delegate(
    *, ctx: DelegatePorts, producer: Principal, delegate_id: int, request: RequestContext
) -> None:
    """R-DEL-8: remove; the delegate's sessions and remembered devices end at once."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await uow.delegates.get_for_producer(delegate_id, producer.user_id, for_update=True)
        if user is None:
            raise NotFound(f"Delegate {delegate_id} not found.")
        user.status, user.removed_at, user.updated_at = AccountStatus.inactive.value, now, now
        sessions = await uow.auth_sessions.revoke_all_for_user(user.id, now=now, reason="delegate_removed")
        devices = await uow.devices.revoke_all(user.id, now)
        _audit(
            uow,
            ctx,
            request,
            "delegate.removed",
            user,
            actor=producer,
            sessions_revoked=sessions,
            devices_revoked=devices,
        )
        await uow.commit()


# --- the delegate's own steps (R-DEL-2 .. R-DEL-7) ---------------------------------------------------------


async def verify_email(*, ctx: DelegatePorts, token: str, request: RequestContext) -> User:
    """R-DEL-2: the link works once, for 7 days."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        link = await uow.email_verifications.get_by_hash_for_update(ctx.tokens.hash_secret(token))
        user = await uow.users.get(link.user_id) if link else None
        if link is None or user is None or user.removed_at is not None:
            raise ValidationFailed(
                "This verification link is not valid. Ask your producer to add you again.",
                code="email_verification.invalid",
                field="token",
            )
        if link.used_at is not None:
            raise ValidationFailed(
                "This verification link was already used. Sign in, or use Forgot Password.",
                code="email_verification.used",
                field="token",
            )
        if link.expires_at <= now:
            _audit(uow, ctx, request, "delegate.email_verification", user, outcome="failure", reason="expired")
            await uow.commit()
            raise ValidationFailed(
                "This verification link has expired (links last "
                f"{ctx.settings.email_verification_days} days). Ask your producer to resend it.",
                code="email_verification.expired",
                field="token",
            )
        link.used_at = now
        user.email_verified_at = user.email_verified_at or now
        _audit(uow, ctx, request, "delegate.email_verified", user)
        await uow.commit()
        return user


async def _send_code(
    ctx: DelegatePorts,
    uow: UnitOfWork,
    user: User,
    *,
    purpose: OtpPurpose,
    channel: OtpChannel,
    challenge_id: int | None,
    request: RequestContext,
) -> int:
    """Send a fresh OTP unless throttled; returns 0 when sent, else the seconds to wait."""
    now = ctx.clock.now()
    # The re-send interval within this flow (purpose and challenge); the hourly cap over every flow (R-DEL-3/6).
    sent, last = await uow.otp_codes.sends_since(
        user.id, now - timedelta(hours=1), purpose=purpose.value, challenge_id=challenge_id
    )
    wait = check_send_allowed(
        sent_last_hour=sent,
        last_sent_at=last,
        now=now,
        max_per_hour=ctx.settings.otp_max_sends_per_hour,
        min_interval_seconds=ctx.settings.otp_min_resend_seconds,
    )
    if wait:
        _audit(
            uow,
            ctx,
            request,
            "otp.send_throttled",
            user,
            outcome="failure",
            channel=channel.value,
            purpose=purpose.value,
        )
        return wait
    if channel is OtpChannel.sms and not user.mobile_number:
        raise ValidationFailed(
            "There is no mobile number on this account; choose email.", code="otp.no_mobile", field="channel"
        )
    await uow.otp_codes.supersede(user.id, purpose.value, now)
    code = generate_otp(ctx.settings.otp_length)
    uow.otp_codes.add(
        OtpCode(
            user_id=user.id,
            purpose=purpose.value,
            challenge_id=challenge_id,
            channel=channel.value,
            code_hash=ctx.tokens.hash_secret(code),
            attempts=0,
            created_at=now,
            expires_at=now + timedelta(minutes=ctx.settings.otp_minutes),
        )
    )
    if channel is OtpChannel.email:
        ctx.outbox.enqueue_email(
            uow, to=user.email or "", message=messages.verification_code(code, ctx.settings.otp_minutes)
        )
    else:
        ctx.outbox.enqueue_sms(
            uow, to=user.mobile_number or "", body=messages.verification_code_sms(code), template="verification_code"
        )
    _audit(uow, ctx, request, "otp.sent", user, channel=channel.value, purpose=purpose.value)
    return 0


async def _check_code(
    ctx: DelegatePorts, uow: UnitOfWork, user: User, *, purpose: OtpPurpose, code: str, challenge_id: int | None
) -> None:
    row = await uow.otp_codes.latest_live(user.id, purpose.value, challenge_id)
    if row is None:
        raise OtpRejected("There is no active code for this request. Request a new code.", code="otp.none")
    state = OtpState(expires_at=row.expires_at, attempts=row.attempts, used_at=row.used_at)
    try:
        state.verify(
            matches=ctx.tokens.matches(normalize_otp(code), row.code_hash),
            now=ctx.clock.now(),
            max_attempts=ctx.settings.otp_max_attempts,
        )
    finally:
        row.attempts, row.used_at = state.attempts, state.used_at


OTP_REQUEST_THROTTLED = (
    "A code was requested for this username a moment ago. Check your email or texts, or ask again in {wait} seconds."
)
OTP_REQUEST_CAPPED = (
    "Too many codes were requested for this username in the last hour. Ask again in {minutes} minutes, or call the "
    "Internet Help Desk at 1-888-706-0583."
)


async def admit_password_code_request(*, ctx: DelegatePorts, username: str, request: RequestContext) -> None:
    """R-DEL-3 / R-DEL-7: count a `POST /auth/otp` for `username`, or answer 429 with the seconds to wait.

    Throttled by the user name as submitted (a keyed hash), never by the account: the account is not looked up
    here (that happens after the answer), so a known and an unknown name get the same 202 or the same 429 after
    the same work (one read, one write, one commit). Same limits as the codes themselves: one request per
    PORTAL_OTP_MIN_RESEND_SECONDS, PORTAL_OTP_MAX_SENDS_PER_HOUR per hour.
    """
    now = ctx.clock.now()
    key = ctx.tokens.hash_secret("otp-request:" + username)
    hour_ago = now - timedelta(hours=1)
    async with ctx.uow() as uow:
        times = await uow.otp_requests.times_since(key, hour_ago)
        wait, reason = code_request_wait(
            requests_in_hour=times,
            now=now,
            max_per_hour=ctx.settings.otp_max_sends_per_hour,
            min_interval_seconds=ctx.settings.otp_min_resend_seconds,
        )
        if wait:
            audit.record(
                uow,
                now=now,
                request=request,
                action="otp.request_throttled",
                outcome="failure",
                actor_username=username[:64],
                details={"retry_after": wait, "reason": reason},
            )
            await uow.commit()
            message = (
                OTP_REQUEST_THROTTLED.format(wait=wait)
                if reason == "interval"
                else OTP_REQUEST_CAPPED.format(minutes=-(-wait // 60))
            )
            raise TooManyRequests(message, code="otp.request_throttled", retry_after=wait)
        await uow.otp_requests.record(key, now, keep_since=hour_ago)
        await uow.commit()


async def request_password_code(
    *, ctx: DelegatePorts, username: str, channel: OtpChannel, request: RequestContext
) -> None:
    """R-DEL-3 / R-DEL-7: send a code for creating or resetting a password. Same answer either way."""
    async with ctx.uow() as uow:
        user = await uow.delegates.get_active_delegate_by_username(username)
        if user is None or user.email_verified_at is None:
            audit.record(
                uow,
                now=ctx.clock.now(),
                request=request,
                action="otp.requested",
                outcome="no_match",
                actor_username=username[:64],
                details={"channel": channel.value},
            )
            await uow.commit()
            return
        try:
            await _send_code(
                ctx, uow, user, purpose=OtpPurpose.password, channel=channel, challenge_id=None, request=request
            )
        except ValidationFailed:
            # no mobile number: answer like any other request (no account details leak)
            _audit(uow, ctx, request, "otp.requested", user, outcome="failure", reason="no_mobile")
        await uow.commit()


async def _check_new_password(
    ctx: DelegatePorts, uow: UnitOfWork, user: User, new_password: str, field: str = "new_password"
) -> str:
    """R-DEL-4: policy plus "not any of the 10 previously used passwords"; returns the new hash."""
    ctx.delegate_password_policy.check(new_password, user.username, field)
    history = ctx.settings.delegate_password_history
    for old in await uow.password_history.recent_hashes(user.id, history):
        if await ctx.hasher.verify(new_password, old):
            raise reused_password_error(history, field)
    return await ctx.hasher.hash(new_password)


async def store_delegate_password(
    ctx: DelegatePorts, uow: UnitOfWork, user: User, new_hash: str, request: RequestContext
) -> None:
    """Apply a new delegate password: history, unlock, end sessions and devices, confirmation email."""
    now = ctx.clock.now()
    user.password_hash, user.password_changed_at, user.updated_at = new_hash, now, now
    user.failed_sign_ins, user.locked_at, user.must_change_password = 0, None, False
    uow.password_history.add(PasswordHistory(user_id=user.id, password_hash=new_hash, created_at=now))
    sessions = await uow.auth_sessions.revoke_all_for_user(user.id, now=now, reason="password_changed")
    devices = await uow.devices.revoke_all(user.id, now)
    ctx.outbox.enqueue_email(uow, to=user.email or "", message=messages.password_updated(user.first_name))
    _audit(uow, ctx, request, "auth.password_changed", user, sessions_revoked=sessions, devices_revoked=devices)


async def _otp_not_accepted(ctx: DelegatePorts, started: float) -> OtpRejected:
    """Issue 12, #5: the one answer of POST /auth/password to a code that does not work, never sooner than the
    floor, so neither the answer nor its timing tells an unknown user name from a wrong, expired or burned code."""
    await asyncio.sleep(max(0.0, ctx.settings.otp_failure_floor_seconds - (time.monotonic() - started)))
    return OtpRejected(OTP_NOT_ACCEPTED, code="otp.invalid", field="code")


async def set_password(
    *, ctx: DelegatePorts, username: str, code: str, new_password: str, request: RequestContext
) -> None:
    """R-DEL-3 / R-DEL-7: OTP + new password (R-DEL-4). A code that does not work answers like no account."""
    started = time.monotonic()
    async with ctx.uow() as uow:
        user = await uow.delegates.get_active_delegate_by_username(username)
        if user is None or user.email_verified_at is None:
            # the same work as a wrong code (a look-up, an audit row, a commit), then the same answer
            audit.record(
                uow,
                now=ctx.clock.now(),
                request=request,
                action="otp.rejected",
                outcome="no_match",
                actor_username=username[:64],
                details={"reason": "otp.none"},
            )
            await uow.commit()
            raise await _otp_not_accepted(ctx, started)
        try:
            await _check_code(ctx, uow, user, purpose=OtpPurpose.password, code=code, challenge_id=None)
        except OtpRejected as exc:
            _audit(uow, ctx, request, "otp.rejected", user, outcome="failure", reason=exc.code)
            await uow.commit()  # keep the wrong-try count
            raise await _otp_not_accepted(ctx, started) from exc
        new_hash = await _check_new_password(ctx, uow, user, new_password)
        await store_delegate_password(ctx, uow, user, new_hash, request)
        await uow.commit()


async def change_own_password(
    *, ctx: DelegatePorts, principal: Principal, current: str, new: str, confirmation: str, request: RequestContext
) -> None:
    """PUT /me/password for a signed-in delegate: R-DEL-4 rules, history and the confirmation email.

    A wrong current password counts toward the R-DEL-5 lockout and is audited (issue 12, #6)."""
    async with ctx.uow() as uow:
        seen = await uow.users.get(principal.user_id)
    if seen is None:
        raise NotFound("Account not found.")
    current_ok = await ctx.hasher.verify(current, seen.password_hash)  # no connection held while hashing
    await check_current_password_attempt(ctx, seen=seen, current_ok=current_ok, request=request)
    if not current_ok:
        raise ValidationFailed(
            "The current password is not correct.", code="password.current_wrong", field="current_password"
        )
    async with ctx.uow() as uow:
        user = await uow.users.get_for_update(principal.user_id)
        if user is None:
            raise NotFound("Account not found.")
        if new != confirmation:
            raise ValidationFailed(
                "The new passwords do not match.", code="password.mismatch", field="new_password_confirmation"
            )
        new_hash = await _check_new_password(ctx, uow, user, new)
        await store_delegate_password(ctx, uow, user, new_hash, request)
        await uow.commit()


# --- MFA at sign-in (R-DEL-6) ----------------------------------------------------------------------------


async def delegate_second_factor(
    ctx: DelegatePorts, uow: UnitOfWork, user: User, *, device_token: str | None, request: RequestContext
) -> TokenPair:
    """After a right password: a remembered device signs in; otherwise an MFA challenge (401)."""
    now = ctx.clock.now()
    if device_token:
        device = await uow.devices.get_live(user.id, ctx.tokens.hash_secret(device_token), now)
        if device is not None:
            device.last_used_at = now
            pair = await open_session(ctx, uow, user, request)
            _audit(uow, ctx, request, "auth.sign_in", user, remembered_device=True)
            return pair
    token = new_opaque_token()
    uow.mfa_challenges.add(
        MfaChallenge(
            user_id=user.id,
            token_hash=ctx.tokens.hash_secret(token),
            created_at=now,
            expires_at=now + timedelta(minutes=ctx.settings.mfa_challenge_minutes),
        )
    )
    _audit(uow, ctx, request, "auth.mfa_challenge", user)
    channels = ["email"] + (["sms"] if user.mobile_number else [])
    raise MfaRequired(
        "Verify your account: ask for a verification code by email or text, then enter it.",
        extra={
            "mfa_token": token,
            "channels": channels,
            "destinations": {
                "email": mask_email(user.email or ""),
                **({"sms": mask_phone(user.mobile_number)} if user.mobile_number else {}),
            },
            "expires_in": ctx.settings.mfa_challenge_minutes * 60,
        },
    )


async def _load_challenge(ctx: DelegatePorts, uow: UnitOfWork, mfa_token: str) -> tuple[MfaChallenge, User]:
    challenge = await uow.mfa_challenges.get_by_hash_for_update(ctx.tokens.hash_secret(mfa_token))
    if challenge is None or challenge.used_at is not None or challenge.expires_at <= ctx.clock.now():
        raise AuthenticationFailed(MFA_EXPIRED, code="mfa_token_invalid")
    user = await uow.users.get(challenge.user_id)
    if user is None or user.removed_at is not None or user.status != AccountStatus.active.value:
        raise AuthenticationFailed(MFA_EXPIRED, code="mfa_token_invalid")
    return challenge, user


async def send_mfa_code(*, ctx: DelegatePorts, mfa_token: str, channel: OtpChannel, request: RequestContext) -> None:
    async with ctx.uow() as uow:
        challenge, user = await _load_challenge(ctx, uow, mfa_token)
        wait = await _send_code(
            ctx, uow, user, purpose=OtpPurpose.sign_in, channel=channel, challenge_id=challenge.id, request=request
        )
        await uow.commit()
    if wait:
        raise TooManyRequests(
            f"A code was sent recently. You can request another in {wait} seconds.",
            code="otp.send_throttled",
            retry_after=wait,
        )


async def verify_mfa(
    *, ctx: DelegatePorts, mfa_token: str, code: str, remember_device: bool, request: RequestContext
) -> tuple[TokenPair, str | None]:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        challenge, user = await _load_challenge(ctx, uow, mfa_token)
        try:
            await _check_code(ctx, uow, user, purpose=OtpPurpose.sign_in, code=code, challenge_id=challenge.id)
        except OtpRejected as exc:
            _audit(uow, ctx, request, "auth.mfa_verify", user, outcome="failure", reason=exc.code)
            await uow.commit()
            raise AuthenticationFailed(exc.message, code=exc.code) from exc
        challenge.used_at = now
        device_token = None
        if remember_device:
            device_token = new_opaque_token()
            uow.devices.add(
                RememberedDevice(
                    user_id=user.id,
                    token_hash=ctx.tokens.hash_secret(device_token),
                    created_at=now,
                    expires_at=now + timedelta(days=ctx.settings.remembered_device_days),
                    user_agent=request.user_agent,
                )
            )
        pair = await open_session(ctx, uow, user, request)
        _audit(uow, ctx, request, "auth.sign_in", user, mfa=True, remembered_device_added=remember_device)
        await uow.commit()
        return pair, device_token


def registration_status(user: User, now: datetime) -> str:
    """What the producer's "My Delegates" list shows."""
    if user.removed_at is not None:
        return "removed"
    if user.email_verified_at is None:
        return "email_not_verified"
    if user.password_changed_at is None:
        return "password_not_created"
    return "active"
