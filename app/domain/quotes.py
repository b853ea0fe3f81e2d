"""Quotes: the household and where it lives, plan availability, premiums, selection, the way to enroll.

R-QUO-1 .. R-QUO-4, R-ENR-2, R-DEL-9. Pure code: "today" and the settings are passed in; premiums come
from `app.domain.rating`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from app.domain.dates import age_on
from app.domain.delegates import DELEGATE_NOT_PERMITTED
from app.domain.errors import Conflict, ErrorCollector, FieldError, Forbidden, ValidationFailed
from app.domain.rating import MemberPremium, Person, premiums
from app.domain.text import collapse_whitespace

ZIP5_RE = re.compile(r"^[0-9]{5}$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
NAME_MAX = 100
OLDEST_AGE = 120  # a date of birth further back than this is a typing error
DELEGATE_ON_EXCHANGE = (
    "Delegates cannot enroll clients in on-exchange plans. Ask your producer to enroll this client on "
    "the exchange, or select off-exchange plans."
)


class QuoteCoverage(StrEnum):
    medical = "medical"
    dental = "dental"
    medical_dental = "medical_dental"

    def includes(self, plan_coverage: str) -> bool:
        return self is QuoteCoverage.medical_dental or self.value == plan_coverage


class PlanCoverage(StrEnum):
    medical = "medical"
    dental = "dental"


class Sex(StrEnum):
    female = "female"
    male = "male"


class EnrollMode(StrEnum):
    """R-QUO-4: "Create New Application" or "Go To Incomplete Application"."""

    new = "new"
    resume = "resume"


class ExchangeKind(StrEnum):
    federal = "federal"  # the federal platform (ISP)
    state = "state"  # a state-based exchange (SBE)


@dataclass(frozen=True, slots=True)
class CountyInfo:
    zip_code: str
    name: str
    state: str
    fips: str
    rating_area: int


@dataclass(frozen=True, slots=True)
class PlanOffer:
    """A plan as quoted: its facts, and its base rate in one rating area (None: not offered there)."""

    plan_id: str
    name: str
    coverage: str
    metal_level: str | None
    network_type: str
    requires_pcp: bool
    exchange: str
    state: str
    plan_year: int
    tobacco_factor: Decimal
    base_rate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PricedPlan:
    """R-QUO-2: a plan with the monthly premium per member and in total."""

    offer: PlanOffer
    members: list[MemberPremium]
    total: Decimal


@dataclass(frozen=True)
class ApplicantInput:
    first_name: str | None
    last_name: str | None
    date_of_birth: date
    sex: str
    tobacco_use: bool = False


@dataclass(frozen=True)
class SpouseInput:
    date_of_birth: date
    sex: str
    tobacco_use: bool = False


@dataclass(frozen=True)
class DependentInput:
    date_of_birth: date
    sex: str


@dataclass(frozen=True)
class QuoteInput:
    zip_code: str
    county: str
    effective_date: date
    coverage: str
    applicant: ApplicantInput
    spouse: SpouseInput | None = None
    dependents: tuple[DependentInput, ...] = ()


@dataclass(frozen=True)
class ProspectNames:
    """R-QUO-1 "can come from a prospect": the names that prefill the primary applicant."""

    first_name: str
    last_name: str


@dataclass(frozen=True)
class CheckedQuote:
    county: CountyInfo
    effective_date: date
    coverage: QuoteCoverage
    household: dict[str, Any]  # JSON: applicant, spouse, dependents (the shape enrollment prefills from)


# --- counties -----------------------------------------------------------------------------------------------


def county_key(value: str) -> str:
    """ "Cook", "cook county", " COOK  County " all name the same county."""
    key = collapse_whitespace(value).lower()
    return key[: -len(" county")] if key.endswith(" county") else key


def match_county(counties: Sequence[CountyInfo], county: str) -> CountyInfo | None:
    """The county of `counties` named `county` (by name, any case, "County" optional, or by FIPS code)."""
    wanted = county.strip()
    key = county_key(wanted)
    for c in counties:
        if c.fips == wanted or county_key(c.name) == key:
            return c
    return None


def distinct_counties(counties: Sequence[CountyInfo]) -> list[CountyInfo]:
    seen: dict[str, CountyInfo] = {}
    for c in counties:
        seen.setdefault(c.fips, c)
    return list(seen.values())


def _county_list(counties: Sequence[CountyInfo]) -> str:
    return ", ".join(f"{c.name} ({c.state})" for c in counties)


def _county_choices(counties: Sequence[CountyInfo]) -> list[dict[str, str]]:
    return [{"name": c.name, "state": c.state, "fips": c.fips} for c in counties]


@dataclass(frozen=True)
class PlanArea:
    """Where GET /plans looks: one county, anywhere (county None), or nowhere (`nothing`: no plan can match)."""

    county: CountyInfo | None = None
    nothing: bool = False


def choose_plan_area(
    *, candidates: Sequence[CountyInfo] | None, zip_code: str | None, county: str | None, state: str | None
) -> PlanArea:
    """Resolve the county filters of GET /plans.

    `candidates` are the zip's counties (zip given) or the counties named `county` (no zip), None when
    neither filter was given. Filters combine with AND: a zip we do not serve, or a county outside `state`,
    matches no plan. A zip spanning two counties needs the county (422), as does a county name that exists
    in more than one place.
    """
    if candidates is None:
        return PlanArea()
    found = distinct_counties(candidates)
    if zip_code is not None:
        if not found:
            return PlanArea(nothing=True)
        if county:
            chosen = match_county(found, county)
            if chosen is None:
                raise ValidationFailed(
                    f"{county.strip()} County is not in zip code {zip_code}; that zip code is in "
                    f"{_county_list(found)}.",
                    code="plans.county_mismatch",
                    field="county",
                    extra={"counties": _county_choices(found)},
                )
        elif len(found) > 1:
            raise ValidationFailed(
                f"Zip code {zip_code} spans {len(found)} counties ({_county_list(found)}): choose the county.",
                code="plans.county_required",
                field="county",
                extra={"counties": _county_choices(found)},
            )
        else:
            chosen = found[0]
    else:
        if not found:
            return PlanArea(nothing=True)
        if len(found) > 1:
            raise ValidationFailed(
                f"There are {len(found)} counties of that name ({_county_list(found)}): give the zip code or the "
                "state too.",
                code="plans.county_ambiguous",
                field="county",
                extra={"counties": _county_choices(found)},
            )
        chosen = found[0]
    if state and chosen.state != state.upper():
        return PlanArea(nothing=True)
    return PlanArea(county=chosen)


# --- R-QUO-1: the quote's household, place and date ---------------------------------------------------------


def _clean_name(value: str | None) -> str | None:
    if value is None:
        return None
    text = collapse_whitespace(value)
    return text or None


def _check_birth(errors: ErrorCollector, field: str, who: str, born: date, effective: date) -> None:
    if born >= effective:
        errors.add(
            field,
            "quote.born_after_effective_date",
            f"The {who} must be born before the effective date ({effective.isoformat()}).",
        )
    elif effective.year - born.year > OLDEST_AGE:
        errors.add(field, "quote.date_of_birth_invalid", f"Check the {who}'s date of birth ({born.isoformat()}).")


def _check_zip(errors: ErrorCollector, zip_code: str) -> bool:
    if ZIP5_RE.match(zip_code):
        return True
    errors.add("zip_code", "quote.zip_invalid", "Enter a 5-digit zip code.")
    return False


def _check_county_given(errors: ErrorCollector, county: str) -> bool:
    if county.strip():
        return True
    errors.add("county", "quote.county_required", "Choose the county.")
    return False


def _check_effective_date(errors: ErrorCollector, effective: date, today: date) -> None:
    if effective.day != 1:
        errors.add(
            "effective_date", "quote.effective_date_not_first", "The effective date must be the first day of a month."
        )
    elif effective < today:
        errors.add(
            "effective_date",
            "quote.effective_date_past",
            f"The effective date {effective.isoformat()} is in the past; choose the first of a coming month.",
        )


_UNKNOWN_PROSPECT = ProspectNames("", "")  # quoted for a prospect whose names are not read here


def _check_names(
    errors: ErrorCollector, applicant: ApplicantInput, prospect: ProspectNames | None
) -> tuple[str | None, str | None]:
    """The applicant's names, given or the prospect's; with `_UNKNOWN_PROSPECT` only the given ones are judged."""
    first = _clean_name(applicant.first_name) or (prospect.first_name if prospect else None)
    last = _clean_name(applicant.last_name) or (prospect.last_name if prospect else None)
    for field, value, label in (
        ("applicant.first_name", first, "first name"),
        ("applicant.last_name", last, "last name"),
    ):
        if not value:
            if prospect is not _UNKNOWN_PROSPECT:
                errors.add(field, "quote.name_required", f"Enter the applicant's {label} (or quote for a prospect).")
        elif len(value) > NAME_MAX or CONTROL_RE.search(value):
            errors.add(
                field, "quote.name_invalid", f"The applicant's {label} must be at most {NAME_MAX} printable characters."
            )
    return first, last


def _check_births(
    errors: ErrorCollector,
    effective: date,
    applicant: ApplicantInput | None,
    spouse: SpouseInput | None,
    dependents: Sequence[DependentInput],
) -> None:
    if applicant is not None:
        _check_birth(errors, "applicant.date_of_birth", "applicant", applicant.date_of_birth, effective)
    if spouse is not None:
        _check_birth(errors, "spouse.date_of_birth", "spouse", spouse.date_of_birth, effective)
    for i, dep in enumerate(dependents):
        _check_birth(errors, f"dependents.{i}.date_of_birth", f"dependent {i + 1}", dep.date_of_birth, effective)


def _check_household_size(
    errors: ErrorCollector, spouse: SpouseInput | None, dependents: Sequence[DependentInput], max_dependents: int
) -> None:
    household_size = len(dependents) + (1 if spouse is not None else 0)
    if household_size > max_dependents:
        errors.add(
            "dependents",
            "quote.too_many_dependents",
            f"At most {max_dependents} dependents, the spouse included ({household_size} given).",
        )


def quote_field_errors(
    values: Mapping[str, object], *, today: date, max_dependents: int, names_from_prospect: bool = False
) -> list[FieldError]:
    """R-QUO-1 on the fields present (typed as `QuoteInput` types them), as `check_quote` applies them: for a body
    whose other fields the request schema refused (issue 16: one pass). The zip code's counties and the prospect's
    names need the database: they stay with `check_quote` (with `names_from_prospect`, missing names are not
    reported here)."""
    errors = ErrorCollector()
    if isinstance(zip_code := values.get("zip_code"), str):
        _check_zip(errors, zip_code)
    if isinstance(county := values.get("county"), str):
        _check_county_given(errors, county)
    effective = values.get("effective_date")
    if isinstance(effective, date):
        _check_effective_date(errors, effective, today)
    applicant = values.get("applicant")
    applicant = applicant if isinstance(applicant, ApplicantInput) else None
    spouse = values.get("spouse")
    spouse = spouse if isinstance(spouse, SpouseInput) else None
    listed = values.get("dependents")
    dependents = [d for d in listed if isinstance(d, DependentInput)] if isinstance(listed, tuple) else []
    if applicant is not None:
        _check_names(errors, applicant, _UNKNOWN_PROSPECT if names_from_prospect else None)
    if isinstance(effective, date):
        _check_births(errors, effective, applicant, spouse, dependents)
    # More people can only make the household larger: what was read is enough to tell it is too large.
    _check_household_size(errors, spouse, dependents, max_dependents)
    return errors.errors


def check_quote(
    data: QuoteInput,
    *,
    counties: Sequence[CountyInfo],
    today: date,
    max_dependents: int,
    prospect: ProspectNames | None = None,
) -> CheckedQuote:
    """R-QUO-1: every field at once. `counties` are those of the zip code (empty: a zip we do not serve)."""
    errors = ErrorCollector()
    county: CountyInfo | None = None
    zip_ok = _check_zip(errors, data.zip_code)
    if zip_ok and not counties:
        errors.add("zip_code", "quote.zip_unknown", f"We offer no plans in zip code {data.zip_code}.")
    if _check_county_given(errors, data.county) and zip_ok and counties:
        found = distinct_counties(counties)
        county = match_county(found, data.county)
        if county is None:
            errors.add(
                "county",
                "quote.county_mismatch",
                f"{data.county.strip()} County is not in zip code {data.zip_code}; choose one of "
                f"{_county_list(found)}.",
            )

    effective = data.effective_date
    _check_effective_date(errors, effective, today)

    try:
        coverage = QuoteCoverage(data.coverage)
    except ValueError:
        coverage = QuoteCoverage.medical_dental
        errors.add("coverage", "quote.coverage_invalid", "Coverage must be medical, dental or medical_dental.")

    applicant = data.applicant
    first, last = _check_names(errors, applicant, prospect)
    _check_births(errors, effective, applicant, data.spouse, data.dependents)
    _check_household_size(errors, data.spouse, data.dependents, max_dependents)
    for field, sex in (
        ("applicant.sex", applicant.sex),
        *((("spouse.sex", data.spouse.sex),) if data.spouse else ()),
        *((f"dependents.{i}.sex", d.sex) for i, d in enumerate(data.dependents)),
    ):
        if sex not in Sex.__members__:
            errors.add(field, "quote.sex_invalid", "Sex must be female or male.")
    errors.raise_if_any()
    assert county is not None and first and last
    household = {
        "applicant": {
            "first_name": first,
            "last_name": last,
            "date_of_birth": applicant.date_of_birth.isoformat(),
            "sex": applicant.sex,
            "tobacco_use": applicant.tobacco_use,
        },
        "spouse": None
        if data.spouse is None
        else {
            "date_of_birth": data.spouse.date_of_birth.isoformat(),
            "sex": data.spouse.sex,
            "tobacco_use": data.spouse.tobacco_use,
        },
        "dependents": [{"date_of_birth": d.date_of_birth.isoformat(), "sex": d.sex} for d in data.dependents],
    }
    return CheckedQuote(county=county, effective_date=effective, coverage=coverage, household=household)


def no_plans_offered(county: CountyInfo, year: int) -> ValidationFailed:
    return ValidationFailed(
        f"No plans are offered in {county.name} County, {county.state} for {year} yet; choose an "
        "earlier effective date.",
        code="quote.no_plans_offered",
        field="effective_date",
    )


def household_people(household: Mapping[str, Any]) -> list[Person]:
    """The rated people of a stored household, in order: primary, spouse, children."""
    applicant = household["applicant"]
    people = [Person("primary", date.fromisoformat(applicant["date_of_birth"]), bool(applicant.get("tobacco_use")))]
    spouse = household.get("spouse")
    if spouse:
        people.append(Person("spouse", date.fromisoformat(spouse["date_of_birth"]), bool(spouse.get("tobacco_use"))))
    people += [Person("child", date.fromisoformat(d["date_of_birth"])) for d in household.get("dependents") or []]
    return people


MEDICARE_AGE = 65


@dataclass(frozen=True)
class QuoteWarning:
    """Something the producer should know about a quote that does not stop it (issue 15)."""

    code: str
    person: str  # primary | spouse | dependent:N (0-based, as entered)
    age: int
    message: str


def medicare_warnings(people: Sequence[Person], effective_date: date) -> list[QuoteWarning]:
    """Issue 15: a person 65 or older on the effective date is Medicare-eligible. The quote is still priced as the
    age curve allows (its top factor is 64's), but the producer is told, person by person."""
    out: list[QuoteWarning] = []
    children = 0
    for p in people:
        key = p.relationship
        if p.relationship == "child":
            key, children = f"dependent:{children}", children + 1
        age = age_on(p.date_of_birth, effective_date)
        if age < MEDICARE_AGE:
            continue
        who = {"primary": "The applicant", "spouse": "The spouse"}.get(p.relationship, f"Dependent {children}")
        out.append(
            QuoteWarning(
                "quote.medicare_eligible",
                key,
                age,
                f"{who} is {age} on {effective_date:%m/%d/%Y} and eligible for Medicare. This plan is priced at the "
                "age-64 rate; talk with the client about Medicare coverage before enrolling.",
            )
        )
    return out


# --- R-QUO-2: premiums -------------------------------------------------------------------------------------


def price(offer: PlanOffer, people: list[Person], effective_date: date) -> PricedPlan:
    """R-QUO-2: base rate x age curve x tobacco factor (medical only); 3 oldest children under 21 charged."""
    assert offer.base_rate is not None
    members, total = premiums(
        base_rate=offer.base_rate,
        tobacco_factor=offer.tobacco_factor,
        coverage=offer.coverage,
        people=people,
        effective_date=effective_date,
    )
    return PricedPlan(offer, members, total)


def price_all(offers: Sequence[PlanOffer], people: list[Person], effective_date: date) -> list[PricedPlan]:
    """Every offer priced, cheapest first (then by name and id, so the order is stable)."""
    priced = [price(o, people, effective_date) for o in offers if o.base_rate is not None]
    return sorted(priced, key=lambda p: (p.total, p.offer.name, p.offer.plan_id))


# --- R-QUO-3: selection ----------------------------------------------------------------------------------


def is_available(offer: PlanOffer | None, *, state: str, year: int) -> bool:
    """Offered where and when the quote is: a rate in its rating area and the effective date's plan year."""
    return offer is not None and offer.base_rate is not None and offer.state == state and offer.plan_year == year


def check_selection(
    *,
    coverage: QuoteCoverage,
    state: str,
    year: int,
    medical_plan_id: str | None,
    dental_plan_id: str | None,
    offers: Mapping[str, PlanOffer],
) -> None:
    """R-QUO-3: at most one medical and one dental plan, each available for the quote and allowed by its
    coverage; both on or both off exchange (one "Enroll in Selected Plans" goes one way). All errors at once."""
    errors = ErrorCollector()
    chosen: list[PlanOffer] = []
    for slot, plan_id in ((PlanCoverage.medical, medical_plan_id), (PlanCoverage.dental, dental_plan_id)):
        if plan_id is None:
            continue
        field = f"{slot.value}_plan_id"
        offer = offers.get(plan_id)
        if not coverage.includes(slot.value):
            errors.add(
                field,
                f"quote.coverage_excludes_{slot.value}",
                f"This quote is for {coverage.value.replace('_', ' and ')} coverage only: no {slot.value} "
                "plan can be selected.",
            )
        elif offer is not None and offer.coverage != slot.value:
            errors.add(
                field,
                "quote.plan_wrong_coverage",
                f"{offer.name} is a {offer.coverage} plan; choose a {slot.value} plan here.",
            )
        elif not is_available(offer, state=state, year=year):
            errors.add(
                field,
                "quote.plan_unavailable",
                f"Plan {plan_id} is not available for this quote's county and effective date; choose one "
                "from the quote's plans.",
            )
        else:
            assert offer is not None
            chosen.append(offer)
    if len(chosen) == 2 and chosen[0].exchange != chosen[1].exchange:
        errors.add(
            "dental_plan_id",
            "quote.mixed_exchange",
            "Select medical and dental plans that are both on exchange or both off exchange: on-exchange plans "
            "are enrolled on the exchange, off-exchange plans through an application here.",
        )
    errors.raise_if_any()


# --- R-QUO-4 / R-ENR-2: enrolling from a quote ---------------------------------------------------------


@dataclass(frozen=True)
class ExchangeRedirect:
    """R-ENR-2: no application; the client continues on the exchange."""

    exchange: ExchangeKind
    redirect_url: str
    state: str


def check_delegate_prospect(prospect_id: int | None) -> None:
    """R-DEL-9 (issue 12, finding 10): prospects are not a delegate's (403), and a quote does not open them
    either: a delegate's quote carries no prospect."""
    if prospect_id is not None:
        raise Forbidden(
            f"{DELEGATE_NOT_PERMITTED} Prospects are too: leave prospect_id out and enter the applicant yourself.",
            code="delegate_not_permitted",
        )


def check_delegate_state(state: str, delegate_states: frozenset[str]) -> None:
    """R-DEL-9: a delegate works in the states its producer assigned it; a quote elsewhere is refused (403)."""
    if state not in delegate_states:
        assigned = ", ".join(sorted(delegate_states)) or "none"
        raise Forbidden(
            f"You are not assigned to {state} (your states: {assigned}); you can quote only for homes "
            "in your states. Ask your producer to assign the state or to quote this client.",
            code="quote.delegate_state_not_assigned",
        )


def exchange_redirect(
    selected: Sequence[PlanOffer], *, state: str, is_delegate: bool, federal_url: str, state_urls: Mapping[str, str]
) -> ExchangeRedirect | None:
    """Where "Enroll in Selected Plans" goes: None for off-exchange plans (an application here), else the
    state-based exchange of `state` if it runs one, or the federal platform. Delegates cannot (R-DEL-9)."""
    if not selected:
        raise ValidationFailed(
            "Select a medical and/or a dental plan before enrolling (PUT the quote's selection).",
            code="quote.no_selection",
            field="selection",
        )
    if not any(p.exchange == "on" for p in selected):
        return None
    if is_delegate:
        raise Forbidden(
            DELEGATE_ON_EXCHANGE,
            code="delegate_not_permitted",
            extra={"on_exchange_plan_ids": [p.plan_id for p in selected if p.exchange == "on"]},
        )
    url = state_urls.get(state)
    if url:
        return ExchangeRedirect(ExchangeKind.state, url, state)
    return ExchangeRedirect(ExchangeKind.federal, federal_url, state)


def choose_enroll_mode(*, existing_application_id: int | None, mode: EnrollMode | None) -> EnrollMode:
    """R-QUO-4: with an incomplete application for the quote, the caller must choose new or resume."""
    if existing_application_id is not None:
        if mode is None:
            raise Conflict(
                'An application was already started from this quote. Choose "new" to create a new application or '
                '"resume" to go to the incomplete application.',
                code="enrollment.application_exists",
                extra={
                    "choices": [EnrollMode.new.value, EnrollMode.resume.value],
                    "application_id": existing_application_id,
                },
            )
        return mode
    if mode is EnrollMode.resume:
        raise Conflict(
            'There is no incomplete application for this quote to resume; choose "new" to start one.',
            code="enrollment.nothing_to_resume",
            extra={"choices": [EnrollMode.new.value]},
        )
    return EnrollMode.new
