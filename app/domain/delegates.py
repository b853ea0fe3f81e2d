"""Delegates: creation rules, password policy, one-time passcodes, MFA (R-DEL-1 .. R-DEL-9).

Pure code: time is passed in; secrets come from the standard library.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from app.domain.accounts import normalize_phone
from app.domain.errors import AuthenticationFailed, ErrorCollector, FieldError, ValidationFailed, errors_of

DELEGATE_USERNAME_RE = re.compile(r"^[A-Za-z0-9]{7,64}$")
OTP_ALPHABET = string.ascii_uppercase + string.digits
DELEGATE_NOT_PERMITTED = (
    "Delegates may use quotes and off-exchange enrollment for their producer only; "
    "this part of the portal is for producers."
)


class OtpPurpose(StrEnum):
    password = "password"  # create / forgot password (R-DEL-3, R-DEL-7)
    sign_in = "sign_in"  # MFA after the password (R-DEL-6)


class OtpChannel(StrEnum):
    email = "email"
    sms = "sms"


@dataclass(frozen=True)
class DelegatePasswordPolicy:
    """R-DEL-4: 8 to 64 characters, a letter and a digit, not containing the username."""

    min_length: int = 8
    max_length: int = 64

    def problems(self, password: str, username: str) -> list[tuple[str, str]]:
        found = []
        if not (self.min_length <= len(password) <= self.max_length):
            found.append(
                ("password.policy", f"The password must be {self.min_length} to {self.max_length} characters.")
            )
        if not any(c.isalpha() for c in password):
            found.append(("password.policy", "The password must have at least one letter."))
        if not any(c.isdigit() for c in password):
            found.append(("password.policy", "The password must have at least one number."))
        if username and username.lower() in password.lower():
            found.append(("password.contains_username", "The password can't contain your username."))
        return found

    def check(self, password: str, username: str, field: str = "new_password") -> None:
        errors = ErrorCollector()
        for code, message in self.problems(password, username):
            errors.add(field, code, message)
        errors.raise_if_any()


def reused_password_error(history_size: int, field: str = "new_password") -> ValidationFailed:
    """R-DEL-4: not any of the previously used passwords."""
    return ValidationFailed(
        f"The password can't be any of your {history_size} previously used passwords.",
        code="password.reused",
        field=field,
    )


def check_delegate_username(username: str) -> None:
    """R-DEL-1: at least 7 characters, letters and digits only."""
    if not DELEGATE_USERNAME_RE.match(username):
        raise ValidationFailed(
            "Username must be at least 7 characters, letters and numbers only.",
            code="delegate.username_invalid",
            field="username",
        )


def delegate_field_errors(values: Mapping[str, object]) -> list[FieldError]:
    """R-DEL-1 on the fields present: the username (at least 7 letters and digits) and the mobile number (10 digits,
    any punctuation). Every problem at once; the states and the username's uniqueness are the service's (they need
    the producer's registrations and the users)."""
    errors = ErrorCollector()
    if isinstance(username := values.get("username"), str):
        for e in errors_of(lambda: check_delegate_username(username)):
            errors.add(e.field, e.code, e.message)
    if isinstance(mobile := values.get("mobile_number"), str) and len(normalize_phone(mobile)) != 10:
        errors.add("mobile_number", "delegate.mobile_invalid", "Enter a 10-digit mobile number.")
    return errors.errors


def check_new_delegate(*, username: str, mobile_number: str) -> None:
    """R-DEL-1: `delegate_field_errors` for a whole new delegate, raised together."""
    errors = ErrorCollector(delegate_field_errors({"username": username, "mobile_number": mobile_number}))
    errors.raise_if_any()


def check_delegate_states(requested: list[str], producer_active_states: set[str]) -> list[str]:
    """R-DEL-1: the delegate's states are a non-empty subset of the producer's active states."""
    states = sorted(set(requested))
    if not states:
        raise ValidationFailed(
            "Assign the delegate to at least one state.", code="delegate.states_required", field="states"
        )
    outside = [s for s in states if s not in producer_active_states]
    if outside:
        raise ValidationFailed(
            f"You are not active in {', '.join(outside)}. A delegate can only be assigned states where you are "
            f"active ({', '.join(sorted(producer_active_states)) or 'none'}).",
            code="delegate.state_not_active",
            field="states",
        )
    return states


def usable_writing_states(delegate_states: list[str], producer_active_states: set[str]) -> list[str]:
    """R-DEL-9, issue 14: the states whose writing number a delegate may put on an application for its producer -
    the states it is assigned that are (still) among the producer's active registrations, in the delegate's order.
    A state assigned while active whose registration lapsed since drops out."""
    return [state for state in delegate_states if state in producer_active_states]


def generate_otp(length: int = 8) -> str:
    """R-DEL-3: uppercase letters and digits, e.g. K7Q2M9XA."""
    return "".join(secrets.choice(OTP_ALPHABET) for _ in range(length))


def normalize_otp(code: str) -> str:
    return code.strip().upper()


@dataclass
class OtpState:
    """A sent code: single use, expiring, burned after a few wrong tries."""

    expires_at: datetime
    attempts: int = 0
    used_at: datetime | None = None

    def verify(self, *, matches: bool, now: datetime, max_attempts: int) -> None:
        """Raise unless `matches` on a live code; wrong tries are counted (mutates)."""
        if self.used_at is not None:
            raise OtpRejected("This code was already used. Request a new code.", code="otp.used")
        if now >= self.expires_at:
            raise OtpRejected("This code has expired. Request a new code.", code="otp.expired")
        if self.attempts >= max_attempts:
            raise OtpRejected("Too many wrong codes. Request a new code.", code="otp.burned")
        if not matches:
            self.attempts += 1
            if self.attempts >= max_attempts:
                raise OtpRejected(
                    "Too many wrong codes: this code no longer works. Request a new code.", code="otp.burned"
                )
            raise OtpRejected(
                "The verification code is not correct. Check it, or request a new code.", code="otp.invalid"
            )
        self.used_at = now


class OtpRejected(ValidationFailed):
    """A one-time passcode was wrong, expired, used or burned."""

    code = "otp.invalid"


class MfaRequired(AuthenticationFailed):
    """R-DEL-6: the password was right; now an OTP (or a remembered device) is needed."""

    code = "mfa_required"
    title = "Verification required"


def check_send_allowed(
    *, sent_last_hour: int, last_sent_at: datetime | None, now: datetime, max_per_hour: int, min_interval_seconds: int
) -> int:
    """Throttle re-sends (an SMS costs money). Returns 0 when allowed, else seconds to wait.

    `last_sent_at` is the last code of the same flow (same purpose and challenge): the minimum interval is between
    re-sends within one flow, never between the last code of one flow and the first of the next (a delegate who
    just created a password signs in at once, R-DEL-3 then R-DEL-6). `sent_last_hour` counts every code sent to the
    delegate, whatever the flow: the hourly cap stays.
    """
    if last_sent_at is not None:
        wait = (last_sent_at + timedelta(seconds=min_interval_seconds) - now).total_seconds()
        if wait > 0:
            return int(wait) + 1
    if sent_last_hour >= max_per_hour:
        return 3600
    return 0


def code_request_wait(
    *,
    requests_in_hour: list[datetime],
    now: datetime,
    max_per_hour: int,
    min_interval_seconds: int,
) -> tuple[int, str | None]:
    """R-DEL-3 / R-DEL-7: `POST /auth/otp` is throttled by the user name as submitted, delegate or not.

    `requests_in_hour` are the times of the accepted requests for that name in the last hour. The answer (0: go
    ahead, else the seconds to wait for `Retry-After`) depends only on them, never on the account, so an unknown
    name is throttled exactly like a known one and a 429 tells nothing about existence. The hourly cap frees a
    request when the oldest of the hour leaves the window. Returns (seconds, "interval" | "hourly_cap"), or
    (0, None) when the request may go ahead.
    """
    if requests_in_hour:
        last = max(requests_in_hour)
        wait = (last + timedelta(seconds=min_interval_seconds) - now).total_seconds()
        if wait > 0:
            return int(wait) + 1, "interval"
    if len(requests_in_hour) >= max_per_hour:
        oldest = sorted(requests_in_hour)[len(requests_in_hour) - max_per_hour]
        return max(1, int((oldest + timedelta(hours=1) - now).total_seconds()) + 1), "hourly_cap"
    return 0, None


def mask_email(email: str) -> str:
    """ "xxxname@email.com" style: enough for the person to recognise, not to harvest."""
    local, _, domain = email.partition("@")
    keep = local[-4:] if len(local) > 4 else local[-1:]
    return "x" * max(len(local) - len(keep), 3) + keep + "@" + domain


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return "x" * max(len(digits) - 4, 6) + digits[-4:]
