"""Binder-payment rules, pure (R-PAY-1, R-PAY-4; issue 12 #1: one live payment per application)."""

from __future__ import annotations

import pytest

from app.domain.errors import Conflict
from app.domain.payments import (
    LIVE_STATUSES,
    LivePaymentRefused,
    autopay_problem,
    check_capture,
    check_charge,
    is_live,
    payment_exists,
)
from app.repositories.orm import Base


def test_trust_1_pending_and_successful_are_live_declined_and_cancelled_are_over() -> None:
    assert [s for s in ("Pending", "Successful", "Declined", "Cancelled") if is_live(s)] == ["Pending", "Successful"]


def test_trust_1_a_capture_while_a_payment_is_live_is_payment_exists_naming_it() -> None:
    check_capture(live=None)
    for status in LIVE_STATUSES:
        with pytest.raises(Conflict) as caught:
            check_capture(live=(42, status))
        assert caught.value.code == "payment.exists"
        assert caught.value.extra == {"payment_id": 42, "payment_status": status}
        assert "42" in caught.value.message
    assert payment_exists(7, "Pending").extra["payment_id"] == 7


def test_trust_1_only_a_pending_payment_of_an_unpaid_application_is_charged() -> None:
    check_charge(
        payment_id=1, payment_status="Pending", application_payment_status="Pending", successful_payment_id=None
    )
    cases = [
        (
            {"payment_status": "Successful", "application_payment_status": "Successful", "successful_payment_id": 1},
            "payment.not_pending",
        ),
        (
            {"payment_status": "Cancelled", "application_payment_status": "Cancelled", "successful_payment_id": None},
            "payment.not_pending",
        ),
        (
            {"payment_status": "Pending", "application_payment_status": "Pending", "successful_payment_id": 9},
            "payment.already_paid",
        ),
        (
            {"payment_status": "Pending", "application_payment_status": "Successful", "successful_payment_id": None},
            "payment.already_paid",
        ),
    ]
    for kwargs, code in cases:
        with pytest.raises(Conflict) as caught:
            check_charge(payment_id=1, **kwargs)  # type: ignore[arg-type]
        assert caught.value.code == code, kwargs


def test_trust_1_the_database_index_covers_exactly_the_live_statuses() -> None:
    [index] = [i for i in Base.metadata.tables["payments"].indexes if i.name == "uq_payments_application_live"]
    assert index.unique and [c.name for c in index.columns] == ["application_id"]
    for dialect in ("sqlite", "postgresql"):
        where = index.dialect_options[dialect]["where"]
        assert set(where.right.value) == set(LIVE_STATUSES), (dialect, where)


def test_trust_1_the_databases_refusal_of_a_second_live_payment_is_a_domain_conflict() -> None:
    """R-PAY-1: the repository answers the unique index's refusal as this error (no database error reaches the
    service); unanswered, it is the same 409 "conflict" as any refused duplicate."""
    refused = LivePaymentRefused("This conflicts with data that already exists (it may have just been created).")
    assert isinstance(refused, Conflict) and refused.code == "conflict" and refused.extra == {}


def test_r_pay_2_autopay_draws_from_a_bank_account_a_card_binder_may_add_one() -> None:
    assert autopay_problem(method="bank_account", autopay=True, bank_given=True) is None
    assert autopay_problem(method="card", autopay=True, bank_given=True) is None  # the enrollment guide's combination
    assert autopay_problem(method="card", autopay=False, bank_given=False) is None
    problem = autopay_problem(method="card", autopay=True, bank_given=False)
    assert problem is not None and problem[:2] == ("bank_account", "payment.autopay_bank_only")
    assert "add the bank account details for autopay" in problem[2]
