"""Delegate flows on the fake unit of work (R-DEL-1 .. R-DEL-8): invite, verify, OTP, password, MFA, lockout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.domain.accounts import Principal
from app.domain.delegates import MfaRequired, OtpChannel, OtpRejected
from app.domain.errors import AccountLocked, AuthenticationFailed, Conflict, ValidationFailed
from app.repositories.orm import (
    AuditEvent,
    AuthSession,
    DelegateState,
    EmailVerification,
    OtpCode,
    OutboxMessage,
    PasswordHistory,
    RememberedDevice,
    User,
)
from app.services import auth, delegates
from app.services.delegates import DelegateInput
from tests.fakes import START, FakeStore
from tests.unit.services.book import REQUEST, producer

USERNAME = "assist01"
PASSWORD = "Garden42x"


def invite(**kw: object) -> DelegateInput:
    args: dict[str, object] = dict(
        username=USERNAME,
        email="assist@example.com",
        first_name="Alex",
        last_name="Assist",
        mobile_number="(312) 555-0177",
        states=["IL"],
    )
    args.update(kw)
    return DelegateInput(**args)  # type: ignore[arg-type]


def last_message(store: FakeStore, template: str) -> OutboxMessage:
    return [m for m in store.rows(OutboxMessage) if m.template == template][-1]


def code_in(message: OutboxMessage) -> str:
    found = re.search(r"verification code is ([A-Z0-9]{8})", message.body)
    assert found, message.body
    return found.group(1)


@pytest.fixture
def agent(store: FakeStore) -> Principal:
    return producer(store, states=("IL", "TX"))


async def add_delegate(ctx, store, agent) -> User:  # type: ignore[no-untyped-def]
    view = await delegates.create_delegate(ctx=ctx, producer=agent, data=invite(), request=REQUEST)
    return store.one(User, id=view.user.id)


async def verified_with_password(ctx, store, agent) -> User:  # type: ignore[no-untyped-def]
    """A delegate through R-DEL-2 and R-DEL-3: email confirmed, password created by email OTP."""
    user = await add_delegate(ctx, store, agent)
    token = last_message(store, "delegate_welcome").body.split("token=")[1].split()[0]
    await delegates.verify_email(ctx=ctx, token=token, request=REQUEST)
    await delegates.request_password_code(ctx=ctx, username=USERNAME, channel=OtpChannel.email, request=REQUEST)
    code = code_in(last_message(store, "verification_code"))
    await delegates.set_password(ctx=ctx, username=USERNAME, code=code, new_password=PASSWORD, request=REQUEST)
    return store.one(User, id=user.id)


async def test_r_del_1_2_adding_stores_the_delegate_and_emails_a_single_use_link(ctx, store, agent) -> None:
    view = await delegates.create_delegate(ctx=ctx, producer=agent, data=invite(states=["TX", "IL"]), request=REQUEST)
    user = store.one(User, username=USERNAME)
    assert view.user.id == user.id and view.states == ["IL", "TX"]
    assert (user.role, user.producer_id, user.mobile_number, user.status) == (
        "delegate",
        agent.user_id,
        "3125550177",
        "active",
    )
    assert user.email_verified_at is None and user.password_changed_at is None
    assert sorted(s.state for s in store.rows(DelegateState, delegate_id=user.id)) == ["IL", "TX"]
    mail = last_message(store, "delegate_welcome")
    assert mail.to == "assist@example.com" and f"Username: {USERNAME}" in mail.body
    token = re.search(r"/delegate/verify-email\?token=(\S+)", mail.body).group(1)  # type: ignore[union-attr]
    link = store.one(EmailVerification, user_id=user.id)
    assert link.token_hash == ctx.tokens.hash_secret(token) and token not in link.token_hash  # stored hashed only
    assert link.expires_at == START + timedelta(days=7)
    assert store.one(AuditEvent, action="delegate.created").details == {"states": ["IL", "TX"]}


async def test_r_del_1_username_taken_and_states_outside_the_producers_refuse_without_writing(
    ctx, store, agent
) -> None:
    await add_delegate(ctx, store, agent)
    before = store.snapshot()
    with pytest.raises(Conflict) as caught:
        await delegates.create_delegate(ctx=ctx, producer=agent, data=invite(email="b@example.com"), request=REQUEST)
    assert caught.value.code == "delegate.username_taken"
    with pytest.raises(ValidationFailed) as caught:
        await delegates.create_delegate(
            ctx=ctx, producer=agent, data=invite(username="assist02", states=["CA"]), request=REQUEST
        )
    assert caught.value.code == "delegate.state_not_active"
    assert store.snapshot() == before


async def test_r_del_2_the_link_works_once_and_for_seven_days(ctx, store, clock, agent) -> None:
    user = await add_delegate(ctx, store, agent)
    token = last_message(store, "delegate_welcome").body.split("token=")[1].split()[0]
    clock.advance(days=6)
    verified = await delegates.verify_email(ctx=ctx, token=token, request=REQUEST)
    assert verified.id == user.id and store.one(User, id=user.id).email_verified_at == clock.now()
    with pytest.raises(ValidationFailed) as caught:
        await delegates.verify_email(ctx=ctx, token=token, request=REQUEST)
    assert caught.value.code == "email_verification.used"

    # a second delegate's link, a day too late: refused, and the failure is audited
    await delegates.create_delegate(
        ctx=ctx, producer=agent, data=invite(username="assist02", email="b@example.com"), request=REQUEST
    )
    late = last_message(store, "delegate_welcome").body.split("token=")[1].split()[0]
    clock.advance(days=7, seconds=1)
    with pytest.raises(ValidationFailed) as caught:
        await delegates.verify_email(ctx=ctx, token=late, request=REQUEST)
    assert caught.value.code == "email_verification.expired"
    assert store.one(User, username="assist02").email_verified_at is None
    assert store.one(AuditEvent, action="delegate.email_verification").outcome == "failure"


async def test_r_del_3_4_otp_then_password_wrong_tries_are_kept_and_the_code_is_single_use(ctx, store, agent) -> None:
    user = await add_delegate(ctx, store, agent)
    token = last_message(store, "delegate_welcome").body.split("token=")[1].split()[0]
    await delegates.verify_email(ctx=ctx, token=token, request=REQUEST)
    await delegates.request_password_code(ctx=ctx, username=USERNAME, channel=OtpChannel.sms, request=REQUEST)
    sms = last_message(store, "verification_code")
    assert sms.channel == "sms" and sms.to == "3125550177"
    code = re.search(r"is ([A-Z0-9]{8})$", sms.body).group(1)  # type: ignore[union-attr]
    otp = store.one(OtpCode, user_id=user.id)
    assert otp.code_hash == ctx.tokens.hash_secret(code) and otp.expires_at == START + timedelta(minutes=10)

    with pytest.raises(OtpRejected) as caught:
        await delegates.set_password(
            ctx=ctx, username=USERNAME, code="WRONG123", new_password=PASSWORD, request=REQUEST
        )
    assert caught.value.code == "otp.invalid"
    assert store.one(OtpCode, user_id=user.id).attempts == 1  # committed with the refusal
    assert store.one(User, id=user.id).password_changed_at is None

    with pytest.raises(ValidationFailed) as caught:  # R-DEL-4: the username inside the password
        await delegates.set_password(
            ctx=ctx, username=USERNAME, code=code, new_password=f"x{USERNAME}9", request=REQUEST
        )
    assert store.rows(PasswordHistory) == []

    await delegates.set_password(ctx=ctx, username=USERNAME, code=code, new_password=PASSWORD, request=REQUEST)
    stored = store.one(User, id=user.id)
    assert stored.password_changed_at == START and await ctx.hasher.verify(PASSWORD, stored.password_hash)
    assert [h.password_hash for h in store.rows(PasswordHistory, user_id=user.id)] == [stored.password_hash]
    assert last_message(store, "password_updated").to == "assist@example.com"
    with pytest.raises(OtpRejected):  # used
        await delegates.set_password(ctx=ctx, username=USERNAME, code=code, new_password="Other42xy", request=REQUEST)


async def test_r_del_3_an_unknown_or_unverified_user_gets_the_same_answer_and_no_code(ctx, store, agent) -> None:
    await add_delegate(ctx, store, agent)  # email not confirmed yet
    for name in (USERNAME, "nobody99"):
        await delegates.request_password_code(ctx=ctx, username=name, channel=OtpChannel.email, request=REQUEST)
        with pytest.raises(OtpRejected) as caught:
            await delegates.set_password(
                ctx=ctx, username=name, code="ABCD1234", new_password=PASSWORD, request=REQUEST
            )
        assert caught.value.code == "otp.invalid"
    assert store.rows(OtpCode) == []
    assert {e.outcome for e in store.rows(AuditEvent, action="otp.requested")} == {"no_match"}


async def test_r_del_6_mfa_after_the_password_and_a_remembered_device_skips_it(ctx, store, clock, agent) -> None:
    user = await verified_with_password(ctx, store, agent)
    clock.advance(seconds=ctx.settings.otp_min_resend_seconds)  # the password code went just now
    with pytest.raises(MfaRequired) as caught:
        await auth.sign_in(ctx=ctx, username=USERNAME, password=PASSWORD, request=REQUEST)
    extra = caught.value.extra
    assert extra["channels"] == ["email", "sms"] and store.rows(AuthSession) == []
    await delegates.send_mfa_code(ctx=ctx, mfa_token=extra["mfa_token"], channel=OtpChannel.email, request=REQUEST)
    code = code_in(last_message(store, "verification_code"))
    with pytest.raises(AuthenticationFailed):
        await delegates.verify_mfa(
            ctx=ctx, mfa_token=extra["mfa_token"], code="WRONG123", remember_device=True, request=REQUEST
        )
    pair, device = await delegates.verify_mfa(
        ctx=ctx, mfa_token=extra["mfa_token"], code=code.lower(), remember_device=True, request=REQUEST
    )
    assert pair.access_token and device is not None
    assert store.one(AuthSession).user_id == user.id
    remembered = store.one(RememberedDevice, user_id=user.id)
    assert remembered.token_hash == ctx.tokens.hash_secret(device)
    assert remembered.expires_at == clock.now() + timedelta(days=30)
    with pytest.raises(AuthenticationFailed):  # the challenge is used up
        await delegates.verify_mfa(
            ctx=ctx, mfa_token=extra["mfa_token"], code=code, remember_device=False, request=REQUEST
        )

    again = await auth.sign_in(ctx=ctx, username=USERNAME, password=PASSWORD, request=REQUEST, device_token=device)
    assert again.access_token and len(store.rows(AuthSession, user_id=user.id)) == 2


async def test_r_del_5_five_wrong_passwords_lock_for_thirty_minutes(ctx, store, clock, agent) -> None:
    user = await verified_with_password(ctx, store, agent)
    for attempt in range(1, 5):
        with pytest.raises(AuthenticationFailed):
            await auth.sign_in(ctx=ctx, username=USERNAME, password="Wrong4242", request=REQUEST)
        assert store.one(User, id=user.id).failed_sign_ins == attempt
    with pytest.raises(AccountLocked):
        await auth.sign_in(ctx=ctx, username=USERNAME, password="Wrong4242", request=REQUEST)
    assert store.one(User, id=user.id).locked_at == START
    assert store.one(AuditEvent, action="auth.account_locked").target_id == str(user.id)
    clock.advance(minutes=29)
    with pytest.raises(AccountLocked):  # the right password does not help while locked
        await auth.sign_in(ctx=ctx, username=USERNAME, password=PASSWORD, request=REQUEST)
    clock.advance(minutes=1, seconds=1)
    with pytest.raises(MfaRequired):  # unlocked by itself: on to the second factor
        await auth.sign_in(ctx=ctx, username=USERNAME, password=PASSWORD, request=REQUEST)
    unlocked = store.one(User, id=user.id)
    assert (unlocked.failed_sign_ins, unlocked.locked_at) == (0, None)


async def test_r_del_8_removing_ends_sessions_and_devices(ctx, store, clock, agent) -> None:
    user = await verified_with_password(ctx, store, agent)
    clock.advance(seconds=ctx.settings.otp_min_resend_seconds)
    with pytest.raises(MfaRequired) as caught:
        await auth.sign_in(ctx=ctx, username=USERNAME, password=PASSWORD, request=REQUEST)
    token = caught.value.extra["mfa_token"]
    await delegates.send_mfa_code(ctx=ctx, mfa_token=token, channel=OtpChannel.email, request=REQUEST)
    code = code_in(last_message(store, "verification_code"))
    await delegates.verify_mfa(ctx=ctx, mfa_token=token, code=code, remember_device=True, request=REQUEST)

    await delegates.remove_delegate(ctx=ctx, producer=agent, delegate_id=user.id, request=REQUEST)
    removed = store.one(User, id=user.id)
    now = clock.now()
    assert (removed.status, removed.removed_at) == ("inactive", now)
    assert [(s.revoked_at, s.revoked_reason) for s in store.rows(AuthSession)] == [(now, "delegate_removed")]
    assert [d.revoked_at for d in store.rows(RememberedDevice)] == [now]
    assert store.one(AuditEvent, action="delegate.removed").details == {"sessions_revoked": 1, "devices_revoked": 1}
    assert await delegates.list_delegates(ctx=ctx, producer=agent, page=1, page_size=10) == ([], 0)
