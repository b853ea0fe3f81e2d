"""Binder-payment rules (R-PAY-1, R-PAY-4; issue 12 #1: money is charged once). Pure.

An application has at most one *live* payment: one waiting to be submitted (Pending) or already taken
(Successful). A Declined or Cancelled payment is over, and the producer may capture a new one. The database
holds the same rule (a partial unique index on payments(application_id) over the live statuses).
"""

from __future__ import annotations

from app.domain.errors import Conflict

PENDING = "Pending"
SUCCESSFUL = "Successful"
LIVE_STATUSES = (PENDING, SUCCESSFUL)


def is_live(status: str) -> bool:
    return status in LIVE_STATUSES


class LivePaymentRefused(Conflict):
    """The database refused a second live payment of an application (the unique index over the live statuses).

    Only reachable if the check under the application lock was bypassed; the service answers it as that check
    does, naming the payment that won (`payment_exists`).
    """

    code = "conflict"


def autopay_problem(*, method: str, autopay: bool, bank_given: bool) -> tuple[str, str, str] | None:
    """R-PAY-2: autopay draws from a bank account. The enrollment guide: "Applicant can pay the initial binder
    payment with a Credit Card and add Bank details to setup Autopay" -- so a card binder payment with autopay is
    allowed when the bank account for autopay is given beside the card. Answers (field, code, message) when not."""
    if autopay and method == "card" and not bank_given:
        return (
            "bank_account",
            "payment.autopay_bank_only",
            "Autopay is only available with a bank account: add the bank account details for autopay (the first "
            "payment can still be made by card), or turn autopay off.",
        )
    return None


def payment_exists(payment_id: int, status: str) -> Conflict:
    """The 409 for a second capture while one is live; it names the live payment so the client can go on with it."""
    if status == SUCCESSFUL:
        message = f"The binder payment was already made (payment {payment_id})."
    else:
        message = (
            f"Payment {payment_id} is already waiting to be submitted for this application: submit or cancel "
            "it before capturing another."
        )
    return Conflict(message, code="payment.exists", extra={"payment_id": payment_id, "payment_status": status})


def check_capture(*, live: tuple[int, str] | None) -> None:
    """R-PAY-1: a new payment only while the application has no live one."""
    if live is not None:
        raise payment_exists(*live)


def check_charge(
    *, payment_id: int, payment_status: str, application_payment_status: str | None, successful_payment_id: int | None
) -> None:
    """R-PAY-1: only a Pending payment is charged, and never when the application is already paid."""
    if payment_status != PENDING:
        raise Conflict(f"This payment is already {payment_status}.", code="payment.not_pending")
    if successful_payment_id is not None and successful_payment_id != payment_id:
        raise Conflict(
            f"The binder payment was already made (payment {successful_payment_id}).",
            code="payment.already_paid",
            extra={"payment_id": successful_payment_id},
        )
    if application_payment_status == SUCCESSFUL:
        raise Conflict("The binder payment was already made.", code="payment.already_paid")
