"""Producer accounts: registration, password policy, lockout, temporary passwords, profile rules.

Pure code: no I/O, no clock (time is passed in). Rules R-AUTH-1 .. R-AUTH-8.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from app.domain.errors import (
    AccountLocked,
    AuthenticationFailed,
    Conflict,
    ErrorCollector,
    FieldError,
    Forbidden,
    ValidationFailed,
)


class Role(StrEnum):
    producer = "producer"
    delegate = "delegate"
    admin = "admin"


class AccountStatus(StrEnum):
    pending = "pending"
    active = "active"
    inactive = "inactive"


# R-AUTH-3: the guide's wording, the same whether or not the user exists.
INVALID_CREDENTIALS_MESSAGE = (
    "We're sorry, this Username/Password combination does not match your account information - "
    "please try again. After three attempts, your account will be temporarily locked for your protection. "
    "Use Forgot Username and/or Reset Password for help."
)
LOCKED_MESSAGE = (
    "We're sorry, your account is now temporarily locked as a security precaution due to three "
    "unsuccessful login attempts. Use Forgot Username and/or Reset Password for help, "
    "or call Producer Services."
)
PENDING_MESSAGE = (
    "Your registration has not been activated yet. You will receive a Registration Activation email "
    "within 1 business day of your request."
)
INACTIVE_MESSAGE = "This account is inactive. Please call Producer Services for help."

USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{3,50}$")
AGENT_UNIQUE_ID_RE = re.compile(r"^[0-9]{9}$")
ZIP_RE = re.compile(r"^[0-9]{5}(-[0-9]{4})?$")
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
    "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI".split()
)


@dataclass(frozen=True)
class PasswordPolicy:
    """R-AUTH-2: 6 to 9 characters, letters and digits only, any case (lengths are settings).

    Carrier staff (admins) get a stronger policy: `ADMIN_PASSWORD_POLICY`.
    """

    min_length: int = 6
    max_length: int = 9
    letters_and_digits_only: bool = True
    needs_letter_and_digit: bool = False

    def problems(self, password: str) -> list[str]:
        found = []
        if not (self.min_length <= len(password) <= self.max_length):
            found.append(f"The password must be {self.min_length} to {self.max_length} characters.")
        if self.letters_and_digits_only and (not password.isascii() or not password.isalnum()):
            found.append("The password may contain letters and numbers only.")
        if self.needs_letter_and_digit and not (
            any(c.isalpha() for c in password) and any(c.isdigit() for c in password)
        ):
            found.append("The password needs at least one letter and one digit.")
        return found


ADMIN_PASSWORD_POLICY = PasswordPolicy(
    min_length=8, max_length=128, letters_and_digits_only=False, needs_letter_and_digit=True
)


@dataclass(frozen=True)
class LockoutPolicy:
    """R-AUTH-3 (producers: 3 strikes, locked until reset or admin). `lock_minutes=None`: no self-unlock.

    `message` overrides the 423 text: admins lock for a while (issue 12, finding 4) yet answer with the
    producers' words, so the answer does not tell an admin's user name from any other.
    """

    max_failures: int = 3
    lock_minutes: int | None = None
    message: str | None = None

    @property
    def invalid_credentials_message(self) -> str:
        """The 401 of a wrong password, naming this policy's count: "After three attempts" for producers (and
        admins and unknown names, which read like producers), "After five attempts ... 30 minutes" for delegates
        (R-DEL-5). A delegate's count tells nothing new: a producer's name locks at the third failure anyway."""
        if self.lock_minutes is None or self.message is not None:
            return INVALID_CREDENTIALS_MESSAGE.replace("three", count_word(self.max_failures), 1)
        return (
            "We're sorry, this Username/Password combination does not match your account information - please try "
            f"again. After {count_word(self.max_failures)} attempts, your account will be locked for "
            f"{self.lock_minutes} minutes for your protection. Use Forgot Username and/or Forgot Password for help."
        )

    @property
    def locked_message(self) -> str:
        if self.message is not None:
            return self.message
        if self.lock_minutes is None:
            return LOCKED_MESSAGE
        return (
            f"Your account is locked after {self.max_failures} unsuccessful login attempts. It unlocks by "
            f"itself after {self.lock_minutes} minutes; use Forgot Password to set a new one."
        )


_COUNT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def count_word(n: int) -> str:
    """3 -> "three" as the guides write small counts; larger ones stay digits."""
    return _COUNT_WORDS[n] if 0 <= n < len(_COUNT_WORDS) else str(n)


@dataclass
class SignInState:
    """The part of an account that sign-in decisions read and change."""

    role: Role
    status: AccountStatus
    failed_sign_ins: int = 0
    locked_at: datetime | None = None
    must_change_password: bool = False

    def is_locked(self, now: datetime, policy: LockoutPolicy) -> bool:
        if self.locked_at is None:
            return False
        if policy.lock_minutes is None:
            return True
        return now < self.locked_at + timedelta(minutes=policy.lock_minutes)

    def record_failed_sign_in(self, now: datetime, policy: LockoutPolicy) -> bool:
        """Count a wrong password; True when this failure locks the account (R-AUTH-3)."""
        if self.locked_at is not None and not self.is_locked(now, policy):
            # A timed lock that ran out starts a fresh count.
            self.unlock()
        self.failed_sign_ins += 1
        if self.failed_sign_ins >= policy.max_failures:
            self.locked_at = now
            return True
        return False

    def record_success(self) -> None:
        """R-AUTH-3: a success resets the counter."""
        self.failed_sign_ins = 0
        self.locked_at = None

    def unlock(self) -> None:
        self.failed_sign_ins = 0
        self.locked_at = None

    @classmethod
    def for_unknown_username(cls, failed_sign_ins: int, locked_at: datetime | None) -> SignInState:
        """A user name that matches no account counts and locks like a producer's (R-AUTH-3, issue 12 #5).

        Its password is never right, so `decide_sign_in` answers 401, 401, 423, 423 ... exactly as for an
        existing producer: the answers cannot tell whether the account exists.
        """
        return cls(
            role=Role.producer, status=AccountStatus.active, failed_sign_ins=failed_sign_ins, locked_at=locked_at
        )


class SignInOutcome(StrEnum):
    ok = "ok"
    ok_temporary = "ok_temporary"


def decide_sign_in(
    state: SignInState | None,
    *,
    password_ok: bool,
    temporary_ok: bool,
    now: datetime,
    policy: LockoutPolicy,
) -> SignInOutcome:
    """Decide a sign-in attempt, updating `state` in place. Raises the error to answer with.

    Order matters (R-AUTH-3, R-AUTH-1): unknown user and wrong password look the same; a locked
    account answers 423 even with the right password; pending/inactive only show after a right
    password so the status of an account cannot be probed.
    """
    if state is None:
        raise AuthenticationFailed(INVALID_CREDENTIALS_MESSAGE)
    if state.is_locked(now, policy):
        raise AccountLocked(policy.locked_message)
    if not (password_ok or temporary_ok):
        if state.record_failed_sign_in(now, policy):
            raise AccountLocked(policy.locked_message)
        raise AuthenticationFailed(policy.invalid_credentials_message)
    if state.status is AccountStatus.pending:
        raise Forbidden(PENDING_MESSAGE, code="account_pending")
    if state.status is AccountStatus.inactive:
        raise Forbidden(INACTIVE_MESSAGE, code="account_inactive")
    state.record_success()
    if temporary_ok and not password_ok:
        state.must_change_password = True  # R-AUTH-5
        return SignInOutcome.ok_temporary
    return SignInOutcome.ok


def check_current_password(state: SignInState, *, current_ok: bool, now: datetime, policy: LockoutPolicy) -> None:
    """R-AUTH-7 with R-AUTH-3 (issue 12, finding 6): the current password of a change is a sign-in attempt.

    A locked account cannot change its password (423, even with the right one); a wrong current password
    counts toward the lockout and the failure that reaches the limit answers 423; a right one resets the
    count. Updates `state` in place; a wrong password that does not lock is left to
    `validate_password_change` (422 `password.current_wrong`, with the other problems).
    """
    if state.is_locked(now, policy):
        raise AccountLocked(policy.locked_message)
    if not current_ok:
        if state.record_failed_sign_in(now, policy):
            raise AccountLocked(policy.locked_message)
        return
    state.record_success()


def generate_temporary_password(policy: PasswordPolicy) -> str:
    """R-AUTH-5: a case-sensitive temporary password that itself satisfies R-AUTH-2 ("gKm5cd")."""
    length = max(policy.min_length, min(8, policy.max_length))
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            return candidate


def temporary_password_expiry(now: datetime, minutes: int) -> datetime:
    return now + timedelta(minutes=minutes)


@dataclass(frozen=True)
class StateRegistrationInput:
    state: str
    company_name: str | None
    address1: str
    address2: str | None
    city: str
    address_state: str
    zip_code: str
    agent_unique_id: str
    phone: str
    email: str


@dataclass(frozen=True)
class RegistrationInput:
    first_name: str
    last_name: str
    username: str
    password: str
    password_confirmation: str
    state_registrations: list[StateRegistrationInput] = field(default_factory=list)


def normalize_phone(phone: str) -> str:
    """Digits only; a leading US country code 1 on 11 digits is dropped."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits


