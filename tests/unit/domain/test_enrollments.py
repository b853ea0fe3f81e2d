"""Application rules, pure (R-ENR-1, 3, 4, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16; the lifecycle: R-PAY-1, R-PAY-4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from app.domain.effective_dates import OpenEnrollment
from app.domain.enrollments import (
    Facts,
    Lifecycle,
    PlanFacts,
    check_applicant,
    check_for_submit,
    check_general,
    check_household,
    check_life_event_change,
    check_other_coverage,
    check_plans,
    check_signatures,
    expires_at,
    rated_people,
    record_number,
)
from app.domain.errors import Conflict, PreconditionFailed, ValidationFailed
from app.domain.rating import Person, premiums

FACTS = Facts(
    today=date(2026, 11, 22),
    producer_numbers={"220002580": "IL", "220002581": "TX"},
    delegate_states=None,
    open_enrollment=OpenEnrollment(),
    max_dependents=19,
    consumer_choice_exempt=frozenset({"Blue Advantage Gold HMO 207"}),
    plans={
        "HMO": PlanFacts("HMO", "Silver HMO", "medical", "HMO", True, "off", "IL", "N", True),
        "TXGOLD": PlanFacts("TXGOLD", "Blue Advantage Gold HMO 207", "medical", "HMO", True, "off", "TX", "N", True),
        "DEN": PlanFacts("DEN", "Dental", "dental", "PPO", False, "off", "IL", "D", True),
    },
    providers={"124": frozenset({"N"})},
    effective_date=date(2027, 1, 1),
)
APPLICANT = {
    "form_type": "medical_dental",
    "authorization": "in_person",
    "terms_accepted": True,
    "applicant": {
        "first_name": "A",
        "last_name": "B",
        "date_of_birth": "1980-01-01",
        "sex": "female",
        "tobacco_use": False,
    },
    "home_address": {"address1": "1", "city": "C", "state": "IL", "zip_code": "60601", "county": "Cook"},
    "contact": {"primary_phone": "3125550100", "phone_type": "mobile"},
}


def codes(fn, *args, **kw) -> set[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as e:
        fn(*args, **kw)
    return {x.code for x in e.value.errors} or {e.value.code}


def test_r_enr_3_producer_number_and_delegate_states() -> None:
    check_general({"producer_number": "220002580", "is_sep": False, "life_events": []}, FACTS)
    assert codes(check_general, {"producer_number": "999", "is_sep": False, "life_events": []}, FACTS) == {
        "enrollment.producer_number_unknown"
    }
    delegate = Facts(**{**FACTS.__dict__, "delegate_states": frozenset({"TX"})})
    assert codes(check_general, {"producer_number": "220002580", "is_sep": False, "life_events": []}, delegate) == {
        "enrollment.delegate_state"
    }


def test_r_enr_4_sep_needs_events_and_the_last_cannot_be_deleted() -> None:
    assert "enrollment.life_event_required" in codes(
        check_general, {"producer_number": "220002580", "is_sep": True, "life_events": []}, FACTS
    )
    with pytest.raises(ValidationFailed):
        check_life_event_change([{"event_type": "marriage"}], [])
    check_life_event_change([{"a": 1}, {"b": 2}], [{"a": 1}])


def test_r_enr_6_7_terms_and_tobacco() -> None:
    bad = {**APPLICANT, "terms_accepted": False, "applicant": {**APPLICANT["applicant"], "tobacco_use": True}}  # type: ignore[dict-item]
    assert codes(check_applicant, bad, FACTS) == {"enrollment.terms_required", "enrollment.tobacco_date_required"}
    check_applicant({**APPLICANT, "authorization": "paper_application", "terms_accepted": False}, FACTS)


def test_r_enr_9_dependents_cap() -> None:
    kid = {"first_name": "K", "last_name": "B", "date_of_birth": "2010-01-01", "sex": "male"}
    check_household({"spouse": kid, "dependents": [kid] * 18}, FACTS)
    assert codes(check_household, {"spouse": kid, "dependents": [kid] * 19}, FACTS) == {
        "enrollment.too_many_dependents"
    }


def test_r_enr_10_11_plans() -> None:
    sections = {
        "applicant": APPLICANT,
        "household": {
            "dependents": [{"first_name": "K", "last_name": "B", "date_of_birth": "2015-01-01", "sex": "male"}]
        },
    }
    assert codes(check_plans, {"medical_plan_id": "HMO"}, sections, FACTS) == {"enrollment.pediatric_dental"}
    check_plans({"medical_plan_id": "HMO", "pediatric_dental_attested": True}, sections, FACTS)
    check_plans(
        {"medical_plan_id": "HMO", "dental_plan_id": "DEN", "pcp": [{"applicant": "primary", "pcp_number": "124"}]},
        sections,
        FACTS,
    )
    assert codes(
        check_plans,
        {"medical_plan_id": "HMO", "dental_plan_id": "DEN", "pcp": [{"applicant": "spouse", "pcp_number": "999"}]},
        sections,
        FACTS,
    ) == {"enrollment.pcp_applicant_unknown", "enrollment.pcp_unknown"}


def test_r_enr_1_r_enr_10_an_application_from_a_quote_rates_the_prefilled_household() -> None:
    """Before the household section is saved, the quote's spouse and children are charged too (R-QUO-2)."""
    prefill = {
        "applicant": {
            "first_name": "Riley",
            "last_name": "E",
            "date_of_birth": "1987-01-01",
            "sex": "female",
            "tobacco_use": False,
        },
        "spouse": {"date_of_birth": "1987-05-01", "sex": "male", "tobacco_use": True},
        "dependents": [{"date_of_birth": "2015-03-03", "sex": "female"}],
        "home": {"zip_code": "60699", "county": "Testcook", "state": "IL"},
    }
    family = [
        Person("primary", date(1987, 1, 1)),
        Person("spouse", date(1987, 5, 1), tobacco_use=True),
        Person("child", date(2015, 3, 3)),
    ]
    assert rated_people({"prefill": prefill, "plans": {"medical_plan_id": "HMO"}}) == family
    _, total = premiums(
        base_rate=Decimal("400"),
        tobacco_factor=Decimal("1.5"),
        coverage="medical",
        people=rated_people({"prefill": prefill}),
        effective_date=date(2027, 1, 1),
    )
    assert total == Decimal("1574.40")  # 400 x 1.278 + 400 x 1.262 x 1.5 + 400 x 0.765, not 511.20 (primary only)
    # the saved sections win: the saved applicant, and a saved household without a spouse means no spouse
    smoker = {"first_name": "A", "last_name": "B", "date_of_birth": "1980-01-01", "sex": "female", "tobacco_use": True}
    saved = {"prefill": prefill, "applicant": {"applicant": smoker}, "household": {"spouse": None, "dependents": []}}
    assert rated_people(saved) == [Person("primary", date(1980, 1, 1), tobacco_use=True)]
    # applicant saved, household not yet: the quote's spouse and children are still rated
    assert rated_people({"prefill": prefill, "applicant": {"applicant": smoker}})[1:] == family[1:]
    assert rated_people({"plans": {"medical_plan_id": "HMO"}}) == []  # blank application: nobody to rate yet


