"""R-ENR-5, R-ENR-10 (issue 14): a change of effective date re-prices the chosen plans and never silently."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.domain.effective_dates import OpenEnrollment
from app.domain.enrollments import Facts, check_for_submit
from app.domain.errors import ValidationFailed
from app.domain.repricing import PlanChangeKind, PlanPrice, PlansReview, review_plans

JAN1, DEC1 = date(2027, 1, 1), date(2026, 12, 1)


def price(coverage: str, plan_id: str, offered: bool, premium: str | None) -> PlanPrice:
    return PlanPrice(coverage, plan_id, f"Plan {plan_id}", offered, None if premium is None else Decimal(premium))


def test_r_enr_5_new_date_in_another_plan_year_lists_plans_no_longer_offered() -> None:
    before = [price("medical", "M27", True, "1574.40"), price("dental", "D27", True, "99.15")]
    after = [price("medical", "M27", False, "1500.00"), price("dental", "D27", False, "95.00")]
    review = review_plans(before=before, after=after, previous_effective_date=JAN1, effective_date=DEC1)
    assert review is not None and review.section == "plans" and review.code == "enrollment.plans_stale"
    assert [(c.plan_id, c.change, c.previous_premium, c.new_premium) for c in review.changes] == [
        ("M27", PlanChangeKind.not_offered, Decimal("1574.40"), None),
        ("D27", PlanChangeKind.not_offered, Decimal("99.15"), None),
    ]
    assert review.changes[0].message == (
        "Medical plan Plan M27 (M27) is not offered for the effective date 12/01/2026; choose a plan offered for 2026."
    )
    assert review.message.startswith("The effective date changed from 01/01/2027 to 12/01/2026. Medical plan")
    assert review.message.endswith("Review the plans section and save it again.")


def test_r_enr_10_same_plan_year_different_premium_is_listed() -> None:
    before = [price("medical", "M", True, "400.00")]
    after = [price("medical", "M", True, "410.50")]
    review = review_plans(before=before, after=after, previous_effective_date=date(2027, 2, 1), effective_date=JAN1)
    assert review is not None
    [change] = review.changes
    assert (change.change, change.previous_premium, change.new_premium) == (
        PlanChangeKind.premium_changed,
        Decimal("400.00"),
        Decimal("410.50"),
    )
    assert "from $400.00 to $410.50" in change.message


def test_r_enr_10_nothing_changed_or_same_date_gives_no_review() -> None:
    same = [price("medical", "M", True, "400.00")]
    assert review_plans(before=same, after=same, previous_effective_date=JAN1, effective_date=date(2027, 2, 1)) is None
    assert review_plans(before=same, after=[], previous_effective_date=JAN1, effective_date=JAN1) is None


def test_r_enr_5_first_calculation_lists_only_plans_not_offered() -> None:
    """Without a previous effective date the premium was an estimate: only the offer is checked."""
    before = [price("medical", "M", True, "300.00"), price("dental", "D", True, "30.00")]
    after = [price("medical", "M", True, "320.00"), price("dental", "D", False, "30.00")]
    review = review_plans(before=before, after=after, previous_effective_date=None, effective_date=JAN1)
    assert review is not None and [(c.plan_id, c.change) for c in review.changes] == [("D", PlanChangeKind.not_offered)]
    assert review.message.startswith("The effective date changed to 01/01/2027.")


def test_r_enr_5_review_round_trips_through_its_stored_form() -> None:
    review = review_plans(
        before=[price("medical", "M", True, "400.00")],
        after=[price("medical", "M", True, "401.00")],
        previous_effective_date=JAN1,
        effective_date=DEC1,
    )
    assert review is not None
    assert PlansReview.from_json(review.to_json()) == review
    assert PlansReview.from_json(None) is None


def test_r_enr_15_submit_names_the_stale_plans_section() -> None:
    review = review_plans(
        before=[price("medical", "M", True, "400.00")],
        after=[price("medical", "M", False, None)],
        previous_effective_date=JAN1,
        effective_date=DEC1,
    )
    facts = Facts(
        today=date(2026, 11, 22),
        producer_numbers={},
        delegate_states=None,
        open_enrollment=OpenEnrollment(),
        max_dependents=19,
        consumer_choice_exempt=frozenset(),
        effective_date=DEC1,
        plans_review=review,
    )
    with pytest.raises(ValidationFailed) as exc:
        check_for_submit({}, facts)
    stale = [e for e in exc.value.errors if e.code == "enrollment.plans_stale"]
    assert len(stale) == 1 and stale[0].field == "plans" and "Plan M (M) is not offered" in stale[0].message
