"""Submission (R-ENR-15) and binder payments (R-PAY-1 .. R-PAY-5) on the fake unit of work."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.context import AppContext
from app.domain.accounts import Principal
from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.repositories.orm import Application, AuditEvent, County, Payment, Plan, PlanRate
from app.services import enrollments, payments
from tests.fakes import START, FakeStore
from tests.unit.services.book import REQUEST, family, medical_group, producer

CARD = {"number": "4242 4242 4242 4242", "exp_month": 1, "exp_year": 2031, "cvc": "999", "name": "R E"}
DECLINING_CARD = {**CARD, "number": "4000000000000002"}
BANK = {"routing_number": "011000015", "account_number": "12345678", "account_type": "checking"}
APPLICANT = {
    "form_type": "medical",
    "authorization": "in_person",
    "terms_accepted": True,
    "applicant": {
        "first_name": "Riley",
        "middle_initial": None,
        "last_name": "Enroller",
        "date_of_birth": "1987-01-01",
        "ssn": "123456789",
        "sex": "female",
        "tobacco_use": False,
        "tobacco_last_used": None,
    },
    "home_address": {
        "address1": "1 Main St",
        "address2": None,
        "city": "Chicago",
        "state": "IL",
        "zip_code": "60699",
        "county": "Testcook",
    },
    "mailing_address": None,
    "contact": {"primary_phone": "3125550100", "phone_type": "mobile", "email": "riley@example.com"},
}
SECTIONS: dict[str, Any] = {
    "general": {"producer_number": "220002580", "is_sep": False, "life_events": []},
    "applicant": APPLICANT,
    "household": {"hra": None, "language_ethnicity": None, "spouse": None, "dependents": []},
    "plans": {
        "medical_plan_id": "E-HMO",
        "dental_plan_id": None,
        "pediatric_dental_attested": False,
        "pcp": [{"applicant": "primary", "pcp_number": "T124"}],
        "use_same_pcp_number_for_all": None,
    },
    "other-coverage": {
        "coverage_replacement": {"replacing": False, "entries": []},
        "other_coverage": {"has_other": False, "entries": []},
        "proxy_agreed": False,
    },
    "signatures": {
        "authorized_representative": None,
        "parent_guardian": None,
        "consumer_choice_disclosure_accepted": False,
        "payment_option": "pay_now",
    },
}


@pytest.fixture
def agent(store: FakeStore) -> Principal:
    """A producer with IL number 220002580, an HMO for 2027 rated in Testcook (area 9) and its PCP group."""
    principal = producer(store)
    store.seed(County(zip_code="60699", fips="17999", name="Testcook", state="IL", rating_area=9))
    store.seed(
        Plan(
            plan_id="E-HMO",
            name="Enroll Test Silver HMO 301",
            coverage="medical",
            metal_level="silver",
            network_type="HMO",
            requires_pcp=True,
            exchange="off",
            state="IL",
            network_code="T-HMO",
            plan_year=2027,
            group_number="EG0001",
            tobacco_factor=Decimal("1.50"),
            customer_service_phone="8005551212",
        )
    )
    store.seed(PlanRate(plan_id="E-HMO", state="IL", rating_area=9, base_rate=Decimal("400.00")))
    medical_group(store, "T124")
    return principal


async def completed(ctx: AppContext, agent: Principal, **replace: Any) -> int:
    """An application through the services as the portal saves it: section by section, then the effective date."""
    app = await enrollments.create_application(ctx=ctx, principal=agent, request=REQUEST)
    for name, data in {**SECTIONS, **replace}.items():
        await enrollments.save_section(
            ctx=ctx,
            principal=agent,
            application_id=app.id,
            name=name,
            data=data,
            expected_version=None,
            request=REQUEST,
        )
    await enrollments.calculate_effective(ctx=ctx, principal=agent, application_id=app.id, request=REQUEST)
    return app.id


async def submitted(ctx: AppContext, agent: Principal) -> int:
    app_id = await completed(ctx, agent)
    await enrollments.submit(ctx=ctx, principal=agent, application_id=app_id, request=REQUEST)
    return app_id


async def capture(ctx: AppContext, agent: Principal, app_id: int, **kw: Any) -> Payment:
    args: dict[str, Any] = dict(
        method="card", card=CARD, bank=None, payment_date=date(2026, 12, 1), terms_accepted=True, autopay=False
    )
    args.update(kw)
    return await payments.create_payment(ctx=ctx, principal=agent, application_id=app_id, request=REQUEST, **args)


# --- submission ---------------------------------------------------------------------------------------------------


async def test_r_enr_15_submit_numbers_the_application_and_commits_it(ctx, store, agent) -> None:
    app_id = await completed(ctx, agent)
    result = await enrollments.submit(ctx=ctx, principal=agent, application_id=app_id, request=REQUEST)
    stored = store.one(Application, id=app_id)
    assert (stored.status, stored.record_number, stored.client_app_id) == (
        "submitted",
        f"{app_id:010d}",  # issue 14: the e-app number, digits
        f"{1000 + app_id}",
    )
    assert result.record_number == stored.record_number and stored.date_submitted == START
    assert (stored.payment_status, stored.product_name, stored.coverage, stored.member_count) == (
        "Pending",
        "Enroll Test Silver HMO 301",
        "medical",
        1,
    )
    assert stored.effective_date == date(2027, 1, 1)  # R-ENR-5: no SEP, in open enrollment: January 1st
    assert stored.monthly_premium is not None and stored.monthly_premium > 0
    # the SSN is sealed in the stored sections (R-MEM-7)
    person = stored.sections["applicant"]["applicant"]
    assert "ssn" not in person and person["ssn_last4"] == "6789" and "123456789" not in str(stored.sections)
    event = store.one(AuditEvent, action="enrollment.submitted")
    assert (event.outcome, event.details) == ("success", {"record_number": stored.record_number, "reason": None})

    with pytest.raises(Conflict) as caught:  # R-ENR-18: never twice
        await enrollments.submit(ctx=ctx, principal=agent, application_id=app_id, request=REQUEST)
    assert caught.value.code == "enrollment.submitted"


async def test_r_enr_15_every_missing_section_at_once_and_nothing_written(ctx, store, agent) -> None:
    app = await enrollments.create_application(ctx=ctx, principal=agent, request=REQUEST)
    await enrollments.save_section(
        ctx=ctx,
        principal=agent,
        application_id=app.id,
        name="general",
        data=SECTIONS["general"],
        expected_version=None,
        request=REQUEST,
    )
    before = store.snapshot()
    with pytest.raises(ValidationFailed) as caught:
        await enrollments.submit(ctx=ctx, principal=agent, application_id=app.id, request=REQUEST)
    fields = {e.field for e in caught.value.errors}
    assert {"applicant", "household", "plans", "other-coverage", "signatures", "effective_date"} <= fields
    assert store.snapshot() == before and store.one(Application).status == "incomplete"


async def test_r_enr_15_active_coverage_fails_the_submission_with_its_reason(ctx, store, agent) -> None:
    other = producer(store, "otheragent")
    fam = family(store, other.user_id, last_name="Enroller")
    person = fam.members["primary"]
    person.first_name, person.date_of_birth = "Riley", date(1987, 1, 1)
    store.seed(person)  # rewrite the committed row: Riley Enroller is covered with us (another producer's book)
    app_id = await completed(ctx, agent)
    result = await enrollments.submit(ctx=ctx, principal=agent, application_id=app_id, request=REQUEST)
    stored = store.one(Application, id=app_id)
    assert result.status == stored.status == "failed" and "already has active coverage" in (stored.failure_reason or "")
    assert stored.client_app_id is None and stored.payment_status is None
    assert store.one(AuditEvent, action="enrollment.submitted").outcome == "failure"


# --- payments -----------------------------------------------------------------------------------------------------


async def test_r_pay_1_5_capture_keeps_a_token_and_the_last_four_and_marks_the_application(ctx, store, agent) -> None:
    app_id = await submitted(ctx, agent)
    payment = await capture(ctx, agent, app_id)
    stored = store.one(Payment)
    assert (stored.id, stored.status, stored.method, stored.last4) == (payment.id, "Pending", "card", "4242")
    assert stored.amount == store.one(Application).monthly_premium and stored.payment_date == date(2026, 12, 1)
    assert stored.processor_token.startswith("tok_") and "4242424242424242" not in str(vars(stored))
    assert store.one(Application).payment_status == "Pending"  # R-PAY-4
    assert store.one(AuditEvent, action="payment.captured").details == {"method": "card", "last4": "4242"}
    with pytest.raises(Conflict) as caught:  # one live payment per application
        await capture(ctx, agent, app_id, card=None, method="bank_account", bank=BANK)
    assert caught.value.code == "payment.exists" and caught.value.extra["payment_id"] == payment.id


async def test_r_pay_1_2_every_input_problem_at_once_and_nothing_written(ctx, store, agent) -> None:
    app_id = await submitted(ctx, agent)
    before = store.snapshot()
    with pytest.raises(ValidationFailed) as caught:
        await capture(
            ctx,
            agent,
            app_id,
            card={**CARD, "number": "4242424242424241", "exp_year": 2025},
            terms_accepted=False,
            autopay=True,
            payment_date=date(2026, 11, 21),
        )
    assert {e.code for e in caught.value.errors} == {
        "payment.terms_required",
        "payment.autopay_bank_only",  # R-PAY-2
        "payment.card_invalid",
        "payment.card_expired",
        "payment.date_past",
    }
    assert store.snapshot() == before


async def test_r_pay_1_payments_wait_for_a_submitted_application(ctx, store, agent) -> None:
    app_id = await completed(ctx, agent)
    with pytest.raises(Conflict) as caught:
        await capture(ctx, agent, app_id)
    assert caught.value.code == "payment.not_submitted" and store.rows(Payment) == []
    with pytest.raises(NotFound):
        await capture(ctx, producer(store, "otheragent"), app_id)


async def test_r_pay_1_4_submit_needs_the_agreement_then_charges_once(ctx, store, agent) -> None:
    app_id = await submitted(ctx, agent)
    payment = await capture(ctx, agent, app_id, method="bank_account", card=None, bank=BANK, autopay=True)
    assert (payment.autopay, payment.last4, payment.account_type) == (True, "5678", "checking")
    with pytest.raises(ValidationFailed) as caught:
        await payments.submit_payment(ctx=ctx, principal=agent, payment_id=payment.id, agreement=False, request=REQUEST)
    assert caught.value.code == "payment.agreement_required" and store.one(Payment).status == "Pending"
    done = await payments.submit_payment(
        ctx=ctx, principal=agent, payment_id=payment.id, agreement=True, request=REQUEST
    )
    assert done.status == store.one(Payment).status == "Successful" and store.one(Payment).submitted_at == START
    assert store.one(Application).payment_status == "Successful"
    with pytest.raises(Conflict):  # charged once
        await payments.submit_payment(ctx=ctx, principal=agent, payment_id=payment.id, agreement=True, request=REQUEST)
    with pytest.raises(Conflict) as caught:
        await capture(ctx, agent, app_id)
    assert caught.value.code == "payment.exists"


async def test_r_pay_4_a_decline_shows_on_the_application_and_a_new_payment_may_follow(ctx, store, agent) -> None:
    app_id = await submitted(ctx, agent)
    declined = await capture(ctx, agent, app_id, card=DECLINING_CARD)
    result = await payments.submit_payment(
        ctx=ctx, principal=agent, payment_id=declined.id, agreement=True, request=REQUEST
    )
    assert result.status == "Declined" and result.decline_reason
    assert store.one(Application).payment_status == "Declined"
    assert store.one(AuditEvent, action="payment.submitted").outcome == "failure"
    retry = await capture(ctx, agent, app_id)
    assert [p.status for p in store.rows(Payment)] == ["Declined", "Pending"] and retry.id != declined.id


async def test_r_pay_3_cancel_bills_later_and_keeps_the_application_submitted(ctx, store, agent) -> None:
    app_id = await submitted(ctx, agent)
    payment = await capture(ctx, agent, app_id)
    cancelled = await payments.cancel_payment(ctx=ctx, principal=agent, payment_id=payment.id, request=REQUEST)
    assert cancelled.status == store.one(Payment).status == "Cancelled"
    application = store.one(Application)
    assert (application.status, application.payment_status) == ("submitted", "Cancelled")
    with pytest.raises(Conflict) as caught:
        await payments.submit_payment(ctx=ctx, principal=agent, payment_id=payment.id, agreement=True, request=REQUEST)
    assert caught.value.code == "payment.not_pending"