def test_r_enr_12_details_when_yes() -> None:
    assert codes(check_other_coverage, {"coverage_replacement": {"replacing": True, "entries": []}}, FACTS) == {
        "enrollment.entries_required"
    }


def test_r_enr_13_guardian_and_texas_disclosure() -> None:
    child = {**APPLICANT, "applicant": {**APPLICANT["applicant"], "date_of_birth": "2012-01-01"}}  # type: ignore[dict-item]
    assert codes(check_signatures, {}, {"applicant": child}, FACTS, for_submit=False) == {
        "enrollment.guardian_required"
    }
    tx = {**APPLICANT, "home_address": {**APPLICANT["home_address"], "state": "TX"}}  # type: ignore[dict-item]
    assert codes(
        check_signatures, {}, {"applicant": tx, "plans": {"medical_plan_id": "HMO"}}, FACTS, for_submit=False
    ) == {"enrollment.consumer_choice_disclosure"}
    check_signatures({}, {"applicant": tx, "plans": {"medical_plan_id": "TXGOLD"}}, FACTS, for_submit=False)


def test_r_enr_14_payment_choice_before_submit() -> None:
    assert codes(check_signatures, {}, {"applicant": APPLICANT}, FACTS, for_submit=True) == {
        "enrollment.payment_option_required"
    }


