"""Delegate rules, pure: username, states, password policy, OTP life cycle, throttling, masking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.accounts import AccountStatus, LockoutPolicy, Role, SignInState, decide_sign_in
from app.domain.delegates import (
    OTP_ALPHABET,
    DelegatePasswordPolicy,
    OtpRejected,
    OtpState,
    check_delegate_states,
    check_delegate_username,
    check_send_allowed,
    code_request_wait,
    generate_otp,
    mask_email,
    mask_phone,
)
from app.domain.errors import AccountLocked, AuthenticationFailed, ValidationFailed
from app.domain.messages import delegate_username_reminder

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("name", ["jessassist", "Abc1234", "ABCDEFG"])
def test_r_del_1_username_seven_or_more_letters_and_digits(name: str) -> None:
    check_delegate_username(name)


@pytest.mark.parametrize("name", ["abc123", "jess.assist", "jess assist", "jess_assist", ""])
def test_r_del_1_bad_usernames_are_refused(name: str) -> None:
    with pytest.raises(ValidationFailed):
        check_delegate_username(name)


def test_r_del_1_states_are_a_subset_of_the_producers_active_states() -> None:
    assert check_delegate_states(["TX", "IL", "IL"], {"IL", "TX"}) == ["IL", "TX"]
    with pytest.raises(ValidationFailed) as e:
        check_delegate_states(["IL", "OK"], {"IL"})
    assert e.value.code == "delegate.state_not_active" and "OK" in e.value.message
    with pytest.raises(ValidationFailed):
        check_delegate_states([], {"IL"})


def test_r_del_3_otp_is_eight_uppercase_letters_and_digits() -> None:
    codes = {generate_otp() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 8 and set(c) <= set(OTP_ALPHABET) for c in codes)


def test_r_del_3_otp_single_use() -> None:
    otp = OtpState(expires_at=NOW + timedelta(minutes=10))
    otp.verify(matches=True, now=NOW, max_attempts=5)
    with pytest.raises(OtpRejected) as e:
        otp.verify(matches=True, now=NOW, max_attempts=5)
    assert e.value.code == "otp.used"


def test_r_del_3_otp_expires_after_ten_minutes() -> None:
    otp = OtpState(expires_at=NOW + timedelta(minutes=10))
    with pytest.raises(OtpRejected) as e:
        otp.verify(matches=True, now=NOW + timedelta(minutes=10), max_attempts=5)
    assert e.value.code == "otp.expired"


def test_r_del_3_a_few_wrong_tries_burn_the_code() -> None:
    otp = OtpState(expires_at=NOW + timedelta(minutes=10))
    for _ in range(2):
        with pytest.raises(OtpRejected) as e:
            otp.verify(matches=False, now=NOW, max_attempts=3)
        assert e.value.code == "otp.invalid"
    with pytest.raises(OtpRejected) as e:
        otp.verify(matches=False, now=NOW, max_attempts=3)
    assert e.value.code == "otp.burned"
    with pytest.raises(OtpRejected) as e:
        otp.verify(matches=True, now=NOW, max_attempts=3)
    assert e.value.code == "otp.burned"


def test_r_del_3_resends_are_throttled() -> None:
    assert (
        check_send_allowed(sent_last_hour=0, last_sent_at=None, now=NOW, max_per_hour=5, min_interval_seconds=30) == 0
    )
    assert (
        check_send_allowed(
            sent_last_hour=1, last_sent_at=NOW - timedelta(seconds=10), now=NOW, max_per_hour=5, min_interval_seconds=30
        )
        == 21
    )
    assert (
        check_send_allowed(
            sent_last_hour=5, last_sent_at=NOW - timedelta(minutes=5), now=NOW, max_per_hour=5, min_interval_seconds=30
        )
        == 3600
    )


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("Assist2026", set()),
        ("short1", {"password.policy"}),
        ("onlyletters", {"password.policy"}),
        ("1234567890", {"password.policy"}),
        ("MYjessassist9", {"password.contains_username"}),
        ("a1" * 33, {"password.policy"}),
    ],
)
def test_r_del_4_password_must_have_and_cant_have(password: str, codes: set[str]) -> None:
    found = {code for code, _ in DelegatePasswordPolicy().problems(password, "jessassist")}
    assert found == codes


def test_r_del_5_five_wrong_passwords_lock_for_thirty_minutes() -> None:
    policy = LockoutPolicy(max_failures=5, lock_minutes=30)
    state = SignInState(role=Role.delegate, status=AccountStatus.active)
    for _ in range(4):
        with pytest.raises(Exception) as e:
            decide_sign_in(state, password_ok=False, temporary_ok=False, now=NOW, policy=policy)
        assert not isinstance(e.value, AccountLocked)
    with pytest.raises(AccountLocked) as locked:
        decide_sign_in(state, password_ok=False, temporary_ok=False, now=NOW, policy=policy)
    assert "30 minutes" in locked.value.message
    with pytest.raises(AccountLocked):
        decide_sign_in(state, password_ok=True, temporary_ok=False, now=NOW + timedelta(minutes=29), policy=policy)
    decide_sign_in(state, password_ok=True, temporary_ok=False, now=NOW + timedelta(minutes=30), policy=policy)
    assert state.failed_sign_ins == 0 and state.locked_at is None


def test_r_del_6_destinations_are_masked() -> None:
    assert mask_email("jessicacamp@email.com") == "xxxxxxxcamp@email.com"
    assert mask_email("ab@x.example").endswith("b@x.example") and "a" not in mask_email("ab@x.example")[:3]
    assert mask_phone("(312) 555-0001") == "xxxxxx0001"


def test_r_del_3_code_requests_are_throttled_by_the_submitted_name_interval_then_hourly_cap() -> None:
    """R-DEL-3 / R-DEL-7 (issue 15): POST /auth/otp answers 429 with the seconds to wait, from the requests for
    that name alone (no account involved, so a known and an unknown name are throttled alike)."""
    limits = {"max_per_hour": 5, "min_interval_seconds": 30}
    assert code_request_wait(requests_in_hour=[], now=NOW, **limits) == (0, None)
    assert code_request_wait(requests_in_hour=[NOW - timedelta(seconds=10)], now=NOW, **limits) == (21, "interval")
    assert code_request_wait(requests_in_hour=[NOW - timedelta(seconds=30)], now=NOW, **limits) == (0, None)
    five = [NOW - timedelta(minutes=m) for m in (50, 40, 30, 20, 10)]
    # the oldest of the hour leaves the window in 10 minutes: that is the wait
    assert code_request_wait(requests_in_hour=five, now=NOW, **limits) == (601, "hourly_cap")


def test_r_del_3_6_resend_interval_is_per_flow_the_hourly_cap_counts_every_code() -> None:
    """Issue 15: the last code of another flow (the password-creation code) is not passed as `last_sent_at`, so
    the first sign-in code goes at once; the hourly cap still counts it."""
    assert (
        check_send_allowed(sent_last_hour=1, last_sent_at=None, now=NOW, max_per_hour=5, min_interval_seconds=30) == 0
    )
    assert (
        check_send_allowed(sent_last_hour=5, last_sent_at=None, now=NOW, max_per_hour=5, min_interval_seconds=30)
        == 3600
    )


def test_r_del_5_delegate_wrong_password_names_five_attempts_and_the_30_minute_lock() -> None:
    delegate = LockoutPolicy(max_failures=5, lock_minutes=30)
    producer = LockoutPolicy(max_failures=3, lock_minutes=None)
    state = SignInState(role=Role.delegate, status=AccountStatus.active)
    with pytest.raises(AuthenticationFailed) as e:
        decide_sign_in(state, password_ok=False, temporary_ok=False, now=NOW, policy=delegate)
    assert "After five attempts" in e.value.message and "30 minutes" in e.value.message
    assert "three" not in e.value.message
    assert "After three attempts" in producer.invalid_credentials_message
    # admins answer with the producers' words (their lock message is overridden to read like a producer's)
    admin = LockoutPolicy(max_failures=3, lock_minutes=15, message="locked")
    assert admin.invalid_credentials_message == producer.invalid_credentials_message


def test_r_del_7_delegate_forgot_username_email_uses_the_pep_wording_and_help_desk() -> None:
    message = delegate_username_reminder(["assist01"])
    assert message.template == "forgot_username"
    assert message.subject == "Producer Experience Portal - Username Request"
    assert "Username(s) linked to your email address: assist01" in message.body
    assert "Internet Help Desk at 1-888-706-0583" in message.body
    assert "Retail Producer Portal" not in message.body and "313-5526" not in message.body
    assert "Producer Services" not in message.body


def test_r_del_9_a_delegate_may_use_its_states_that_are_still_active_for_the_producer() -> None:
    from app.domain.delegates import usable_writing_states

    assert usable_writing_states(["IL", "TX", "WI"], {"IL", "WI", "IN"}) == ["IL", "WI"]
    assert usable_writing_states(["TX"], {"IL"}) == []  # the TX registration lapsed after TX was assigned
