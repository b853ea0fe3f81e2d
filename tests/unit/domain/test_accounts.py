"""Producer account rules, pure (no database, no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.accounts import (
    ADMIN_PASSWORD_POLICY,
    AccountStatus,
    LockoutPolicy,
    PasswordPolicy,
    RegistrationInput,
    Role,
    SignInOutcome,
    SignInState,
    StateDecision,
    StateRegistrationInput,
    check_immutable_profile_fields,
    decide_sign_in,
    decide_state_registration,
    ensure_new_state_registration,
    generate_temporary_password,
    normalize_phone,
    registration_status,
    validate_password_change,
    validate_registration,
)
from app.domain.errors import AccountLocked, AuthenticationFailed, Conflict, Forbidden, ValidationFailed

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
STATES = ["IL", "MT", "NM", "OK", "TX"]
PRODUCER_LOCKOUT = LockoutPolicy(max_failures=3, lock_minutes=None)


def state_reg(**kw: str) -> StateRegistrationInput:
    data = dict(
        state="IL",
        company_name=None,
        address1="1 Main St",
        address2=None,
        city="Chicago",
        address_state="IL",
        zip_code="60601",
        agent_unique_id="220002580",
        phone="312-555-0100",
        email="a@b.example",
    )
    data.update(kw)
    return StateRegistrationInput(**data)  # type: ignore[arg-type]


def registration(**kw: object) -> RegistrationInput:
    data: dict[str, object] = dict(
        first_name="Jessica",
        last_name="Camp",
        username="jessicacamp",
        password="Abc123",
        password_confirmation="Abc123",
        state_registrations=[state_reg()],
    )
    data.update(kw)
    return RegistrationInput(**data)  # type: ignore[arg-type]


def active_state() -> SignInState:
    return SignInState(role=Role.producer, status=AccountStatus.active)


# --- R-AUTH-1 registration -----------------------------------------------------------------------


def test_r_auth_1_valid_registration_passes() -> None:
    validate_registration(registration(), policy=PasswordPolicy(), carrier_states=STATES)


def test_r_auth_1_registration_needs_a_state_registration() -> None:
    with pytest.raises(ValidationFailed) as e:
        validate_registration(registration(state_registrations=[]), policy=PasswordPolicy(), carrier_states=STATES)
    assert [x.field for x in e.value.errors] == ["state_registrations"]


def test_r_auth_1_agent_unique_id_is_exactly_nine_digits() -> None:
    for bad in ("12345678", "1234567890", "12345678a"):
        with pytest.raises(ValidationFailed) as e:
            validate_registration(
                registration(state_registrations=[state_reg(agent_unique_id=bad)]),
                policy=PasswordPolicy(),
                carrier_states=STATES,
            )
        assert e.value.errors[0].field == "state_registrations.0.agent_unique_id"
        assert e.value.errors[0].code == "registration.agent_unique_id_invalid"


def test_r_auth_1_state_must_be_a_carrier_state() -> None:
    with pytest.raises(ValidationFailed) as e:
        validate_registration(
            registration(state_registrations=[state_reg(state="CA")]), policy=PasswordPolicy(), carrier_states=STATES
        )
    assert e.value.errors[0].code == "registration.state_not_offered"


def test_r_auth_1_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as e:
        validate_registration(
            registration(
                password="ab", password_confirmation="cd", state_registrations=[state_reg(zip_code="6060", phone="12")]
            ),
            policy=PasswordPolicy(),
            carrier_states=STATES,
        )
    fields = {x.field for x in e.value.errors}
    assert {
        "password",
        "password_confirmation",
        "state_registrations.0.zip_code",
        "state_registrations.0.phone",
    } <= fields


# --- R-AUTH-2 password policy -----------------------------------------------------------------------


@pytest.mark.parametrize("password", ["abc123", "ABCdef123", "AbCdEf"])
def test_r_auth_2_six_to_nine_letters_and_digits_any_case(password: str) -> None:
    assert PasswordPolicy().problems(password) == []


@pytest.mark.parametrize("password", ["abc12", "abcdef1234", "abc12!", "abc 123", "pässw0rd"])
def test_r_auth_2_rejects_wrong_length_or_symbols(password: str) -> None:
    assert PasswordPolicy().problems(password)


def test_admin_policy_is_stronger_than_the_producer_policy() -> None:
    assert ADMIN_PASSWORD_POLICY.problems("Admin123") == []
    assert ADMIN_PASSWORD_POLICY.problems("abcdef") != []
    assert ADMIN_PASSWORD_POLICY.problems("correct horse battery 9 staple") == []


# --- R-AUTH-3 lockout ---------------------------------------------------------------------------


def test_r_auth_3_first_two_failures_answer_invalid_credentials() -> None:
    state = active_state()
    for expected in (1, 2):
        with pytest.raises(AuthenticationFailed):
            decide_sign_in(state, password_ok=False, temporary_ok=False, now=NOW, policy=PRODUCER_LOCKOUT)
        assert state.failed_sign_ins == expected
        assert state.locked_at is None


def test_r_auth_3_third_failed_sign_in_locks_producer() -> None:
    state = active_state()
    state.failed_sign_ins = 2
    with pytest.raises(AccountLocked) as e:
        decide_sign_in(state, password_ok=False, temporary_ok=False, now=NOW, policy=PRODUCER_LOCKOUT)
    assert state.locked_at == NOW
    assert "temporarily locked as a security precaution" in e.value.message


def test_r_auth_3_locked_account_refuses_even_the_right_password() -> None:
    state = active_state()
    state.locked_at, state.failed_sign_ins = NOW, 3
    with pytest.raises(AccountLocked):
        decide_sign_in(
            state, password_ok=True, temporary_ok=False, now=NOW + timedelta(days=30), policy=PRODUCER_LOCKOUT
        )


def test_r_auth_3_unknown_user_looks_like_a_wrong_password() -> None:
    with pytest.raises(AuthenticationFailed) as unknown:
        decide_sign_in(None, password_ok=False, temporary_ok=False, now=NOW, policy=PRODUCER_LOCKOUT)
    with pytest.raises(AuthenticationFailed) as wrong:
        decide_sign_in(active_state(), password_ok=False, temporary_ok=False, now=NOW, policy=PRODUCER_LOCKOUT)
    assert unknown.value.message == wrong.value.message
    assert unknown.value.code == wrong.value.code


def test_r_auth_3_success_resets_the_counter() -> None:
    state = active_state()
    state.failed_sign_ins = 2
    assert (
        decide_sign_in(state, password_ok=True, temporary_ok=False, now=NOW, policy=PRODUCER_LOCKOUT)
        is SignInOutcome.ok
    )
    assert state.failed_sign_ins == 0


def test_timed_lock_unlocks_by_itself_when_policy_has_minutes() -> None:
    policy = LockoutPolicy(max_failures=5, lock_minutes=30)
    state = active_state()
    state.failed_sign_ins, state.locked_at = 5, NOW
    assert state.is_locked(NOW + timedelta(minutes=29), policy)
    assert not state.is_locked(NOW + timedelta(minutes=30), policy)


# --- R-AUTH-1 pending / inactive ------------------------------------------------------------------


def test_r_auth_1_pending_account_gets_a_clear_error_only_with_the_right_password() -> None:
    pending = SignInState(role=Role.producer, status=AccountStatus.pending)
    with pytest.raises(Forbidden) as e:
        decide_sign_in(pending, password_ok=True, temporary_ok=False, now=NOW, policy=PRODUCER_LOCKOUT)
    assert e.value.code == "account_pending"
    with pytest.raises(AuthenticationFailed):
        decide_sign_in(pending, password_ok=False, temporary_ok=False, now=NOW, policy=PRODUCER_LOCKOUT)


# --- R-AUTH-5 temporary password ----------------------------------------------------------------------


def test_r_auth_5_temporary_password_forces_a_change() -> None:
    state = active_state()
    assert (
        decide_sign_in(state, password_ok=False, temporary_ok=True, now=NOW, policy=PRODUCER_LOCKOUT)
        is SignInOutcome.ok_temporary
    )
    assert state.must_change_password is True


def test_r_auth_5_temporary_password_meets_the_producer_policy_and_mixes_case() -> None:
    for _ in range(50):
        temp = generate_temporary_password(PasswordPolicy())
        assert PasswordPolicy().problems(temp) == []
        assert any(c.islower() for c in temp) and any(c.isupper() for c in temp)
        assert any(c.isdigit() for c in temp)


# --- R-AUTH-6 immutable fields ----------------------------------------------------------------------


def test_r_auth_6_name_and_producer_number_cannot_change() -> None:
    with pytest.raises(ValidationFailed) as e:
        check_immutable_profile_fields(
            {"first_name": ("Jessica", "Jess"), "state_registrations.0.agent_unique_id": ("220002580", "999999999")}
        )
    assert {x.code for x in e.value.errors} == {"profile.field_not_editable"}
    assert len(e.value.errors) == 2


def test_r_auth_6_sending_the_same_value_is_not_a_change() -> None:
    check_immutable_profile_fields({"first_name": ("Jessica", "Jessica"), "last_name": ("Camp", None)})


# --- R-AUTH-7 change password -----------------------------------------------------------------------


def test_r_auth_7_new_password_must_differ_and_match_and_follow_policy() -> None:
    with pytest.raises(ValidationFailed) as e:
        validate_password_change(
            current_ok=True, current="Abc123", new="Abc123", confirmation="Abc123", policy=PasswordPolicy()
        )
    assert e.value.errors[0].code == "password.unchanged"
    with pytest.raises(ValidationFailed) as e:
        validate_password_change(
            current_ok=False, current="x", new="New123", confirmation="New124", policy=PasswordPolicy()
        )
    assert {x.code for x in e.value.errors} == {"password.current_wrong", "password.mismatch"}
    validate_password_change(
        current_ok=True, current="Abc123", new="New123", confirmation="New123", policy=PasswordPolicy()
    )


# --- R-AUTH-8 another state -----------------------------------------------------------------------------


def test_r_auth_8_same_state_and_number_is_rejected() -> None:
    with pytest.raises(Conflict):
        ensure_new_state_registration([("IL", "220002580")], "IL", "220002580")
    ensure_new_state_registration([("IL", "220002580")], "TX", "220002580")
    ensure_new_state_registration([("IL", "220002580")], "IL", "220002581")


def test_phone_normalisation_keeps_digits() -> None:
    assert normalize_phone("(312) 555-0100") == "3125550100"
    assert normalize_phone("+1 312 555 0100") == "3125550100"


def test_r_del_9_a_delegate_works_on_its_producers_book_and_an_admin_has_none() -> None:
    from app.domain.accounts import Principal, Role

    def who(role: Role, producer_id: int | None = None) -> Principal:
        return Principal(
            user_id=7, username="u", role=role, first_name="A", last_name="B", session_id="s", producer_id=producer_id
        )

    assert who(Role.producer).book_id == 7
    assert who(Role.delegate, producer_id=3).book_id == 3
    with pytest.raises(ValueError, match="no book"):
        _ = who(Role.admin).book_id


def test_r_auth_8_each_state_registration_is_activated_or_rejected_with_a_reason() -> None:
    assert decide_state_registration(state="IL", status="pending", decision="activate", reason=None) == (
        StateDecision("active", None)
    )
    assert decide_state_registration(state="TX", status="pending", decision="reject", reason=" Expired  license ") == (
        StateDecision("rejected", "Expired license")
    )
    with pytest.raises(ValidationFailed) as err:
        decide_state_registration(state="TX", status="pending", decision="reject", reason="  ")
    assert err.value.code == "registration.reason_required" and err.value.field == "reason"
    with pytest.raises(Conflict) as conflict:
        decide_state_registration(state="TX", status="rejected", decision="activate", reason=None)
    assert conflict.value.code == "registration.state_not_pending"
    assert registration_status(["active", "pending"]) == "pending"
    assert registration_status(["active", "rejected"]) == "active"
    assert registration_status(["rejected", "rejected"]) == "rejected"