def test_r_enr_15_all_missing_sections_at_once() -> None:
    with pytest.raises(ValidationFailed) as e:
        check_for_submit({}, Facts(**{**FACTS.__dict__, "effective_date": None}))
    assert {x.field for x in e.value.errors} == {
        "general",
        "applicant",
        "household",
        "plans",
        "other-coverage",
        "signatures",
        "effective_date",
    }
    assert record_number(7) == "0000000007" and record_number(12345) == "0000012345"  # issue 14: digits


def test_r_enr_16_expiry_is_90_days_after_the_last_change() -> None:
    changed = datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert expires_at(changed, 90) == datetime(2027, 2, 20, 12, tzinfo=UTC)


# --- the application aggregate: its lifecycle --------------------------------------------------------------------

START = datetime(2026, 11, 22, 12, tzinfo=UTC)
LATER = START + timedelta(days=3)


def test_r_enr_1_r_enr_16_a_new_application_is_incomplete_version_1_and_expires_90_days_on() -> None:
    new = Lifecycle.started(START, expiry_days=90)
    assert (new.status, new.version, new.updated_at) == ("incomplete", 1, START)
    assert new.expires_at == datetime(2027, 2, 20, 12, tzinfo=UTC)
    assert (new.failure_reason, new.date_submitted, new.client_app_id, new.payment_status) == (None,) * 4


def test_r_enr_16_incomplete_and_failed_applications_expire_submitted_ones_do_not() -> None:
    new = Lifecycle.started(START, expiry_days=90)
    assert not new.is_expired(new.expires_at - timedelta(seconds=1))
    assert new.is_expired(new.expires_at)
    failed = Lifecycle(status="failed", version=3, updated_at=START, expires_at=START, failure_reason="x")
    assert failed.is_expired(START)
    submitted = Lifecycle(status="submitted", version=3, updated_at=START, expires_at=START)
    assert not submitted.is_expired(START + timedelta(days=1000))


def test_r_enr_1_r_enr_16_each_saved_change_is_a_new_version_and_restarts_the_90_days() -> None:
    new = Lifecycle.started(START, expiry_days=90)
    changed = new.changed(LATER, expiry_days=90)
    assert (changed.version, changed.updated_at, changed.expires_at) == (2, LATER, LATER + timedelta(days=90))
    assert changed.status == "incomplete"
    assert new.version == 1  # the state is a value: a change answers a new one
    assert changed.section_saved(LATER, expiry_days=90).version == 3


def test_r_enr_15_saving_a_section_reopens_a_failed_application() -> None:
    failed = Lifecycle(status="failed", version=4, updated_at=START, expires_at=START, failure_reason="dup")
    reopened = failed.section_saved(LATER, expiry_days=90)
    assert (reopened.status, reopened.failure_reason, reopened.version) == ("incomplete", None, 5)
    assert reopened.expires_at == LATER + timedelta(days=90)
    # Recalculating the effective date (R-ENR-5) is a change too, but does not reopen it.
    recalculated = failed.changed(LATER, expiry_days=90)
    assert (recalculated.status, recalculated.failure_reason, recalculated.version) == ("failed", "dup", 5)


