"""Issue 16, one validation pass: the merge of schema and domain field errors, and the domain's field rules asked of
the fields of a body that pass the schema (the same functions the services call on a whole body)."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.accounts import (
    PasswordPolicy,
    RegistrationInput,
    StateRegistrationInput,
    registration_field_errors,
    validate_registration,
)
from app.domain.dates import OPEN_END_DATE
from app.domain.delegates import check_new_delegate, delegate_field_errors
from app.domain.e_questions import EQuestionDraft, EQuestionKind, check_e_question, e_question_field_errors
from app.domain.effective_dates import OpenEnrollment
from app.domain.enrollments import Facts, check_applicant, section_field_errors
from app.domain.errors import FieldError, ValidationFailed, errors_of, merge_field_errors
from app.domain.members import ContactSnapshot, PhoneInput, contact_phone_field_errors, plan_contact_change
from app.domain.pcp import REASONS, pcp_field_errors
from app.domain.prospects import prospect_field_errors, validate_prospect
from app.domain.quotes import ApplicantInput, DependentInput, SpouseInput, quote_field_errors

TODAY = date(2026, 11, 22)


def fe(field: str, code: str) -> FieldError:
    return FieldError(field, code, f"{field} {code}")


def test_merge_keeps_schema_errors_first_then_domain_errors_of_other_fields() -> None:
    schema = [fe("first_name", "invalid_type"), fe("zip_code", "too_long")]
    domain = [fe("first_name", "prospect.required"), fe("state", "prospect.state_invalid"), fe("zip_code", "x")]
    assert merge_field_errors(schema, domain) == [
        fe("first_name", "invalid_type"),
        fe("zip_code", "too_long"),
        fe("state", "prospect.state_invalid"),
    ]


def test_merge_drops_domain_errors_inside_or_around_a_refused_field() -> None:
    schema = [fe("applicant.sex", "required"), fe("spouse", "invalid_type")]
    domain = [
        fe("applicant", "quote.whole"),
        fe("applicant.first_name", "quote.name_required"),
        fe("spouse.date_of_birth", "quote.born_after_effective_date"),
        fe("spouses", "other"),
    ]
    assert merge_field_errors(schema, domain) == [*schema, fe("applicant.first_name", "quote.name_required"), domain[3]]


def test_merge_reports_a_field_and_code_once_and_body_errors_hide_nothing() -> None:
    schema = [fe("body", "invalid"), fe("body", "invalid"), fe("email", "invalid")]
    domain = [fe("state", "prospect.state_invalid"), fe("state", "prospect.state_invalid"), fe("body", "invalid")]
    assert merge_field_errors(schema, domain) == [fe("body", "invalid"), fe("email", "invalid"), domain[0]]


def test_merge_of_nothing_is_nothing() -> None:
    assert merge_field_errors([], []) == []
    assert merge_field_errors([], [fe("a", "b")]) == [fe("a", "b")]


def test_errors_of_a_passing_check_is_empty_and_a_whole_request_refusal_is_on_body() -> None:
    assert errors_of(lambda: None) == []

    def refuse() -> None:
        raise ValidationFailed("No.", code="thing.refused")

    assert errors_of(refuse) == [FieldError("body", "thing.refused", "No.")]


def test_r_pro_1_field_errors_judge_only_the_fields_sent() -> None:
    assert prospect_field_errors({}) == []
    found = prospect_field_errors({"state": "zz", "first_name": None, "phone": "312-555"})
    assert [(e.field, e.code) for e in found] == [
        ("first_name", "prospect.required"),
        ("state", "prospect.state_invalid"),
        ("phone", "prospect.phone_invalid"),
    ]


def test_r_pro_1_field_errors_are_those_validate_prospect_raises() -> None:
    values = {"first_name": "Jo", "last_name": "", "state": "IL", "zip_code": "1234", "middle_initial": "7"}
    with pytest.raises(ValidationFailed) as raised:
        validate_prospect(values)
    assert prospect_field_errors(values) == raised.value.errors


def test_r_eq_1_field_errors_skip_client_fields_without_a_kind() -> None:
    assert e_question_field_errors({"client_id": None, "subject": " "}) == [
        FieldError("subject", "e_question.subject_required", "Enter a subject.")
    ]
    found = e_question_field_errors({"kind": EQuestionKind.general, "client_id": "123"})
    assert [(e.field, e.code) for e in found] == [("client_id", "e_question.not_for_general")]


def test_r_eq_1_field_errors_are_those_check_e_question_raises() -> None:
    draft = EQuestionDraft(EQuestionKind.member_specific, "Card", " ", client_first_name="Jane", client_id="12-3")
    with pytest.raises(ValidationFailed) as raised:
        check_e_question(draft)
    assert e_question_field_errors(draft.__dict__) == raised.value.errors
    assert [e.code for e in raised.value.errors] == [
        "e_question.question_required",
        "e_question.client_required",
        "e_question.client_id_invalid",
    ]


def test_r_del_1_username_and_mobile_are_told_together() -> None:
    with pytest.raises(ValidationFailed) as raised:
        check_new_delegate(username="abc", mobile_number="555-0177")
    assert raised.value.code == "validation_failed"
    assert [(e.field, e.code) for e in raised.value.errors] == [
        ("username", "delegate.username_invalid"),
        ("mobile_number", "delegate.mobile_invalid"),
    ]
    assert delegate_field_errors({"username": "assist01", "mobile_number": "(312) 555-0177"}) == []
    assert [e.field for e in delegate_field_errors({"mobile_number": "1"})] == ["mobile_number"]


def test_r_del_1_one_bad_field_keeps_its_own_code() -> None:
    with pytest.raises(ValidationFailed) as raised:
        check_new_delegate(username="assist01", mobile_number="555")
    assert (raised.value.code, raised.value.message) == ("delegate.mobile_invalid", "Enter a 10-digit mobile number.")


def test_r_quo_1_field_errors_of_the_fields_read() -> None:
    found = quote_field_errors(
        {
            "zip_code": "6060",
            "county": " ",
            "effective_date": date(2026, 11, 1),
            "applicant": ApplicantInput(None, "Doe", date(1988, 2, 10), "female"),
            "spouse": SpouseInput(date(2027, 1, 1), "male"),
            "dependents": (DependentInput(date(2015, 3, 3), "male"),) * 2,
        },
        today=TODAY,
        max_dependents=2,
    )
    assert [(e.field, e.code) for e in found] == [
        ("zip_code", "quote.zip_invalid"),
        ("county", "quote.county_required"),
        ("effective_date", "quote.effective_date_past"),
        ("applicant.first_name", "quote.name_required"),
        ("spouse.date_of_birth", "quote.born_after_effective_date"),
        ("dependents", "quote.too_many_dependents"),
    ]


def test_r_quo_1_field_errors_leave_names_to_the_prospect_and_births_to_a_readable_date() -> None:
    found = quote_field_errors(
        {"applicant": ApplicantInput(None, None, date(2030, 1, 1), "female")},
        today=TODAY,
        max_dependents=19,
        names_from_prospect=True,
    )
    assert found == []


def test_r_enr_7_section_field_errors_judge_the_fields_present() -> None:
    data = {"applicant": {"ssn": "1234", "tobacco_use": True}, "home_address": {"zip_code": "606"}}
    found = section_field_errors("applicant", data, today=TODAY, max_dependents=19)
    assert [(e.field, e.code) for e in found] == [
        ("applicant.ssn", "enrollment.ssn_invalid"),
        ("applicant.tobacco_last_used", "enrollment.tobacco_date_required"),
        ("home_address.zip_code", "enrollment.zip_invalid"),
        ("home_address.county", "enrollment.county_required"),
    ]
    assert section_field_errors("applicant", {}, today=TODAY, max_dependents=19) == []


def test_r_enr_7_section_field_errors_are_those_check_applicant_raises_without_the_zip_table() -> None:
    data = {
        "authorization": "in_person",
        "terms_accepted": False,
        "applicant": {"date_of_birth": "2027-01-01", "ssn": None, "tobacco_use": False},
        "home_address": {"zip_code": "60601", "county": "Cook", "state": "IL"},
        "mailing_address": None,
        "contact": {"primary_phone": "312"},
    }
    facts = Facts(
        today=TODAY,
        producer_numbers={},
        delegate_states=None,
        open_enrollment=OpenEnrollment(),
        max_dependents=19,
        consumer_choice_exempt=frozenset(),
    )
    with pytest.raises(ValidationFailed) as raised:
        check_applicant(data, facts)
    assert section_field_errors("applicant", data, today=TODAY, max_dependents=19) == raised.value.errors


def test_r_enr_9_section_field_errors_count_the_household_read() -> None:
    kid = {"date_of_birth": "2015-01-01", "ssn": "12"}
    found = section_field_errors(
        "household", {"spouse": {"date_of_birth": "2027-01-01"}, "dependents": [kid, {}]}, today=TODAY, max_dependents=2
    )
    assert [(e.field, e.code) for e in found] == [
        ("dependents", "enrollment.too_many_dependents"),
        ("spouse.date_of_birth", "enrollment.birth_in_future"),
        ("dependents.0.ssn", "enrollment.ssn_invalid"),
    ]


def test_r_enr_12_and_r_enr_4_section_field_errors() -> None:
    other = {"other_coverage": {"has_other": False, "entries": [{"name": "x"}]}}
    assert [e.code for e in section_field_errors("other-coverage", other, today=TODAY, max_dependents=19)] == [
        "enrollment.entries_without_yes"
    ]
    events = [{"event_type": "marriage", "event_date": "2026-12-20"}]
    assert [
        e.field for e in section_field_errors("general", {"life_events": events}, today=TODAY, max_dependents=19)
    ] == ["life_events.0.event_date"]
    # An event the schema refused in part is not judged (its index would not be the body's).
    assert (
        section_field_errors("general", {"life_events": [{"event_date": "2027-01-01"}]}, today=TODAY, max_dependents=1)
        == []
    )
    # Plans and signatures depend on the database and the other sections: the service's.
    assert section_field_errors("plans", {"medical_plan_id": "X"}, today=TODAY, max_dependents=19) == []


def test_r_pcp_6_and_r_pcp_3_field_errors_of_the_fields_read() -> None:
    found = pcp_field_errors(
        {
            "term_date": date(2027, 6, 30),
            "effective_date": date(2026, 11, 1),
            "members": [{"reason": "Bored"}, {"member_id": "1"}, {"reason": REASONS[0]}],
        },
        today=TODAY,
    )
    assert [(e.field, e.code) for e in found] == [
        ("term_date", "pcp.term_date_fixed"),
        ("effective_date", "pcp.effective_date_past"),
        ("members.0.reason", "pcp.reason_invalid"),
    ]
    assert pcp_field_errors({"term_date": OPEN_END_DATE, "effective_date": TODAY}, today=TODAY) == []


def test_r_auth_1_registration_field_errors_are_those_validate_registration_raises() -> None:
    state = StateRegistrationInput("ZZ", None, " ", None, "Chicago", "IL", "6060", "22000258", "312", "a@b.example")
    reg = RegistrationInput("Jo", " ", "jo", "abc", "abd", [state, state])
    with pytest.raises(ValidationFailed) as raised:
        validate_registration(reg, policy=PasswordPolicy(), carrier_states=["IL", "TX"])
    found = registration_field_errors(
        {**reg.__dict__, "state_registrations": [state.__dict__, state.__dict__]},
        policy=PasswordPolicy(),
        carrier_states=["IL", "TX"],
    )
    assert found == raised.value.errors
    assert ("state_registrations.1", "registration.state_duplicate") in [(e.field, e.code) for e in found]


def test_r_auth_1_registration_field_errors_judge_the_fields_present() -> None:
    found = registration_field_errors(
        {"password_confirmation": "x", "state_registrations": [{"zip_code": "1"}, "refused"]},
        policy=PasswordPolicy(),
        carrier_states=["IL"],
    )
    assert [(e.field, e.code) for e in found] == [("state_registrations.0.zip_code", "registration.zip_code_invalid")]


def test_r_cic_2_phone_field_errors_are_those_plan_contact_change_raises() -> None:
    phones = [PhoneInput("home", "312"), PhoneInput("fax", "3125550100", send_text=True), PhoneInput(None, "1")]
    current = ContactSnapshot(phones={}, email=None, details={})
    with pytest.raises(ValidationFailed) as raised:
        plan_contact_change(current, phones, None, is_primary=True)
    assert contact_phone_field_errors([p.__dict__ for p in phones]) == raised.value.errors
    assert [e.code for e in raised.value.errors] == [
        "cic.phone_invalid",
        "cic.send_text_cell_only",
        "cic.phone_type_required",
    ]
    # A phone whose number the schema refused: its type is still judged.
    assert [e.code for e in contact_phone_field_errors([{"type": "pager"}])] == ["cic.phone_type_invalid"]