def check_state_registration(
    reg: StateRegistrationInput, carrier_states: list[str], errors: ErrorCollector, prefix: str
) -> None:
    """R-AUTH-1 / R-AUTH-8: one state registration's fields."""
    _check_state_registration_fields(asdict(reg), carrier_states, errors, prefix)


def _check_state_registration_fields(
    reg: Mapping[str, object], carrier_states: Sequence[str], errors: ErrorCollector, prefix: str
) -> None:
    """R-AUTH-1 / R-AUTH-8 on the fields present (a field the request schema refused is absent, and not judged)."""

    def text(name: str) -> str | None:
        value = reg.get(name)
        return value if isinstance(value, str) else None

    if (state := text("state")) is not None and state not in carrier_states:
        errors.add(
            f"{prefix}.state",
            "registration.state_not_offered",
            f"Registration is available for {', '.join(carrier_states)} only.",
        )
    if (address_state := text("address_state")) is not None and address_state not in US_STATES:
        errors.add(f"{prefix}.address_state", "registration.address_state_invalid", "Enter a US state code.")
    if (agent := text("agent_unique_id")) is not None and not AGENT_UNIQUE_ID_RE.match(agent):
        errors.add(
            f"{prefix}.agent_unique_id",
            "registration.agent_unique_id_invalid",
            "The Agent Unique ID is your nine-digit producer number.",
        )
    if (zip_code := text("zip_code")) is not None and not ZIP_RE.match(zip_code):
        errors.add(f"{prefix}.zip_code", "registration.zip_code_invalid", "Enter a 5-digit zip code.")
    if (phone := text("phone")) is not None and len(normalize_phone(phone)) != 10:
        errors.add(f"{prefix}.phone", "registration.phone_invalid", "Enter a 10-digit phone number.")
    for name in ("address1", "city"):
        if (value := text(name)) is not None and not value.strip():
            errors.add(f"{prefix}.{name}", "registration.required", f"{name.replace('1', ' 1')} is required.")


