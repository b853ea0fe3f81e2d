"""Issue 14 on the fake unit of work: a new effective date re-prices the chosen plans (R-ENR-5, R-ENR-10)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.clock import FrozenClock
from app.context import AppContext
from app.domain.accounts import Principal
from app.domain.errors import ValidationFailed
from app.domain.repricing import PlanChangeKind
from app.repositories.orm import Application, AuditEvent
from app.services import enrollments
from tests.fakes import FakeStore
from tests.unit.services.book import REQUEST
from tests.unit.services.test_enrollment_payments import APPLICANT, SECTIONS, agent, completed  # noqa: F401

BORN_JAN_15 = {**APPLICANT, "applicant": {**APPLICANT["applicant"], "date_of_birth": "1987-01-15"}}


async def test_r_enr_10_later_effective_date_in_the_same_plan_year_flags_the_new_premium(
    ctx: AppContext,
    store: FakeStore,
    clock: FrozenClock,
    agent: Principal,  # noqa: F811
) -> None:
    """Chosen on 11-22 (Jan 1: Riley 39) then recalculated on 12-20 (Feb 1: Riley 40): same plan, new premium."""
    app_id = await completed(ctx, agent, applicant=BORN_JAN_15)
    first = store.one(Application, id=app_id)
    assert first.effective_date.isoformat() == "2027-01-01" and first.plans_review is None
    assert first.monthly_premium == Decimal("504.80")  # 400 x 1.262 (age 39)

    clock.advance(days=28)  # 2026-12-20: open enrollment, after the Jan 1 deadline
    result = await enrollments.calculate_effective(ctx=ctx, principal=agent, application_id=app_id, request=REQUEST)
    assert result.effective_date.isoformat() == "2027-02-01"
    assert result.plans_review is not None
    [change] = result.plans_review.changes
    assert (change.plan_id, change.change, change.previous_premium, change.new_premium) == (
        "E-HMO",
        PlanChangeKind.premium_changed,
        Decimal("504.80"),
        Decimal("511.20"),  # 400 x 1.278 (age 40)
    )
    stored = store.one(Application, id=app_id)
    assert stored.monthly_premium == Decimal("511.20")
    assert stored.plans_review == result.plans_review.to_json()
    audits = [a for a in store.rows(AuditEvent) if a.action == "enrollment.effective_date_calculated"]
    assert [a.details["plans_stale"] for a in audits] == [[], ["E-HMO"]]

    with pytest.raises(ValidationFailed) as exc:
        await enrollments.submit(ctx=ctx, principal=agent, application_id=app_id, request=REQUEST)
    assert [(e.field, e.code) for e in exc.value.errors] == [("plans", "enrollment.plans_stale")]
    assert store.one(Application, id=app_id).status == "incomplete"

    # the producer confirms the plan at its new premium: saving the plans section clears the review
    await enrollments.save_section(
        ctx=ctx,
        principal=agent,
        application_id=app_id,
        name="plans",
        data=SECTIONS["plans"],
        expected_version=None,
        request=REQUEST,
    )
    assert store.one(Application, id=app_id).plans_review is None
    await enrollments.submit(ctx=ctx, principal=agent, application_id=app_id, request=REQUEST)
    assert store.one(Application, id=app_id).status == "submitted"


async def test_r_enr_5_recalculating_the_same_date_changes_nothing(
    ctx: AppContext,
    store: FakeStore,
    clock: FrozenClock,
    agent: Principal,  # noqa: F811
) -> None:
    app_id = await completed(ctx, agent, applicant=BORN_JAN_15)
    clock.advance(days=1)
    result = await enrollments.calculate_effective(ctx=ctx, principal=agent, application_id=app_id, request=REQUEST)
    assert result.effective_date.isoformat() == "2027-01-01" and result.plans_review is None
    assert store.one(Application, id=app_id).plans_review is None