def test_r_enr_15_a_submitted_application_cannot_be_changed_deleted_or_submitted_again() -> None:
    for status in ("incomplete", "failed"):
        editable = Lifecycle(status=status, version=1, updated_at=START, expires_at=START)
        editable.check_editable()
        editable.check_deletable()
        editable.check_submittable("A-0001")
    submitted = Lifecycle(status="submitted", version=2, updated_at=START, expires_at=START)
    for check, message in (
        (submitted.check_editable, "can no longer be changed"),
        (submitted.check_deletable, "cannot be deleted"),
        (lambda: submitted.check_submittable("A-0007"), "Application A-0007 was already submitted"),
    ):
        with pytest.raises(Conflict) as e:
            check()
        assert e.value.code == "enrollment.submitted" and message in e.value.message


def test_r_enr_1_a_save_naming_a_stale_version_is_refused_with_the_current_one() -> None:
    current = Lifecycle(status="incomplete", version=3, updated_at=START, expires_at=START)
    current.check_version(None)
    current.check_version(3)
    current.check_version({2, 3})  # If-Match with a list of tags
    for stale in (2, {1, 2}, set()):
        with pytest.raises(PreconditionFailed) as e:
            current.check_version(stale)
        assert e.value.code == "enrollment.stale_version" and e.value.extra == {"current_version": 3}


def test_r_enr_15_r_pay_4_an_accepted_submission_is_submitted_with_its_ids_and_payment_choice() -> None:
    new = Lifecycle.started(START, expiry_days=90)
    for pay_now, payment_status in ((True, "Pending"), (False, "Pay Later")):
        done = new.submitted(LATER, application_id=7, accepted=True, reason=None, pay_now=pay_now, expiry_days=90)
        assert (done.status, done.failure_reason, done.client_app_id, done.payment_status) == (
            "submitted",
            None,
            "1007",
            payment_status,
        )
        assert (done.version, done.date_submitted, done.updated_at) == (2, LATER, LATER)
        assert done.expires_at == new.expires_at  # a submitted application does not expire (R-ENR-16)


def test_r_enr_15_r_enr_16_a_refused_submission_fails_with_its_reason_and_restarts_the_90_days() -> None:
    new = Lifecycle.started(START, expiry_days=90)
    failed = new.submitted(
        LATER, application_id=7, accepted=False, reason="Active coverage exists.", pay_now=True, expiry_days=90
    )
    assert (failed.status, failed.failure_reason, failed.client_app_id, failed.payment_status) == (
        "failed",
        "Active coverage exists.",
        None,
        None,
    )
    assert (failed.version, failed.date_submitted, failed.expires_at) == (2, LATER, LATER + timedelta(days=90))
    assert failed.editable


def test_r_pay_1_r_pay_4_payments_once_submitted_and_their_status_shows_on_the_application() -> None:
    with pytest.raises(Conflict) as e:
        Lifecycle.started(START, expiry_days=90).check_payable()
    assert e.value.code == "payment.not_submitted"
    submitted = Lifecycle(status="submitted", version=2, updated_at=START, expires_at=START, payment_status="Pending")
    submitted.check_payable()
    assert submitted.paid("Successful").payment_status == "Successful"
    assert submitted.paid("Successful").version == 2  # a payment is not a change of the application


def test_r_enr_1_the_lifecycle_is_read_from_and_written_onto_the_stored_application_in_one_place() -> None:
    row = SimpleNamespace(
        id=7,
        status="incomplete",
        version=1,
        updated_at=START,
        expires_at=START + timedelta(days=90),
        failure_reason=None,
        date_submitted=None,
        client_app_id=None,
        payment_status=None,
        decision=None,
        decided_at=None,
        decision_reason=None,
        sections={"x": 1},
    )
    lifecycle = Lifecycle.of(row)
    assert lifecycle == Lifecycle.started(START, expiry_days=90)
    lifecycle.submitted(LATER, application_id=7, accepted=True, reason=None, pay_now=False, expiry_days=90).apply_to(
        row
    )
    assert (row.status, row.version, row.date_submitted, row.client_app_id, row.payment_status) == (
        "submitted",
        2,
        LATER,
        "1007",
        "Pay Later",
    )
    assert row.sections == {"x": 1}  # nothing but the lifecycle is touched