def validate_registration(reg: RegistrationInput, *, policy: PasswordPolicy, carrier_states: list[str]) -> None:
    """R-AUTH-1 and R-AUTH-2: every problem of a registration at once."""
    errors = ErrorCollector()
    _check_registration_fields(asdict(reg), policy, carrier_states, errors)
    errors.raise_if_any()


def registration_field_errors(
    values: Mapping[str, object], *, policy: PasswordPolicy, carrier_states: Sequence[str]
) -> list[FieldError]:
    """R-AUTH-1/2 on the fields present, as `validate_registration` applies them: for a body whose other fields the
    request schema refused (issue 16: one pass). State registrations are plain mappings of their fields present."""
    errors = ErrorCollector()
    _check_registration_fields(values, policy, carrier_states, errors)
    return errors.errors


def _check_registration_fields(
    values: Mapping[str, object], policy: PasswordPolicy, carrier_states: Sequence[str], errors: ErrorCollector
) -> None:
    for name, label in (("first_name", "First name"), ("last_name", "Last name")):
        if isinstance(value := values.get(name), str) and not value.strip():
            errors.add(name, "registration.required", f"{label} is required.")
    if isinstance(username := values.get("username"), str) and not USERNAME_RE.match(username):
        errors.add(
            "username",
            "registration.username_invalid",
            "User Name must be 3 to 50 letters, digits, dots, dashes or underscores.",
        )
    password, confirmation = values.get("password"), values.get("password_confirmation")
    if isinstance(password, str):
        for message in policy.problems(password):
            errors.add("password", "password.policy", message)
        if isinstance(confirmation, str) and password != confirmation:
            errors.add("password_confirmation", "password.mismatch", "The passwords do not match.")
    registrations = values.get("state_registrations")
    if not isinstance(registrations, list):
        return
    if not registrations:
        errors.add("state_registrations", "registration.state_required", "Register at least one state.")
    seen: set[tuple[object, object]] = set()
    for i, sr in enumerate(registrations):
        if not isinstance(sr, Mapping):
            continue
        _check_state_registration_fields(sr, carrier_states, errors, f"state_registrations.{i}")
        if "state" not in sr or "agent_unique_id" not in sr:
            continue
        key = (sr["state"], sr["agent_unique_id"])
        if key in seen:
            errors.add(
                f"state_registrations.{i}",
                "registration.state_duplicate",
                "The same state and Agent Unique ID appear twice.",
            )
        seen.add(key)


