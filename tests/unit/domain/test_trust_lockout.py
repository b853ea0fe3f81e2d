"""Issue 12 (Trust) lockout rules, pure: timed admin locks (#4), unknown user names (#5), the current password
of a password change (#6). R-AUTH-3, R-AUTH-7."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.accounts import (
    LOCKED_MESSAGE,
    AccountStatus,
    LockoutPolicy,
    Role,
    SignInState,
    check_current_password,
    decide_sign_in,
)
from app.domain.errors import AccountLocked, AuthenticationFailed, DomainError

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PRODUCER = LockoutPolicy(max_failures=3, lock_minutes=None)
ADMIN = LockoutPolicy(max_failures=3, lock_minutes=15, message=LOCKED_MESSAGE)


def answers(state: SignInState, policy: LockoutPolicy, tries: int, now: datetime = NOW) -> list[tuple[str, str]]:
    out = []
    for _ in range(tries):
        with pytest.raises(DomainError) as e:
            decide_sign_in(state, password_ok=False, temporary_ok=False, now=now, policy=policy)
        out.append((e.value.code, e.value.message))
    return out


def test_trust_5_r_auth_3_an_unknown_user_name_answers_like_a_producer() -> None:
    producer = SignInState(role=Role.producer, status=AccountStatus.active)
    unknown = SignInState.for_unknown_username(0, None)
    assert answers(unknown, PRODUCER, 5) == answers(producer, PRODUCER, 5)
    assert [code for code, _ in answers(SignInState.for_unknown_username(0, None), PRODUCER, 4)] == [
        "invalid_credentials",
        "invalid_credentials",
        "account_locked",
        "account_locked",
    ]
    assert unknown.failed_sign_ins == 3 and unknown.locked_at == NOW


def test_trust_5_an_unknown_user_name_never_signs_in() -> None:
    unknown = SignInState.for_unknown_username(0, None)
    with pytest.raises(AuthenticationFailed):
        decide_sign_in(unknown, password_ok=False, temporary_ok=False, now=NOW, policy=PRODUCER)


def test_trust_4_an_admin_lock_runs_out_and_reads_like_a_producers() -> None:
    admin = SignInState(role=Role.admin, status=AccountStatus.active)
    producer = SignInState(role=Role.producer, status=AccountStatus.active)
    assert answers(admin, ADMIN, 4) == answers(producer, PRODUCER, 4)  # same codes and words
    assert ADMIN.locked_message == LOCKED_MESSAGE
    assert admin.is_locked(NOW + timedelta(minutes=14, seconds=59), ADMIN)
    later = NOW + timedelta(minutes=15)
    assert not admin.is_locked(later, ADMIN)
    assert decide_sign_in(admin, password_ok=True, temporary_ok=False, now=later, policy=ADMIN).value == "ok"
    assert admin.failed_sign_ins == 0 and admin.locked_at is None
    assert producer.is_locked(NOW + timedelta(days=365), PRODUCER)  # producers stay locked (R-AUTH-3)


def test_trust_6_r_auth_7_a_wrong_current_password_counts_toward_the_lockout() -> None:
    state = SignInState(role=Role.producer, status=AccountStatus.active)
    check_current_password(state, current_ok=False, now=NOW, policy=PRODUCER)
    check_current_password(state, current_ok=False, now=NOW, policy=PRODUCER)
    assert state.failed_sign_ins == 2 and state.locked_at is None
    with pytest.raises(AccountLocked):
        check_current_password(state, current_ok=False, now=NOW, policy=PRODUCER)
    assert state.locked_at == NOW
    with pytest.raises(AccountLocked):  # locked: even the right current password is refused
        check_current_password(state, current_ok=True, now=NOW, policy=PRODUCER)


def test_trust_6_a_right_current_password_resets_the_count_and_mixes_with_sign_ins() -> None:
    state = SignInState(role=Role.producer, status=AccountStatus.active)
    check_current_password(state, current_ok=False, now=NOW, policy=PRODUCER)
    check_current_password(state, current_ok=True, now=NOW, policy=PRODUCER)
    assert state.failed_sign_ins == 0
    check_current_password(state, current_ok=False, now=NOW, policy=PRODUCER)
    check_current_password(state, current_ok=False, now=NOW, policy=PRODUCER)
    with pytest.raises(AccountLocked):  # a failed sign-in after two wrong current passwords locks
        decide_sign_in(state, password_ok=False, temporary_ok=False, now=NOW, policy=PRODUCER)
