"""Binder payments (R-PAY-1 .. R-PAY-5): capture, review, submit with the agreement, or cancel."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from app.adapters.gateways import SimulatedPaymentProcessor, aba_routing_ok, luhn_ok
from app.domain.accounts import Principal
from app.domain.carrier import APPROVED, paid_to_after_binder
from app.domain.enrollments import Lifecycle
from app.domain.errors import Conflict, ErrorCollector, NotFound, ValidationFailed
from app.domain.payments import (
    PENDING,
    SUCCESSFUL,
    LivePaymentRefused,
    autopay_problem,
    check_capture,
    check_charge,
    payment_exists,
)
from app.domain.webhooks import EventType
from app.ports import HasClock, HasSettings, HasUnitOfWork, HasWebhooks
from app.repositories.orm import Application, Payment
from app.repositories.uow import UnitOfWork
from app.services import audit
from app.services.audit import RequestContext


class PaymentPorts(HasUnitOfWork, HasClock, HasSettings, HasWebhooks, Protocol):
    """What the payment services use."""


def _processor(ctx: PaymentPorts) -> SimulatedPaymentProcessor:
    """The payment-processor port."""
    return SimulatedPaymentProcessor(delay_seconds=ctx.settings.gateway_delay_seconds)


def _producer_id(principal: Principal) -> int:
    pid = principal.book_id
    return pid


async def create_payment(
    *,
    ctx: PaymentPorts,
    principal: Principal,
    application_id: int,
    method: str,
    card: dict | None,
    bank: dict | None,
    payment_date,
    terms_accepted: bool,  # type: ignore[no-untyped-def, type-arg]
    autopay: bool,
    request: RequestContext,
) -> Payment:
    """R-PAY-1: amount = first month's premium; terms of use accepted; nothing is charged until submit."""
    now = ctx.clock.now()
    errors = ErrorCollector()
    if not terms_accepted:
        errors.add("terms_accepted", "payment.terms_required", "Accept the Terms of Use and Privacy Statement.")
    if (problem := autopay_problem(method=method, autopay=autopay, bank_given=bank is not None)) is not None:
        errors.add(*problem)  # R-PAY-2
    if method == "card":
        if card is None:
            errors.add("card", "payment.card_required", "Enter the card details.")
        else:
            number = card["number"].replace(" ", "").replace("-", "")
            if not number.isdigit() or not luhn_ok(number):
                errors.add("card.number", "payment.card_invalid", "The card number is not valid.")
            if (card["exp_year"], card["exp_month"]) < (now.year, now.month):
                errors.add("card.exp_year", "payment.card_expired", "The card has expired.")
    elif bank is None:
        errors.add("bank_account", "payment.bank_required", "Enter the bank account details.")
    if bank is not None and (method == "bank_account" or autopay) and not aba_routing_ok(bank["routing_number"]):
        errors.add("bank_account.routing_number", "payment.routing_invalid", "The routing number is not valid.")
    if payment_date < now.date():
        errors.add("payment_date", "payment.date_past", "The payment date cannot be in the past.")
    errors.raise_if_any()
    try:
        return await _capture(
            ctx=ctx,
            principal=principal,
            application_id=application_id,
            method=method,
            card=card,
            bank=bank,
            payment_date=payment_date,
            autopay=autopay,
            request=request,
            now=now,
        )
    except LivePaymentRefused:
        # Only reachable if the application lock was bypassed: the database refused a second live payment. Answer
        # as the check under the lock does, naming the payment that won.
        async with ctx.uow() as uow:
            live = await uow.payments.live_for_application(application_id)
        if live is None:
            raise
        raise payment_exists(live.id, live.status) from None


async def _capture(
    *,
    ctx: PaymentPorts,
    principal: Principal,
    application_id: int,
    method: str,
    card: dict[str, Any] | None,
    bank: dict[str, Any] | None,
    payment_date: date,
    autopay: bool,
    request: RequestContext,
    now: datetime,
) -> Payment:
    async with ctx.uow() as uow:
        # The application row is the lock every payment of the application takes first (capture, submit, cancel):
        # on SQLite this statement opens the transaction with the database write lock (app/db.py).
        app = await uow.applications.get_in_book(application_id, principal.book_id, for_update=True)
        if app is None:
            raise NotFound(f"Application {application_id} not found.")
        lifecycle = Lifecycle.of(app)
        lifecycle.check_payable()
        live = await uow.payments.live_for_application(app.id)
        check_capture(live=(live.id, live.status) if live else None)
        if lifecycle.payment_status == SUCCESSFUL:
            raise Conflict("The binder payment was already made.", code="payment.already_paid")
        if app.monthly_premium is None:
            raise Conflict("The application has no premium to pay.", code="payment.no_amount")
        # R-PAY-5: the number goes to the processor; only its token and last 4 are kept.
        if method == "card":
            assert card is not None
            tok = _processor(ctx).tokenize_card(card["number"].replace(" ", "").replace("-", ""))
        else:
            assert bank is not None
            tok = _processor(ctx).tokenize_bank_account(bank["routing_number"], bank["account_number"])
        # R-PAY-2: autopay draws from a bank account -- the binder's own, or the one given beside a card binder.
        auto = None
        if autopay:
            assert bank is not None
            auto = (
                tok
                if method == "bank_account"
                else _processor(ctx).tokenize_bank_account(bank["routing_number"], bank["account_number"])
            )
        payment = Payment(
            application_id=app.id,
            producer_id=app.producer_id,
            method=method,
            amount=Decimal(app.monthly_premium),
            payment_date=payment_date,
            autopay=autopay,
            status=PENDING,
            processor_token=tok.token,
            last4=tok.last4,
            account_type=bank["account_type"] if bank and method == "bank_account" else None,
            autopay_token=auto.token if auto else None,
            autopay_last4=auto.last4 if auto else None,
            autopay_account_type=bank["account_type"] if auto and bank else None,
            confirmation_number=f"PC{secrets.randbelow(10**10):010d}",
            created_at=now,
        )
        await uow.payments.add_live(payment)
        lifecycle.paid(PENDING).apply_to(app)  # R-PAY-4
        audit.record(
            uow,
            now=now,
            request=request,
            action="payment.captured",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="application",
            target_id=app.id,
            details={"method": method, "last4": tok.last4, **({"autopay_last4": auto.last4} if auto else {})},
        )
        await uow.commit()
        return payment


