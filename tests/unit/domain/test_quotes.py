"""Quotes (R-QUO-1 .. R-QUO-4, R-ENR-2, R-DEL-9), pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from app.domain.errors import Conflict, Forbidden, ValidationFailed
from app.domain.quotes import (
    ApplicantInput,
    CountyInfo,
    DependentInput,
    EnrollMode,
    ExchangeKind,
    PlanOffer,
    ProspectNames,
    QuoteCoverage,
    QuoteInput,
    SpouseInput,
    check_quote,
    check_selection,
    choose_enroll_mode,
    choose_plan_area,
    exchange_redirect,
    household_people,
    match_county,
    medicare_warnings,
    price,
    price_all,
)
from app.domain.rating import Person

TODAY = date(2026, 11, 22)
EFFECTIVE = date(2027, 1, 1)
COOK = CountyInfo("60010", "Cook", "IL", "17031", 1)
LAKE = CountyInfo("60010", "Lake", "IL", "17097", 2)
DALLAS = CountyInfo("75201", "Dallas", "TX", "48113", 1)


def quote(**overrides: object) -> QuoteInput:
    data = QuoteInput(
        zip_code="60010",
        county="Lake",
        effective_date=EFFECTIVE,
        coverage="medical_dental",
        applicant=ApplicantInput("Jessica", "Tester", date(1988, 2, 10), "female", False),
    )
    return replace(data, **overrides)  # type: ignore[arg-type]


def offer(
    plan_id: str = "P1",
    *,
    coverage: str = "medical",
    exchange: str = "off",
    rate: str | None = "400.00",
    state: str = "IL",
    year: int = 2027,
    tobacco: str = "1.50",
) -> PlanOffer:
    return PlanOffer(
        plan_id=plan_id,
        name=f"Plan {plan_id}",
        coverage=coverage,
        metal_level="gold",
        network_type="HMO",
        requires_pcp=True,
        exchange=exchange,
        state=state,
        plan_year=year,
        tobacco_factor=Decimal(tobacco),
        base_rate=None if rate is None else Decimal(rate),
    )


def codes(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {e.field: e.code for e in exc.value.errors}


# --- R-QUO-1 ----------------------------------------------------------------------------------------------


def test_r_quo_1_a_valid_quote_stores_the_household_the_county_and_the_coverage() -> None:
    checked = check_quote(
        quote(
            spouse=SpouseInput(date(1987, 5, 1), "male", True), dependents=(DependentInput(date(2015, 3, 3), "female"),)
        ),
        counties=[COOK, LAKE],
        today=TODAY,
        max_dependents=19,
    )
    assert checked.county == LAKE and checked.coverage is QuoteCoverage.medical_dental
    assert checked.household == {
        "applicant": {
            "first_name": "Jessica",
            "last_name": "Tester",
            "date_of_birth": "1988-02-10",
            "sex": "female",
            "tobacco_use": False,
        },
        "spouse": {"date_of_birth": "1987-05-01", "sex": "male", "tobacco_use": True},
        "dependents": [{"date_of_birth": "2015-03-03", "sex": "female"}],
    }


def test_r_quo_1_every_error_is_reported_at_once() -> None:
    bad = quote(
        county="DuPage",
        effective_date=date(2026, 11, 1),
        applicant=ApplicantInput(None, " ", date(2027, 2, 1), "female"),
        spouse=SpouseInput(date(2026, 12, 1), "male"),
        dependents=tuple(DependentInput(date(2010, 1, 1), "male") for _ in range(19)),
    )
    with pytest.raises(ValidationFailed) as exc:
        check_quote(bad, counties=[COOK, LAKE], today=TODAY, max_dependents=19)
    assert codes(exc) == {
        "county": "quote.county_mismatch",
        "effective_date": "quote.effective_date_past",
        "applicant.first_name": "quote.name_required",
        "applicant.last_name": "quote.name_required",
        "applicant.date_of_birth": "quote.born_after_effective_date",
        "spouse.date_of_birth": "quote.born_after_effective_date",
        "dependents": "quote.too_many_dependents",
    }
    assert exc.value.code == "validation_failed"


def test_r_quo_1_zip_code_must_be_five_digits_and_served() -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_quote(quote(zip_code="6001"), counties=[], today=TODAY, max_dependents=19)
    assert codes(exc) == {"zip_code": "quote.zip_invalid"}
    with pytest.raises(ValidationFailed) as exc:
        check_quote(quote(zip_code="99999"), counties=[], today=TODAY, max_dependents=19)
    assert codes(exc) == {"zip_code": "quote.zip_unknown"}


def test_r_quo_1_effective_date_is_the_first_of_a_month_today_or_later() -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_quote(quote(effective_date=date(2027, 1, 2)), counties=[LAKE], today=TODAY, max_dependents=19)
    assert codes(exc) == {"effective_date": "quote.effective_date_not_first"}
    assert check_quote(
        quote(effective_date=date(2026, 12, 1)), counties=[LAKE], today=date(2026, 12, 1), max_dependents=19
    ).effective_date == date(2026, 12, 1)


def test_r_quo_1_nineteen_dependents_including_the_spouse_is_the_limit() -> None:
    kids = tuple(DependentInput(date(2010, 1, 1), "male") for _ in range(18))
    check_quote(
        quote(spouse=SpouseInput(date(1980, 1, 1), "male"), dependents=kids),
        counties=[LAKE],
        today=TODAY,
        max_dependents=19,
    )
    with pytest.raises(ValidationFailed) as exc:
        check_quote(
            quote(spouse=SpouseInput(date(1980, 1, 1), "male"), dependents=(*kids, kids[0])),
            counties=[LAKE],
            today=TODAY,
            max_dependents=19,
        )
    assert codes(exc) == {"dependents": "quote.too_many_dependents"}


def test_r_quo_1_names_prefill_from_the_prospect_unless_given() -> None:
    names = ProspectNames("Pat", "Prospect")
    checked = check_quote(
        quote(applicant=ApplicantInput(None, None, date(1980, 1, 1), "male")),
        counties=[LAKE],
        today=TODAY,
        max_dependents=19,
        prospect=names,
    )
    assert (checked.household["applicant"]["first_name"], checked.household["applicant"]["last_name"]) == (
        "Pat",
        "Prospect",
    )
    checked = check_quote(quote(), counties=[LAKE], today=TODAY, max_dependents=19, prospect=names)
    assert checked.household["applicant"]["first_name"] == "Jessica"


def test_r_quo_1_county_matches_by_name_any_case_or_fips() -> None:
    assert match_county([COOK, LAKE], "lake county") == LAKE
    assert match_county([COOK, LAKE], "17031") == COOK
    assert match_county([COOK, LAKE], "DuPage") is None


# --- plans by county -------------------------------------------------------------------------------------


def test_r_quo_2_a_zip_spanning_two_counties_needs_the_county() -> None:
    with pytest.raises(ValidationFailed) as exc:
        choose_plan_area(candidates=[COOK, LAKE], zip_code="60010", county=None, state=None)
    assert exc.value.code == "plans.county_required"
    assert [c["name"] for c in exc.value.extra["counties"]] == ["Cook", "Lake"]
    assert choose_plan_area(candidates=[COOK, LAKE], zip_code="60010", county="Lake", state=None).county == LAKE
    with pytest.raises(ValidationFailed) as exc:
        choose_plan_area(candidates=[COOK, LAKE], zip_code="60010", county="Dallas", state=None)
    assert exc.value.code == "plans.county_mismatch"


def test_r_quo_2_plan_filters_combine_with_and() -> None:
    assert choose_plan_area(candidates=None, zip_code=None, county=None, state="IL").county is None
    assert choose_plan_area(candidates=[], zip_code="99999", county=None, state=None).nothing
    assert choose_plan_area(candidates=[DALLAS], zip_code="75201", county=None, state="IL").nothing
    assert choose_plan_area(candidates=[DALLAS], zip_code=None, county="Dallas", state=None).county == DALLAS
    with pytest.raises(ValidationFailed) as exc:
        choose_plan_area(
            candidates=[LAKE, replace(LAKE, state="IN", fips="18089")], zip_code=None, county="Lake", state=None
        )
    assert exc.value.code == "plans.county_ambiguous"


# --- R-QUO-2: premiums ---------------------------------------------------------------------------------------

FAMILY = {
    "applicant": {
        "first_name": "A",
        "last_name": "B",
        "date_of_birth": "1987-01-01",
        "sex": "female",
        "tobacco_use": True,
    },
    "spouse": {"date_of_birth": "1990-06-15", "sex": "male", "tobacco_use": False},
    "dependents": [
        {"date_of_birth": d, "sex": "female"}
        for d in ("2010-03-01", "2004-10-10", "2014-05-05", "2023-02-02", "2018-07-07")
    ],
}


def test_r_quo_2_medical_premium_per_member_with_tobacco_and_free_fourth_child() -> None:
    priced = price(offer(), household_people(FAMILY), EFFECTIVE)
    got = [(m.relationship, m.age, str(m.premium), m.charged) for m in priced.members]
    assert got == [
        ("primary", 40, "766.80", True),  # 400 x 1.278 x 1.5 tobacco
        ("spouse", 36, "492.00", True),  # 400 x 1.230
        ("child", 16, "343.60", True),  # 400 x 0.859
        ("child", 22, "400.00", True),  # 21 and older: charged as an adult, not counted as a child
        ("child", 12, "306.00", True),  # 400 x 0.765
        ("child", 3, "0.00", False),  # the fourth child under 21: free
        ("child", 8, "306.00", True),
    ]
    assert priced.total == Decimal("2614.40")


def test_r_quo_2_dental_ignores_tobacco() -> None:
    priced = price(offer(coverage="dental", rate="30.00"), household_people(FAMILY), EFFECTIVE)
    assert priced.members[0].premium == Decimal("38.34") and priced.total == Decimal("176.91")


def test_r_quo_2_plans_are_sorted_by_premium_and_unrated_plans_left_out() -> None:
    people = household_people({"applicant": FAMILY["applicant"]})
    ordered = price_all([offer("B", rate="500"), offer("A", rate="300"), offer("C", rate=None)], people, EFFECTIVE)
    assert [p.offer.plan_id for p in ordered] == ["A", "B"]


# --- R-QUO-3: selection ---------------------------------------------------------------------------------------


def test_r_quo_3_selection_must_fit_the_coverage_and_be_available() -> None:
    offers = {
        "M": offer("M"),
        "D": offer("D", coverage="dental"),
        "OLD": offer("OLD", year=2026),
        "NORATE": offer("NORATE", rate=None),
    }
    check_selection(
        coverage=QuoteCoverage.medical_dental,
        state="IL",
        year=2027,
        medical_plan_id="M",
        dental_plan_id="D",
        offers=offers,
    )
    check_selection(
        coverage=QuoteCoverage.medical, state="IL", year=2027, medical_plan_id=None, dental_plan_id=None, offers=offers
    )
    with pytest.raises(ValidationFailed) as exc:
        check_selection(
            coverage=QuoteCoverage.medical_dental,
            state="IL",
            year=2027,
            medical_plan_id="D",
            dental_plan_id="OLD",
            offers=offers,
        )
    assert codes(exc) == {"medical_plan_id": "quote.plan_wrong_coverage", "dental_plan_id": "quote.plan_wrong_coverage"}
    with pytest.raises(ValidationFailed) as exc:
        check_selection(
            coverage=QuoteCoverage.medical,
            state="IL",
            year=2027,
            medical_plan_id="NORATE",
            dental_plan_id="D",
            offers=offers,
        )
    assert codes(exc) == {
        "medical_plan_id": "quote.plan_unavailable",
        "dental_plan_id": "quote.coverage_excludes_dental",
    }
    with pytest.raises(ValidationFailed) as exc:
        check_selection(
            coverage=QuoteCoverage.medical,
            state="IL",
            year=2027,
            medical_plan_id="OLD",
            dental_plan_id=None,
            offers=offers,
        )
    assert codes(exc) == {"medical_plan_id": "quote.plan_unavailable"}


def test_r_quo_3_medical_and_dental_both_on_or_both_off_exchange() -> None:
    offers = {"M": offer("M", exchange="on"), "D": offer("D", coverage="dental")}
    with pytest.raises(ValidationFailed) as exc:
        check_selection(
            coverage=QuoteCoverage.medical_dental,
            state="IL",
            year=2027,
            medical_plan_id="M",
            dental_plan_id="D",
            offers=offers,
        )
    assert codes(exc) == {"dental_plan_id": "quote.mixed_exchange"}


# --- R-QUO-4 / R-ENR-2 ----------------------------------------------------------------------------------------

URLS = {"IL": "https://getcovered.illinois.gov/"}


def test_r_enr_2_on_exchange_goes_to_the_state_exchange_or_the_federal_one() -> None:
    on = [offer(exchange="on")]
    il = exchange_redirect(on, state="IL", is_delegate=False, federal_url="https://fed/", state_urls=URLS)
    tx = exchange_redirect(on, state="TX", is_delegate=False, federal_url="https://fed/", state_urls=URLS)
    assert il is not None and (il.exchange, il.redirect_url) == (ExchangeKind.state, URLS["IL"])
    assert tx is not None and (tx.exchange, tx.redirect_url) == (ExchangeKind.federal, "https://fed/")
    assert exchange_redirect([offer()], state="IL", is_delegate=True, federal_url="f", state_urls=URLS) is None


def test_r_del_9_delegates_cannot_enroll_on_exchange() -> None:
    with pytest.raises(Forbidden) as exc:
        exchange_redirect([offer(exchange="on")], state="IL", is_delegate=True, federal_url="f", state_urls=URLS)
    assert exc.value.code == "delegate_not_permitted"


def test_r_quo_4_enrolling_needs_a_selection() -> None:
    with pytest.raises(ValidationFailed) as exc:
        exchange_redirect([], state="IL", is_delegate=False, federal_url="f", state_urls=URLS)
    assert exc.value.code == "quote.no_selection"


def test_r_quo_4_an_existing_application_needs_a_choice() -> None:
    with pytest.raises(Conflict) as exc:
        choose_enroll_mode(existing_application_id=7, mode=None)
    assert exc.value.extra == {"choices": ["new", "resume"], "application_id": 7}
    assert choose_enroll_mode(existing_application_id=7, mode=EnrollMode.resume) is EnrollMode.resume
    assert choose_enroll_mode(existing_application_id=7, mode=EnrollMode.new) is EnrollMode.new
    assert choose_enroll_mode(existing_application_id=None, mode=None) is EnrollMode.new
    with pytest.raises(Conflict) as exc:
        choose_enroll_mode(existing_application_id=None, mode=EnrollMode.resume)
    assert exc.value.code == "enrollment.nothing_to_resume"


def test_quote_warns_that_a_person_65_or_older_is_medicare_eligible() -> None:
    people = [
        Person("primary", date(1954, 6, 1)),  # 72
        Person("spouse", date(1962, 1, 1)),  # 65 on 2027-01-01 exactly
        Person("child", date(2010, 1, 1)),
        Person("child", date(1961, 12, 31)),  # an adult dependent, 65
    ]
    warnings = medicare_warnings(people, date(2027, 1, 1))
    assert [(w.code, w.person, w.age) for w in warnings] == [
        ("quote.medicare_eligible", "primary", 72),
        ("quote.medicare_eligible", "spouse", 65),
        ("quote.medicare_eligible", "dependent:1", 65),
    ]
    assert warnings[2].message.startswith("Dependent 2 is 65 on 01/01/2027")
    assert medicare_warnings([Person("primary", date(1962, 1, 2))], date(2027, 1, 1)) == []  # 64
