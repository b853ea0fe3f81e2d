"""Issue 16, one validation pass: reading the fields of a refused body that pass the schema, and which body models
have domain field rules."""

from __future__ import annotations

from datetime import date

from app.domain.errors import FieldError
from app.schemas.delegates import DelegateCreate
from app.schemas.enrollments import SECTION_MODELS, ApplicantSection, HouseholdSection
from app.schemas.field_checks import FIELD_CHECKS, CheckFacts, domain_field_errors, json_fields, typed_fields
from app.schemas.prospects import ProspectCreate
from app.schemas.quotes import ApplicantIn, QuoteCreate

FACTS = CheckFacts(today=date(2026, 11, 22), max_dependents=19)


def test_typed_fields_keep_the_fields_that_pass_typed_and_trimmed() -> None:
    raw = {"first_name": 12, "last_name": "  Doe ", "phone": " ", "email": "", "state": "ILL", "unknown": 1}
    assert typed_fields(ProspectCreate, raw) == {"last_name": "Doe", "phone": None, "email": None}
    quote = typed_fields(QuoteCreate, {"effective_date": "2027-01-01", "applicant": {"date_of_birth": "1988-02-10"}})
    assert quote == {"effective_date": date(2027, 1, 1)}  # the applicant misses its sex: left out whole
    ok = typed_fields(QuoteCreate, {"applicant": {"date_of_birth": "1988-02-10", "sex": "female"}})
    assert isinstance(ok["applicant"], ApplicantIn)
    assert typed_fields(QuoteCreate, ["not", "an", "object"]) == {}


def test_json_fields_keep_the_good_fields_of_a_nested_object_and_of_list_items() -> None:
    raw = {
        "applicant": {"first_name": "Riley", "sex": "f", "date_of_birth": "1987-01-01", "ssn": "1"},
        "terms_accepted": "maybe",
    }
    assert json_fields(ApplicantSection, raw) == {
        "applicant": {"first_name": "Riley", "date_of_birth": "1987-01-01", "ssn": "1"}
    }
    house = {"dependents": [{"sex": "girl", "ssn": "2"}, "nobody"], "spouse": None}
    assert json_fields(HouseholdSection, house) == {"dependents": [{"ssn": "2"}, {}], "spouse": None}


def test_domain_field_errors_of_a_registered_model_and_none_for_others() -> None:
    raw = {"username": "abc", "mobile_number": "1", "email": 5}
    assert domain_field_errors(DelegateCreate, raw, FACTS) == [
        FieldError(
            "username", "delegate.username_invalid", "Username must be at least 7 characters, letters and numbers only."
        ),
        FieldError("mobile_number", "delegate.mobile_invalid", "Enter a 10-digit mobile number."),
    ]
    assert domain_field_errors(ApplicantIn, {"first_name": ""}, FACTS) == []
    assert {m.__name__ for m in FIELD_CHECKS} == {
        "ProspectCreate",
        "ProspectUpdate",
        "QuoteCreate",
        "EQuestionCreate",
        "DelegateCreate",
        "PcpChangeCreate",
        "RegistrationCreate",
        "ContactChangeCreate",
        *(m.__name__ for m in SECTION_MODELS.values()),
    }