async def _lock(uow: UnitOfWork, principal: Principal, payment_id: int) -> tuple[Payment, Application]:
    """The payment and its application, locked in the order capture takes them (application, then payment)."""
    found = await uow.payments.get_in_book(payment_id, principal.book_id)
    if found is None:
        raise NotFound(f"Payment {payment_id} not found.")
    app = await uow.applications.get_in_book(found.application_id, found.producer_id, for_update=True)
    payment = await uow.payments.get_in_book(payment_id, principal.book_id, for_update=True)
    if app is None or payment is None:  # deleted in between: an application with payments is submitted, so never
        raise NotFound(f"Payment {payment_id} not found.")
    return payment, app


async def get_payment(*, ctx: PaymentPorts, principal: Principal, payment_id: int) -> Payment:
    async with ctx.uow() as uow:
        payment = await uow.payments.get_in_book(payment_id, principal.book_id)
        if payment is None:
            raise NotFound(f"Payment {payment_id} not found.")
        return payment


async def submit_payment(
    *, ctx: PaymentPorts, principal: Principal, payment_id: int, agreement: bool, request: RequestContext
) -> Payment:
    """R-PAY-1: "submit payment and proceed" needs the payment agreement; only then is the payment made."""
    if not agreement:
        raise ValidationFailed(
            "Agree that the payment may be taken from this payment method.",
            code="payment.agreement_required",
            field="agreement",
        )
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        payment, app = await _lock(uow, principal, payment_id)
        # Re-checked under the lock: a concurrent submit of this payment (or another of the application) that
        # committed first is seen here, so the processor is asked to charge once.
        check_charge(
            payment_id=payment.id,
            payment_status=payment.status,
            application_payment_status=app.payment_status,
            successful_payment_id=await uow.payments.successful_for_application(app.id),
        )
        outcome = await _processor(ctx).charge(token=payment.processor_token, amount=payment.amount)
        payment.status = SUCCESSFUL if outcome.approved else "Declined"
        payment.decline_reason = outcome.reason
        payment.submitted_at = now
        Lifecycle.of(app).paid(payment.status).apply_to(app)  # R-PAY-4
        if outcome.approved and app.decision == APPROVED and app.effective_date is not None:
            # Issue 14: an approved application's policies are in the book: their initial payment is received now.
            await uow.carrier.binder_paid(app.id, paid_to=paid_to_after_binder(app.effective_date))
        audit.record(
            uow,
            now=now,
            request=request,
            action="payment.submitted",
            outcome="success" if outcome.approved else "failure",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="application",
            target_id=app.id,
            details={"payment_id": payment.id, "status": payment.status},
        )
        await ctx.webhooks.emit(
            uow,
            producer_id=app.producer_id,
            event_type=EventType.payment_succeeded if outcome.approved else EventType.payment_failed,
            data={
                "payment_id": payment.id,
                "application_id": app.id,
                "record_number": app.record_number,
                "status": payment.status,
                "amount": str(payment.amount),
                "decline_reason": payment.decline_reason,
            },
        )
        await uow.commit()
        return payment


async def cancel_payment(
    *, ctx: PaymentPorts, principal: Principal, payment_id: int, request: RequestContext
) -> Payment:
    """R-PAY-3: no payment, the client is billed later; the application stays submitted."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        payment, app = await _lock(uow, principal, payment_id)
        if payment.status != PENDING:
            raise Conflict(f"This payment is already {payment.status}.", code="payment.not_pending")
        payment.status = "Cancelled"
        Lifecycle.of(app).paid(payment.status).apply_to(app)  # R-PAY-4
        audit.record(
            uow,
            now=now,
            request=request,
            action="payment.cancelled",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="application",
            target_id=app.id,
            details={"payment_id": payment.id},
        )
        await uow.commit()
        return payment
