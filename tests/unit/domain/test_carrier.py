"""Carrier processing (issue 14): decisions on the application lifecycle, and what an approval writes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.carrier import (
    ExistingMember,
    account_number_for,
    book_entry,
    check_decision_request,
    check_payment_settled,
    e_app_number,
    match_members,
    paid_to_after_binder,
    source_account_number,
)
from app.domain.enrollments import Lifecycle, record_number
from app.domain.errors import Conflict, ValidationFailed
from app.domain.members import SearchInput, build_member_query

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
SUBMITTED = Lifecycle(
    status="submitted", version=3, updated_at=NOW, expires_at=NOW + timedelta(days=90), payment_status="Successful"
)


def test_issue_14_one_e_app_number_format_that_member_search_accepts() -> None:
    """R-ENR-15 record number = the e-app number: 10 digits, accepted by the "4 to 12 digits" search filter."""
    assert record_number(42) == e_app_number(42) == "0000000042"
    assert build_member_query(SearchInput(e_app_number=record_number(42))).e_app_number == "0000000042"
    assert account_number_for(42) == "900000042"


def test_issue_14_decline_needs_a_reason_approve_does_not() -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_decision_request("decline", "   ")
    assert exc.value.code == "carrier.reason_required" and exc.value.field == "reason"
    assert check_decision_request("approve", None) is None
    assert check_decision_request("decline", " Underwriting ") == "Underwriting"


def test_issue_14_r_pay_4_the_carrier_decides_once_the_binder_payment_is_settled() -> None:
    for settled in ("Successful", "Pay Later", "Cancelled"):
        check_payment_settled("0000000001", settled)
    for waiting in ("Pending", "Declined", None):
        with pytest.raises(Conflict) as exc:
            check_payment_settled("0000000001", waiting)
        assert exc.value.code == "carrier.awaiting_payment"


def test_issue_14_decisions_are_idempotent_and_the_opposite_one_conflicts() -> None:
    assert SUBMITTED.check_decidable("approved", "1") is False
    approved = SUBMITTED.approved(NOW, note=None)
    assert (approved.status, approved.decision, approved.decided_at, approved.version) == (
        "submitted",
        "approved",
        NOW,
        4,
    )
    assert approved.check_decidable("approved", "1") is True
    with pytest.raises(Conflict) as exc:
        approved.check_decidable("declined", "1")
    assert exc.value.code == "carrier.already_decided"


def test_issue_14_r_enr_15_a_declined_application_is_failed_with_the_reason_and_can_be_reopened() -> None:
    declined = SUBMITTED.declined(NOW, reason="No history", expiry_days=90)
    assert (declined.status, declined.failure_reason, declined.decision) == (
        "failed",
        "Declined by the carrier: No history",
        "declined",
    )
    assert declined.expires_at == NOW + timedelta(days=90)  # R-ENR-16
    assert declined.check_decidable("declined", "1") is True
    reopened = declined.section_saved(NOW, expiry_days=90)
    assert (reopened.status, reopened.decision, reopened.failure_reason) == ("incomplete", None, None)
    with pytest.raises(Conflict) as exc:
        reopened.check_decidable("approved", "1")
    assert exc.value.code == "carrier.not_submitted"


SECTIONS = {
    "applicant": {
        "applicant": {
            "first_name": "Riley",
            "middle_initial": "q",
            "last_name": "Enroller",
            "date_of_birth": "1987-01-01",
            "sex": "female",
            "ssn_last4": "6789",
        },
        "home_address": {"address1": "1 Main St", "city": "Chicago", "state": "IL", "zip_code": "60699-1234"},
        "contact": {"primary_phone": "(312) 555-0100", "phone_type": "landline", "email": "r@example.com"},
    },
    "household": {
        "spouse": {"first_name": "Sam", "last_name": "Enroller", "date_of_birth": "1987-05-01", "sex": "male"},
        "dependents": [{"first_name": "Kelly", "last_name": "", "date_of_birth": "2015-03-03", "sex": "female"}],
    },
    "plans": {
        "medical_plan_id": "E-HMO",
        "dental_plan_id": "E-DEN",
        "pcp": [{"applicant": "primary", "pcp_number": "T124"}],
        "use_same_pcp_number_for_all": "T127",
    },
}


def test_issue_14_r_mem_1_an_approval_writes_the_household_plans_and_pcps_of_the_application() -> None:
    entry = book_entry(SECTIONS)
    assert [(p.key, p.relationship, p.first_name, p.last_name) for p in entry.people] == [
        ("primary", "primary", "Riley", "Enroller"),
        ("spouse", "spouse", "Sam", "Enroller"),
        ("dependent:0", "child", "Kelly", "Enroller"),  # no last name given: the family's
    ]
    assert entry.plan_ids == ["E-HMO", "E-DEN"]
    # R-ENR-11: a PCP per applicant wins over "the same for all"
    assert entry.pcp_numbers == {"primary": "T124", "spouse": "T127", "dependent:0": "T127"}
    a = entry.account
    assert (a.zip_code, a.phone_home, a.phone_cell, a.middle_initial, a.ssn_last4) == (
        "60699",
        "3125550100",
        None,
        "q",
        "6789",
    )
    assert source_account_number(SECTIONS) is None
    assert source_account_number({**SECTIONS, "prefill": {"account_number": "730012345"}}) == "730012345"


def test_issue_14_extending_an_account_keeps_known_members_and_numbers_new_ones_after_them() -> None:
    people = book_entry(SECTIONS).people
    existing = [
        ExistingMember(11, "01", "RILEY", "enroller", date(1987, 1, 1)),
        ExistingMember(12, "02", "Alex", "Enroller", date(1985, 1, 1)),
        ExistingMember(13, "03", "Jo", "Enroller", date(2010, 1, 1)),
    ]
    matched, suffixes = match_members(people, existing)
    assert matched == {"primary": 11}
    assert suffixes == {"spouse": "04", "dependent:0": "05"}  # 02 is taken by an earlier spouse
    assert match_members(people, []) == ({}, {"primary": "01", "spouse": "02", "dependent:0": "03"})


def test_issue_14_r_pay_1_the_binder_pays_to_the_end_of_the_first_month() -> None:
    assert paid_to_after_binder(date(2027, 1, 1)) == date(2027, 1, 31)
    assert paid_to_after_binder(date(2026, 12, 1)) == date(2026, 12, 31)
    assert paid_to_after_binder(date(2028, 2, 1)) == date(2028, 2, 29)