def validate_password_change(
    *, current_ok: bool, current: str, new: str, confirmation: str, policy: PasswordPolicy
) -> None:
    """R-AUTH-7: current password right, new one meets R-AUTH-2, matches its confirmation, differs."""
    errors = ErrorCollector()
    if not current_ok:
        errors.add("current_password", "password.current_wrong", "The current password is not correct.")
    for message in policy.problems(new):
        errors.add("new_password", "password.policy", message)
    if new != confirmation:
        errors.add("new_password_confirmation", "password.mismatch", "The new passwords do not match.")
    if new == current:
        errors.add("new_password", "password.unchanged", "The new password must differ from the current one.")
    errors.raise_if_any()


IMMUTABLE_PROFILE_FIELDS = {
    "first_name": "First name",
    "last_name": "Last name",
    "agent_unique_id": "Producer number (Agent Unique ID)",
    "state": "Registered state",
}


def check_immutable_profile_fields(attempted: dict[str, tuple[object, object]]) -> None:
    """R-AUTH-6: name and producer number cannot be edited. `attempted`: field -> (current, requested)."""
    errors = ErrorCollector()
    for path, (current, requested) in attempted.items():
        if requested is not None and requested != current:
            label = IMMUTABLE_PROFILE_FIELDS.get(path.rsplit(".", 1)[-1], path)
            errors.add(
                path,
                "profile.field_not_editable",
                f"{label} cannot be changed in the portal. Please call Producer Services.",
            )
    errors.raise_if_any("These fields cannot be changed in the portal")


def ensure_new_state_registration(existing: list[tuple[str, str]], state: str, agent_unique_id: str) -> None:
    """R-AUTH-8: a state already registered with the same producer number is rejected."""
    if (state, agent_unique_id) in existing:
        raise Conflict(
            f"You are already registered in {state} with producer number {agent_unique_id}.",
            code="registration.state_already_registered",
            field="state",
        )


@dataclass(frozen=True)
class Principal:
    """Who is calling, as established by the access token and a live session."""

    user_id: int
    username: str
    role: Role
    first_name: str
    last_name: str
    session_id: str
    must_change_password: bool = False
    producer_id: int | None = None  # a delegate's producer
    # Issue 17: a call made with an API key (session_id is then "api-key:<id>"); its scopes bound what it may do.
    api_key_id: int | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def acting_producer_id(self) -> int | None:
        """R-DEL-9: whose book the caller works on (a delegate acts for its producer)."""
        if self.role is Role.producer:
            return self.user_id
        return self.producer_id if self.role is Role.delegate else None

    @property
    def book_id(self) -> int:
        """The book of a producer or delegate caller (routes guard the role first; an admin has none)."""
        pid = self.acting_producer_id
        if pid is None:
            raise ValueError(f"a {self.role.value} has no book of business")
        return pid

    @property
    def is_producer(self) -> bool:
        return self.role is Role.producer


# R-AUTH-5: what an account that must change its password may still do.
PASSWORD_CHANGE_REQUIRED_MESSAGE = (
    "You signed in with a temporary password. Change your password before doing anything else, entering the "
    "temporary password as your current password."
)


# --- Issue 15: activate or reject each state registration of a pending registration -------------------------

STATE_DECISIONS = ("activate", "reject")
DECISION_REASON_MAX = 300


@dataclass(frozen=True)
class StateDecision:
    status: str  # active | rejected
    reason: str | None


def decide_state_registration(*, state: str, status: str, decision: str, reason: str | None) -> StateDecision:
    """R-AUTH-1 / R-AUTH-8 per state (issue 15): a pending state registration is activated (a note is optional)
    or rejected (the reason is required: the producer reads it in the email)."""
    if status != "pending":
        raise Conflict(
            f"The {state} registration is already {status}; only a pending one can be activated or rejected.",
            code="registration.state_not_pending",
        )
    text = " ".join((reason or "").split()) or None
    if decision == "reject" and text is None:
        raise ValidationFailed(
            f"Say why the {state} registration is rejected; the producer receives the reason by email.",
            code="registration.reason_required",
            field="reason",
        )
    if text is not None and len(text) > DECISION_REASON_MAX:
        raise ValidationFailed(
            f"Keep the reason to {DECISION_REASON_MAX} characters.", code="registration.reason_too_long", field="reason"
        )
    return StateDecision("active" if decision == "activate" else "rejected", text)


def registration_status(state_statuses: Sequence[str]) -> str:
    """A registration stays pending while any of its states is; then it is active if any state was activated,
    rejected if every state was."""
    if not state_statuses or any(s == "pending" for s in state_statuses):
        return "pending"
    return "active" if any(s == "active" for s in state_statuses) else "rejected"
