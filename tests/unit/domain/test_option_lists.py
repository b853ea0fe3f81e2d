"""Issue 14, R-ENR-8: the closed option lists, and the data checks at section save (R-ENR-3, R-ENR-7, R-ENR-9)."""

from __future__ import annotations

from datetime import date
from typing import Any, get_args

import pytest

from app.domain.effective_dates import LifeEvent, OpenEnrollment
from app.domain.enrollments import Facts, check_applicant, check_general, check_household
from app.domain.errors import ValidationFailed
from app.domain.option_lists import OPTION_LISTS, RACES
from app.schemas import enrollments as schemas

FACTS = Facts(
    today=date(2026, 11, 22),
    producer_numbers={"220002580": "IL", "330001111": "TX"},
    delegate_states=None,
    open_enrollment=OpenEnrollment(),
    max_dependents=19,
    consumer_choice_exempt=frozenset(),
    effective_date=date(2027, 1, 1),
    home_zip_counties=(("Cook", "IL"),),
)


def household(**kw: Any) -> dict[str, Any]:
    return {"hra": None, "language_ethnicity": None, "spouse": None, "dependents": [], **kw}


def codes(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.value.errors]


def test_r_enr_8_lists_match_the_section_schemas() -> None:
    """The lists served are the ones the schemas accept (one source, no drift)."""
    assert [o.code for o in OPTION_LISTS["sexes"]] == list(get_args(schemas.Sex))
    assert [o.code for o in OPTION_LISTS["form_types"]] == list(
        get_args(schemas.ApplicantSection.model_fields["form_type"].annotation)
    )
    assert [o.code for o in OPTION_LISTS["life_events"]] == [e.value for e in LifeEvent]
    assert {o.code for o in OPTION_LISTS["hra_types"]} == set(get_args(schemas.Hra.model_fields["type"].annotation))
    for name, options in OPTION_LISTS.items():
        assert len({o.code for o in options}) == len(options) and all(o.label for o in options), name


def test_r_enr_8_race_has_the_omb_minimum_categories() -> None:
    labels = {o.label for o in RACES}
    assert {"White", "Black or African American", "American Indian or Alaska Native", "Samoan", "Chinese"} <= labels


def test_r_enr_8_language_and_race_outside_the_lists_are_refused() -> None:
    answers = {"primary": {"spoken_language": "Klingon", "race": ["Purple", "white"]}, "spouse": {"race": ["asian"]}}
    with pytest.raises(ValidationFailed) as exc:
        check_household(household(language_ethnicity=answers), FACTS)
    assert codes(exc) == [
        ("language_ethnicity.primary.spoken_language", "enrollment.option_invalid"),
        ("language_ethnicity.primary.race", "enrollment.option_invalid"),
        ("language_ethnicity.spouse.race", "enrollment.option_invalid"),
    ]
    assert "'Klingon' is not a language of the list" in exc.value.errors[0].message
    assert exc.value.errors[1].message.startswith("'Purple': not in the federal standard race categories")


def test_r_enr_8_valid_answers_and_unknown_keys() -> None:
    good = {"primary": {"spoken_language": "spa", "written_language": "eng", "ethnicity": ["cuban"], "race": ["white"]}}
    check_household(household(language_ethnicity=good), FACTS)
    with pytest.raises(ValidationFailed) as exc:
        check_household(household(language_ethnicity={"cousin": {}, "dependent:0": {"shoe_size": 9}}), FACTS)
    assert codes(exc) == [
        ("language_ethnicity.cousin", "enrollment.unknown_person"),
        ("language_ethnicity.dependent:0.shoe_size", "enrollment.option_unknown_field"),
    ]


def test_r_enr_9_dependent_26_or_older_refused_unless_disabled() -> None:
    born_1990 = {"first_name": "Pat", "last_name": "X", "date_of_birth": "1990-06-01", "sex": "male"}
    with pytest.raises(ValidationFailed) as exc:
        check_household(household(dependents=[born_1990]), FACTS)
    assert codes(exc) == [("dependents.0.date_of_birth", "enrollment.dependent_too_old")]
    assert "Pat is 36 on 01/01/2027" in exc.value.errors[0].message
    check_household(household(dependents=[{**born_1990, "disabled": True}]), FACTS)
    # 25 on the effective date: accepted; the age is taken on the effective date, not today
    check_household(household(dependents=[{**born_1990, "date_of_birth": "2001-01-02"}]), FACTS)
    with pytest.raises(ValidationFailed):
        check_household(household(dependents=[{**born_1990, "date_of_birth": "2001-01-01"}]), FACTS)


def applicant(county: str = "Cook", state: str = "IL") -> dict[str, Any]:
    return {
        "form_type": "medical_dental",
        "authorization": "paper_application",
        "applicant": {"first_name": "R", "last_name": "E", "date_of_birth": "1987-01-01", "sex": "female"},
        "home_address": {
            "address1": "1 Main",
            "city": "Chicago",
            "state": state,
            "zip_code": "60601",
            "county": county,
        },
        "contact": {"primary_phone": "3125550100", "phone_type": "mobile"},
    }


def test_r_enr_7_zip_county_and_state_must_agree_with_the_reference_table() -> None:
    check_applicant(applicant(county="cook county"), FACTS)
    with pytest.raises(ValidationFailed) as exc:
        check_applicant(applicant(county="Lake"), FACTS)
    assert codes(exc) == [("home_address.county", "enrollment.county_mismatch")]
    assert exc.value.errors[0].message == "Lake is not a county of zip code 60601; choose Cook."
    with pytest.raises(ValidationFailed) as exc:
        check_applicant(applicant(state="WI"), FACTS)
    assert codes(exc) == [("home_address.state", "enrollment.state_mismatch")]
    unknown = Facts(**{**FACTS.__dict__, "home_zip_counties": ()})
    with pytest.raises(ValidationFailed) as exc:
        check_applicant(applicant(), unknown)
    assert codes(exc) == [("home_address.zip_code", "enrollment.zip_unknown")]


def test_r_enr_3_writing_number_in_another_state_is_refused_at_save() -> None:
    sections = {"applicant": applicant()}
    gen = {"producer_number": "330001111", "is_sep": False, "life_events": []}
    with pytest.raises(ValidationFailed) as exc:
        check_general(gen, FACTS, sections=sections)
    assert codes(exc) == [("producer_number", "enrollment.state_mismatch")]
    assert "Writing number 330001111 is for TX but the applicant lives in IL" in exc.value.errors[0].message
    check_general({**gen, "producer_number": "220002580"}, FACTS, sections=sections)
    check_general(gen, FACTS, sections={})  # no home address yet: checked when known (and at submit)
    with pytest.raises(ValidationFailed) as exc:
        check_general({**gen, "producer_number": "999999999"}, FACTS, sections=sections)
    assert codes(exc) == [("producer_number", "enrollment.producer_number_unknown")]
