"""Ports to the carrier's back office: the enrollment system and the payment processor, with the built-in
simulated adapters (the real ones would call the carrier's services)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

DECLINING_CARDS = {"4000000000000002"}  # well-known test numbers (R-PAY-5)
DECLINING_ACCOUNTS_SUFFIX = "0002"


@dataclass(frozen=True)
class SubmissionOutcome:
    accepted: bool
    reason: str | None = None


class EnrollmentGateway(Protocol):
    async def submit(self, *, record_number: str, has_active_coverage: bool) -> SubmissionOutcome: ...


class SimulatedEnrollmentGateway:
    """Accepts every application except a duplicate of coverage the applicant already has with us."""

    def __init__(self, delay_seconds: float = 0.0) -> None:
        self.delay_seconds = delay_seconds  # PORTAL_GATEWAY_DELAY_SECONDS: a slow carrier system

    async def submit(self, *, record_number: str, has_active_coverage: bool) -> SubmissionOutcome:
        if self.delay_seconds > 0:
            await asyncio.sleep(self.delay_seconds)
        if has_active_coverage:
            return SubmissionOutcome(False, "The applicant already has active coverage with us for the same period.")
        return SubmissionOutcome(True)


@dataclass(frozen=True)
class CarrierDecision:
    """The back office's answer on a submitted application (issue 14)."""

    approved: bool
    reason: str | None = None


class CarrierBackOffice(Protocol):
    """The carrier's back office: it reviews a submitted (and paid) application and approves or declines it."""

    def due_before(self, now: datetime) -> datetime:
        """Applications submitted before this instant have been reviewed (the review takes this long)."""
        ...

    async def decide(self, *, record_number: str, applicant_last_name: str | None) -> CarrierDecision: ...


DECLINING_LAST_NAME = "decline"  # the simulated back office's well-known test applicant (like the test cards)


class SimulatedCarrierBackOffice:
    """Approves every application `review_seconds` after its submission, except the well-known test applicant
    whose last name is "Decline" (PORTAL_CARRIER_REVIEW_SECONDS)."""

    def __init__(self, review_seconds: float = 5.0) -> None:
        self.review_seconds = review_seconds

    def due_before(self, now: datetime) -> datetime:
        return now - timedelta(seconds=self.review_seconds)

    async def decide(self, *, record_number: str, applicant_last_name: str | None) -> CarrierDecision:
        if (applicant_last_name or "").strip().lower() == DECLINING_LAST_NAME:
            return CarrierDecision(False, "The applicant did not meet the carrier's underwriting guidelines.")
        return CarrierDecision(True)


@dataclass(frozen=True)
class Tokenized:
    token: str
    last4: str


@dataclass(frozen=True)
class ChargeOutcome:
    approved: bool
    reason: str | None = None


class PaymentProcessor(Protocol):
    def tokenize_card(self, number: str) -> Tokenized: ...
    def tokenize_bank_account(self, routing_number: str, account_number: str) -> Tokenized: ...
    async def charge(self, *, token: str, amount: Decimal) -> ChargeOutcome: ...


class SimulatedPaymentProcessor:
    """Approves everything but the well-known declining test numbers. Numbers never leave this adapter:
    the token is random, with the simulator's decision folded in."""

    def __init__(self, delay_seconds: float = 0.0) -> None:
        self.delay_seconds = delay_seconds  # PORTAL_GATEWAY_DELAY_SECONDS: charging takes this long

    def tokenize_card(self, number: str) -> Tokenized:
        return Tokenized(self._token("dec" if number in DECLINING_CARDS else "ok", number), number[-4:])

    def tokenize_bank_account(self, routing_number: str, account_number: str) -> Tokenized:
        kind = "dec" if account_number.endswith(DECLINING_ACCOUNTS_SUFFIX) else "ok"
        return Tokenized(self._token(kind, routing_number + account_number), account_number[-4:])

    async def charge(self, *, token: str, amount: Decimal) -> ChargeOutcome:
        if self.delay_seconds > 0:
            await asyncio.sleep(self.delay_seconds)
        if token.startswith("tok_dec_"):
            return ChargeOutcome(False, "The payment was declined by the card issuer or bank.")
        return ChargeOutcome(True)

    @staticmethod
    def _token(kind: str, secret: str) -> str:
        salt = secrets.token_hex(8)
        return f"tok_{kind}_{salt}{hashlib.sha256((salt + secret).encode()).hexdigest()[:24]}"


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def aba_routing_ok(routing: str) -> bool:
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0
