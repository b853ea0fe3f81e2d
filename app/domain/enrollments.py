"""Application rules (R-ENR-1 .. R-ENR-18). Pure: sections are plain dicts (already shape-checked); the
service passes in the reference facts (producer numbers, plans, providers) and the selection date."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from app.domain.dates import age_on
from app.domain.effective_dates import Event, LifeEvent, OpenEnrollment, check_life_events, sep_choice_allowed
from app.domain.errors import Conflict, ErrorCollector, FieldError, PreconditionFailed, ValidationFailed, errors_of
from app.domain.option_lists import check_language_ethnicity
from app.domain.payments import PENDING
from app.domain.rating import Person
from app.domain.repricing import PlansReview

SECTIONS = ("general", "applicant", "household", "plans", "other-coverage", "signatures")
INCOMPLETE, SUBMITTED, FAILED = "incomplete", "submitted", "failed"
EDITABLE_STATUSES = (INCOMPLETE, FAILED)
PAY_LATER = "Pay Later"
PCP_NETWORK_TYPES = ("HMO", "POS")
PEDIATRIC_DENTAL_AGE = 19  # R-ENR-10: under 19
CHILD_ONLY_AGE = 18  # R-ENR-13
DEPENDENT_AGE_LIMIT = 26  # issue 14: dependents under 26 unless disabled


@dataclass(frozen=True)
class PlanFacts:
    plan_id: str
    name: str
    coverage: str
    network_type: str
    requires_pcp: bool
    exchange: str
    state: str
    network_code: str
    available: bool  # offered in the applicant's rating area for the effective year


@dataclass(frozen=True)
class Facts:
    """What the rules need to know beyond the sections themselves."""

    today: date
    producer_numbers: dict[str, str]  # the producer's active numbers -> state
    delegate_states: frozenset[str] | None  # None for a producer
    open_enrollment: OpenEnrollment
    max_dependents: int
    consumer_choice_exempt: frozenset[str]
    plans: dict[str, PlanFacts] = field(default_factory=dict)
    providers: dict[str, frozenset[str]] = field(default_factory=dict)  # known PCP numbers -> networks
    effective_date: date | None = None
    plans_review: PlansReview | None = None  # set while the plans section is stale after a new effective date
    home_zip_counties: tuple[tuple[str, str], ...] | None = None  # (county, state) of the home zip; None: unknown


def _prefixed(errors: ErrorCollector, section: str, exc: ValidationFailed) -> None:
    for e in exc.errors or []:
        errors.add(f"{section}.{e.field}" if e.field else section, e.code, e.message)
    if not exc.errors:
        errors.add(section, exc.code, exc.message)


# --- per section --------------------------------------------------------------------------------------------


def check_general(
    data: dict[str, Any],
    facts: Facts,
    *,
    previous: dict[str, Any] | None = None,
    sections: dict[str, Any] | None = None,
) -> None:
    """R-ENR-3 producer number (the producer's own, active, in the applicant's home state); R-ENR-4 SEP default
    and life-event rules; R-DEL-9 delegate states."""
    errors = ErrorCollector()
    number = data.get("producer_number")
    state = facts.producer_numbers.get(number or "")
    if state is None:
        errors.add(
            "producer_number",
            "enrollment.producer_number_unknown",
            "Choose one of the producer's active writing producer numbers.",
        )
    elif facts.delegate_states is not None and state not in facts.delegate_states:
        errors.add(
            "producer_number",
            "enrollment.delegate_state",
            f"You are not assigned to {state}; choose a number in one of your states.",
        )
    home_state = _home_state(sections) if sections else None
    if state is not None and home_state and state != home_state:  # R-ENR-3, issue 14: at save, not only at submit
        errors.add(
            "producer_number",
            "enrollment.state_mismatch",
            f"Writing number {number} is for {state} but the applicant lives in {home_state}; choose one of your "
            f"active {home_state} numbers.",
        )
    try:
        sep_choice_allowed(
            requested_is_sep=bool(data.get("is_sep", True)),
            selection=facts.today,
            open_enrollment=facts.open_enrollment,
        )
    except ValidationFailed as exc:
        errors.add("is_sep", exc.code, exc.message)
    events = data.get("life_events") or []
    if data.get("is_sep", True) and not events:
        errors.add(
            "life_events",
            "enrollment.life_event_required",
            "A special enrollment application needs at least one life event and its date.",
        )
    if previous and previous.get("is_sep", True) and data.get("is_sep", True):
        before = previous.get("life_events") or []
        if len(before) > 1 and not events:  # R-ENR-4: the last event cannot be deleted
            errors.add(
                "life_events",
                "enrollment.last_life_event",
                "A life event can only be deleted while more than one exists.",
            )
    _check_life_event_dates(events, facts.today, errors)
    errors.raise_if_any()


def _check_life_event_dates(events: list[dict[str, Any]], today: date, errors: ErrorCollector) -> None:
    """R-ENR-4: an event is dated in the future only where its window reaches before the event."""
    for e in _life_event_errors(events, today):
        errors.add(e.field, e.code, e.message)


def _life_event_errors(events: list[dict[str, Any]], today: date) -> list[FieldError]:
    return errors_of(
        lambda: check_life_events([Event(LifeEvent(e["event_type"]), _d(e["event_date"])) for e in events], today)
    )


def check_life_event_change(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    """R-ENR-4: events can be edited; one can be deleted only while more than one exists."""
    if before and not after:
        raise ValidationFailed(
            "A life event can only be deleted while more than one exists.",
            code="enrollment.last_life_event",
            field="life_events",
        )


def check_applicant(data: dict[str, Any], facts: Facts) -> None:
    """R-ENR-6 authorization; R-ENR-7 applicant, addresses, contact."""
    errors = ErrorCollector()
    _check_applicant_fields(data, facts.today, facts.home_zip_counties, errors)
    errors.raise_if_any()


def _check_applicant_fields(
    data: dict[str, Any], today: date, home_zip_counties: tuple[tuple[str, str], ...] | None, errors: ErrorCollector
) -> None:
    """R-ENR-6/7 on the fields present (a field the request schema refused is absent, and not judged)."""
    if data.get("authorization") == "in_person" and not data.get("terms_accepted"):
        errors.add(
            "terms_accepted",
            "enrollment.terms_required",
            "Assisting in person needs the client's acceptance of the Terms and Agreements.",
        )
    person = data.get("applicant") or {}
    if person.get("date_of_birth") and _d(person["date_of_birth"]) > today:
        errors.add("applicant.date_of_birth", "enrollment.birth_in_future", "The date of birth is in the future.")
    _check_ssn(person.get("ssn"), "applicant.ssn", errors)
    if person.get("tobacco_use"):
        last = person.get("tobacco_last_used")
        if not last:
            errors.add(
                "applicant.tobacco_last_used", "enrollment.tobacco_date_required", "Give the date of last tobacco use."
            )
        elif _d(last) > today:
            errors.add(
                "applicant.tobacco_last_used",
                "enrollment.tobacco_date_future",
                "The date of last tobacco use cannot be in the future.",
            )
    for key in ("home_address", "mailing_address"):
        addr = data.get(key)
        if addr:
            if "zip_code" in addr and not re.fullmatch(r"\d{5}(-\d{4})?", addr["zip_code"]):
                errors.add(f"{key}.zip_code", "enrollment.zip_invalid", "Enter a 5-digit zip code.")
            if key == "home_address" and not addr.get("county"):
                errors.add("home_address.county", "enrollment.county_required", "Select the county.")
            elif key == "home_address" and home_zip_counties is not None:
                _check_zip_county_state(addr, home_zip_counties, errors)
    contact = data.get("contact") or {}
    if "primary_phone" in contact and len(re.sub(r"\D", "", contact["primary_phone"])) != 10:
        errors.add("contact.primary_phone", "enrollment.phone_invalid", "Enter a 10-digit phone number.")


def _county_key(name: str) -> str:
    return name.strip().lower().removesuffix(" county")


def _check_zip_county_state(addr: dict[str, Any], known: tuple[tuple[str, str], ...], errors: ErrorCollector) -> None:
    """R-ENR-7, issue 14: the home zip, county and state agree with the reference table (counties by zip)."""
    zip5 = addr["zip_code"][:5]
    if not known:
        errors.add("home_address.zip_code", "enrollment.zip_unknown", f"Zip code {zip5} is not in our service area.")
        return
    counties = [c for c, _st in known]
    match = [(c, st) for c, st in known if _county_key(c) == _county_key(addr["county"])]
    if not match:
        errors.add(
            "home_address.county",
            "enrollment.county_mismatch",
            f"{addr['county']} is not a county of zip code {zip5}; choose {' or '.join(sorted(counties))}.",
        )
    elif match[0][1] != addr["state"].upper():
        errors.add(
            "home_address.state",
            "enrollment.state_mismatch",
            f"Zip code {zip5} ({match[0][0]} county) is in {match[0][1]}, not {addr['state']}.",
        )


def check_household(data: dict[str, Any], facts: Facts) -> None:
    """R-ENR-8 HRA and the language, ethnicity and identity answers (closed lists); R-ENR-9 at most 19 dependents,
    the spouse included; dependents under 26 unless disabled (issue 14)."""
    errors = ErrorCollector()
    _check_household_fields(data, facts.today, facts.effective_date or facts.today, facts.max_dependents, errors)
    errors.raise_if_any()


def _check_household_fields(
    data: dict[str, Any], today: date, on: date | None, max_dependents: int, errors: ErrorCollector
) -> None:
    """R-ENR-8/9 on the fields present; the dependents' age limit is judged on `on` (None: not judged)."""
    check_language_ethnicity(data.get("language_ethnicity"), errors, "language_ethnicity")
    dependents = data.get("dependents") or []
    for i, dep in enumerate(dependents):
        if on is None or not dep.get("date_of_birth"):
            continue
        if age_on(_d(dep["date_of_birth"]), on) >= DEPENDENT_AGE_LIMIT and not dep.get("disabled"):
            errors.add(
                f"dependents.{i}.date_of_birth",
                "enrollment.dependent_too_old",
                f"{dep.get('first_name', 'The dependent')} is {age_on(_d(dep['date_of_birth']), on)} on "
                f"{on:%m/%d/%Y}: a dependent must be under {DEPENDENT_AGE_LIMIT} unless disabled (set disabled: true) "
                "or apply separately.",
            )
    count = len(dependents) + (1 if data.get("spouse") else 0)
    if count > max_dependents:
        errors.add(
            "dependents",
            "enrollment.too_many_dependents",
            f"At most {max_dependents} dependents, the spouse included ({count} given).",
        )
    people = ([("spouse", data["spouse"])] if data.get("spouse") else []) + [
        (f"dependents.{i}", d) for i, d in enumerate(dependents)
    ]
    for path, person in people:
        if person.get("date_of_birth") and _d(person["date_of_birth"]) > today:
            errors.add(f"{path}.date_of_birth", "enrollment.birth_in_future", "The date of birth is in the future.")
        _check_ssn(person.get("ssn"), f"{path}.ssn", errors)


def applicant_ages(sections: dict[str, Any], on: date) -> dict[str, int]:
    out: dict[str, int] = {}
    app = (sections.get("applicant") or {}).get("applicant")
    if app:
        out["primary"] = age_on(_d(app["date_of_birth"]), on)
    house = sections.get("household") or {}
    if house.get("spouse"):
        out["spouse"] = age_on(_d(house["spouse"]["date_of_birth"]), on)
    for i, d in enumerate(house.get("dependents") or []):
        out[f"dependent:{i}"] = age_on(_d(d["date_of_birth"]), on)
    return out


def rated_people(sections: dict[str, Any]) -> list[Person]:
    """R-ENR-1 / R-ENR-10: the people the premiums are for (primary, spouse, children), as R-QUO-2 rates them.

    The saved applicant and household sections win. Until they are saved, the applicant and household prefilled
    from the quote are rated, so an application started from a quote opens at the quote's premium (not at the
    primary applicant's alone). Empty while there is no primary applicant.
    """
    prefill = sections.get("prefill") or {}
    applicant = (sections.get("applicant") or {}).get("applicant") or prefill.get("applicant")
    if not applicant:
        return []
    house = sections.get("household")
    if house is None:
        house = prefill
    people = [Person("primary", _d(applicant["date_of_birth"]), bool(applicant.get("tobacco_use")))]
    if house.get("spouse"):
        people.append(Person("spouse", _d(house["spouse"]["date_of_birth"]), bool(house["spouse"].get("tobacco_use"))))
    people += [Person("child", _d(d["date_of_birth"])) for d in house.get("dependents") or []]
    return people


def check_plans(data: dict[str, Any], sections: dict[str, Any], facts: Facts) -> None:
    """R-ENR-10 plan selection and pediatric dental; R-ENR-11 PCPs for HMO/POS only; R-ENR-2 off exchange."""
    errors = ErrorCollector()
    form_type = (sections.get("applicant") or {}).get("form_type", "medical_dental")
    medical_id, dental_id = data.get("medical_plan_id"), data.get("dental_plan_id")
    medical = facts.plans.get(medical_id) if medical_id else None
    dental = facts.plans.get(dental_id) if dental_id else None
    state = _home_state(sections)
    for key, plan_id, plan, coverage in (
        ("medical_plan_id", medical_id, medical, "medical"),
        ("dental_plan_id", dental_id, dental, "dental"),
    ):
        if not plan_id:
            continue
        if plan is None or plan.coverage != coverage:
            errors.add(key, "enrollment.plan_unknown", f"{plan_id} is not a {coverage} plan.")
        elif plan.exchange == "on":
            errors.add(
                key,
                "enrollment.plan_on_exchange",
                "On-exchange plans are enrolled on the exchange, not with this application.",
            )
        elif state and plan.state != state:
            errors.add(key, "enrollment.plan_wrong_state", f"{plan.name} is not offered in {state}.")
        elif not plan.available:
            errors.add(
                key,
                "enrollment.plan_unavailable",
                f"{plan.name} is not offered in the applicant's county for the effective date.",
            )
    if form_type == "dental" and medical_id:
        errors.add("medical_plan_id", "enrollment.dental_form", "A dental-only application has no medical plan.")
    if form_type == "medical_dental" and not medical_id:
        errors.add("medical_plan_id", "enrollment.medical_required", "Select a medical plan.")
    if form_type == "dental" and not dental_id:
        errors.add("dental_plan_id", "enrollment.dental_required", "Select a dental plan.")
    ages = applicant_ages(sections, facts.effective_date or facts.today)
    if (
        not dental_id
        and form_type == "medical_dental"
        and any(a < PEDIATRIC_DENTAL_AGE for a in ages.values())
        and not data.get("pediatric_dental_attested")
    ):
        errors.add(
            "pediatric_dental_attested",
            "enrollment.pediatric_dental",
            "Without a dental plan, attest that the children under 19 already have pediatric dental coverage.",
        )
    choices = list(data.get("pcp") or [])
    same = data.get("use_same_pcp_number_for_all")
    if choices or same:
        if medical is None or medical.network_type not in PCP_NETWORK_TYPES:
            errors.add("pcp", "enrollment.pcp_not_applicable", "PCPs are chosen only for HMO and POS plans.")
        else:
            numbers = [(f"pcp.{i}.pcp_number", c["pcp_number"], c["applicant"]) for i, c in enumerate(choices)]
            if same:
                numbers.append(("use_same_pcp_number_for_all", same, None))
            for path, number, who in numbers:
                if who is not None and who not in ages:
                    errors.add(
                        path.replace("pcp_number", "applicant"),
                        "enrollment.pcp_applicant_unknown",
                        f"There is no {who} on this application.",
                    )
                networks = facts.providers.get(number)
                if networks is None:
                    errors.add(path, "enrollment.pcp_unknown", f"No PCP or medical group has number {number}.")
                elif medical.network_code not in networks:
                    errors.add(
                        path, "enrollment.pcp_out_of_network", f"PCP {number} is not in {medical.name}'s network."
                    )
    errors.raise_if_any()


def check_other_coverage(data: dict[str, Any], facts: Facts) -> None:
    """R-ENR-12: yes needs at least one complete entry; no means no entries."""
    errors = ErrorCollector()
    _check_other_coverage_fields(data, errors)
    errors.raise_if_any()


def _check_other_coverage_fields(data: dict[str, Any], errors: ErrorCollector) -> None:
    for key, flag in (("coverage_replacement", "replacing"), ("other_coverage", "has_other")):
        block = data.get(key) or {}
        if block.get(flag) and not block.get("entries"):
            errors.add(f"{key}.entries", "enrollment.entries_required", "Add the details for each person.")
        if not block.get(flag) and block.get("entries"):
            errors.add(
                f"{key}.{flag}",
                "enrollment.entries_without_yes",
                f"Answer yes to {key.replace('_', ' ')} to give details.",
            )


def check_signatures(data: dict[str, Any], sections: dict[str, Any], facts: Facts, *, for_submit: bool) -> None:
    """R-ENR-13 guardian for child-only and the Texas Consumer Choice Disclosure; R-ENR-14 payment choice."""
    errors = ErrorCollector()
    ages = applicant_ages(sections, facts.effective_date or facts.today)
    if "primary" in ages and ages["primary"] < CHILD_ONLY_AGE and not data.get("parent_guardian"):
        errors.add(
            "parent_guardian",
            "enrollment.guardian_required",
            "A child-only application needs the parent or legal guardian's name and relationship.",
        )
    if _home_state(sections) == "TX" and not data.get("consumer_choice_disclosure_accepted"):
        medical_id = (sections.get("plans") or {}).get("medical_plan_id")
        plan = facts.plans.get(medical_id) if medical_id else None
        if plan is None or plan.name not in facts.consumer_choice_exempt:
            errors.add(
                "consumer_choice_disclosure_accepted",
                "enrollment.consumer_choice_disclosure",
                "Texas applicants must accept the Consumer Choice Disclosure.",
            )
    if for_submit and not data.get("payment_option"):
        errors.add("payment_option", "enrollment.payment_option_required", "Choose pay now or pay later.")
    errors.raise_if_any()


CHECKS = {
    "general": lambda d, s, f: check_general(d, f, sections=s),
    "applicant": lambda d, s, f: check_applicant(d, f),
    "household": lambda d, s, f: check_household(d, f),
    "plans": check_plans,
    "other-coverage": lambda d, s, f: check_other_coverage(d, f),
    "signatures": lambda d, s, f: check_signatures(d, s, f, for_submit=False),
}


def section_field_errors(name: str, data: dict[str, Any], *, today: date, max_dependents: int) -> list[FieldError]:
    """The rules of a section that need nothing but its own fields present, as `check_section` applies them: for a
    body whose other fields the request schema refused (issue 16: one pass). Not here (the service's, once the body
    is valid): producer numbers, open enrollment and the life-event requirement (general), the home zip's counties
    (applicant), the dependents' age on the application's effective date (household), plans and PCPs (plans), the
    signatures (they depend on the other sections and the plans)."""
    errors = ErrorCollector()
    if name == "general":
        events = data.get("life_events") or []
        if all("event_type" in e and "event_date" in e for e in events):
            _check_life_event_dates(events, today, errors)
    elif name == "applicant":
        _check_applicant_fields(data, today, None, errors)
    elif name == "household":
        _check_household_fields(data, today, None, max_dependents, errors)
    elif name == "other-coverage":
        _check_other_coverage_fields(data, errors)
    return errors.errors


def check_section(name: str, data: dict[str, Any], sections: dict[str, Any], facts: Facts) -> None:
    """Validate one section as it is saved ("Save & Exit" after every step, R-ENR-1)."""
    CHECKS[name](data, sections, facts)


def check_for_submit(sections: dict[str, Any], facts: Facts) -> None:
    """R-ENR-15: every section, every missing or invalid field, all at once (prefixed by section)."""
    errors = ErrorCollector()
    for name in SECTIONS:
        data = sections.get(name)
        if data is None:
            errors.add(name, "enrollment.section_missing", f"Complete the {name.replace('-', ' ')} section.")
            continue
        try:
            if name == "signatures":
                check_signatures(data, sections, facts, for_submit=True)
            else:
                check_section(name, data, sections, facts)
        except ValidationFailed as exc:
            _prefixed(errors, name, exc)
    if facts.effective_date is None:
        errors.add("effective_date", "enrollment.effective_date_missing", "Calculate the effective date.")
    if facts.plans_review is not None:  # R-ENR-5, R-ENR-10: plans chosen for another effective date
        errors.add("plans", facts.plans_review.code, facts.plans_review.message)
    general_state = facts.producer_numbers.get((sections.get("general") or {}).get("producer_number") or "")
    home_state = _home_state(sections)
    if general_state and home_state and general_state != home_state:  # R-ENR-3, R-DEL-9
        errors.add(
            "general.producer_number",
            "enrollment.state_mismatch",
            f"The writing producer number is for {general_state} but the applicant lives in {home_state}.",
        )
    errors.raise_if_any("The application has missing or invalid fields")


def _home_state(sections: dict[str, Any]) -> str | None:
    addr = (sections.get("applicant") or {}).get("home_address")
    return addr.get("state") if addr else None


def _check_ssn(ssn: str | None, path: str, errors: ErrorCollector) -> None:
    if ssn and not re.fullmatch(r"\d{9}", re.sub(r"-", "", ssn)):
        errors.add(path, "enrollment.ssn_invalid", "An SSN is 9 digits.")


def _d(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def record_number(application_id: int) -> str:
    """R-ENR-15 record number, which is the application's e-app number (issue 14: one digit format for
    applications and policies, so member search's e-app number filter finds both)."""
    return f"{application_id:010d}"


def client_app_id(application_id: int) -> str:
    return f"{1000 + application_id}"


def expires_at(last_change: datetime, days: int) -> datetime:
    """R-ENR-16: incomplete and failed applications expire 90 days after their last change."""
    return last_change + timedelta(days=days)


# --- the application aggregate: its lifecycle (R-ENR-1, R-ENR-15, R-ENR-16, R-PAY-4) -----------------------------


@dataclass(frozen=True)
class Lifecycle:
    """An application's bookkeeping: status, version (optimistic concurrency), last change, expiry, the outcome of
    its submission and its payment status. Every change of these goes through one method here, which answers the
    new state; `apply_to` writes it onto the stored application (the one place the row's bookkeeping is set).

    Incomplete and failed applications can be changed (each change a new version that restarts the 90 days,
    R-ENR-1 / R-ENR-16); submission makes one submitted or failed (R-ENR-15); a failed one is reopened by a saved
    section; payments are taken once submitted (R-PAY-1) and their status shows on it (R-PAY-4).
    """

    status: str
    version: int
    updated_at: datetime
    expires_at: datetime
    failure_reason: str | None = None
    date_submitted: datetime | None = None
    client_app_id: str | None = None
    payment_status: str | None = None
    decision: str | None = None  # issue 14: the carrier's decision, approved | declined
    decided_at: datetime | None = None
    decision_reason: str | None = None

    # --- reading and writing the stored application -----------------------------------------------------------

    @classmethod
    def of(cls, application: Any) -> Lifecycle:
        """The lifecycle of a stored application (any object with these attributes)."""
        return cls(**{f.name: getattr(application, f.name) for f in fields(cls)})

    def apply_to(self, application: Any) -> None:
        """Write this state onto the stored application (only what differs, so nothing else is marked changed)."""
        for f in fields(self):
            value = getattr(self, f.name)
            if getattr(application, f.name, None) != value:
                setattr(application, f.name, value)

    # --- start and expiry ---------------------------------------------------------------------------------------

    @classmethod
    def started(cls, now: datetime, *, expiry_days: int) -> Lifecycle:
        """R-ENR-1: a new application is incomplete, version 1, and expires `expiry_days` after now (R-ENR-16)."""
        return cls(status=INCOMPLETE, version=1, updated_at=now, expires_at=expires_at(now, expiry_days))

    def is_expired(self, now: datetime) -> bool:
        """R-ENR-16: an incomplete or failed application is gone once its expiry has passed; a submitted one stays."""
        return self.status != SUBMITTED and self.expires_at <= now

    # --- changes ------------------------------------------------------------------------------------------------

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def check_editable(self) -> None:
        """R-ENR-15: a submitted application can no longer be changed."""
        if not self.editable:
            raise Conflict("A submitted application can no longer be changed.", code="enrollment.submitted")

    def check_deletable(self) -> None:
        if self.status == SUBMITTED:
            raise Conflict("A submitted application cannot be deleted.", code="enrollment.submitted")

    def check_version(self, expected: int | Collection[int] | None) -> None:
        """Optimistic concurrency (`If-Match`): a save that names versions must name the current one (None: no
        check). A failed precondition is 412 (RFC 9110), with the current version to reload."""
        if expected is None:
            return
        accepted = {expected} if isinstance(expected, int) else set(expected)
        if self.version not in accepted:
            sent = ", ".join(str(v) for v in sorted(accepted)) or "no version number"
            raise PreconditionFailed(
                f"This application was changed elsewhere (version {self.version}, you sent {sent}). "
                "Reload it and save again.",
                code="enrollment.stale_version",
                extra={"current_version": self.version},
            )

    def changed(self, now: datetime, *, expiry_days: int) -> Lifecycle:
        """R-ENR-1 / R-ENR-16: a saved change is a new version, and the 90 days start again from it."""
        return replace(self, version=self.version + 1, updated_at=now, expires_at=expires_at(now, expiry_days))

    def section_saved(self, now: datetime, *, expiry_days: int) -> Lifecycle:
        """R-ENR-1: a saved section is a change; R-ENR-15: it reopens a failed application (incomplete again)."""
        current = (
            replace(self, status=INCOMPLETE, failure_reason=None, decision=None, decided_at=None, decision_reason=None)
            if self.status == FAILED
            else self
        )
        return current.changed(now, expiry_days=expiry_days)

    # --- submission (R-ENR-15) ------------------------------------------------------------------------------------

    def check_submittable(self, record_number: str | None) -> None:
        """R-ENR-15 / R-ENR-18: an application is submitted once."""
        if self.status == SUBMITTED:
            raise Conflict(f"Application {record_number} was already submitted.", code="enrollment.submitted")

    def submitted(
        self,
        now: datetime,
        *,
        application_id: int,
        accepted: bool,
        reason: str | None,
        pay_now: bool,
        expiry_days: int,
    ) -> Lifecycle:
        """R-ENR-15: the enrollment system's answer. Accepted: submitted, with its client app id and payment status
        (Pending to pay now, else Pay Later, R-PAY-4). Refused: failed with the reason, and (like any change) the 90
        days start again (R-ENR-16). Either way a new version, submitted now."""
        sent = replace(self, date_submitted=now, updated_at=now, version=self.version + 1)
        if accepted:
            return replace(
                sent,
                status=SUBMITTED,
                failure_reason=None,
                client_app_id=client_app_id(application_id),
                payment_status=PENDING if pay_now else PAY_LATER,
            )
        return replace(sent, status=FAILED, failure_reason=reason, expires_at=expires_at(now, expiry_days))

    # --- payment (R-PAY-1, R-PAY-4) -------------------------------------------------------------------------------

    def check_payable(self) -> None:
        """R-PAY-1: the binder payment is taken once the application is submitted."""
        if self.status != SUBMITTED:
            raise Conflict("Payments are taken once the application is submitted.", code="payment.not_submitted")

    def paid(self, payment_status: str) -> Lifecycle:
        """R-PAY-4: the application shows the status of its latest payment."""
        return replace(self, payment_status=payment_status)

    # --- the carrier's decision (issue 14) ------------------------------------------------------------------------

    def check_decidable(self, decision: str, record_number: str | None) -> bool:
        """Decisions are idempotent: True when the application already has this decision (answer it again); a
        different decision after one is a conflict, and only a submitted application is decided."""
        if self.decision == decision:
            return True
        if self.decision is not None:
            raise Conflict(
                f"Application {record_number} was already {self.decision} by the carrier; it cannot be {decision} now.",
                code="carrier.already_decided",
                extra={"decision": self.decision},
            )
        if self.status != SUBMITTED:
            raise Conflict(
                f"Application {record_number} is {self.status}, not submitted: the carrier decides submitted "
                "applications only.",
                code="carrier.not_submitted",
            )
        return False

    def approved(self, now: datetime, *, note: str | None) -> Lifecycle:
        """Approved: the application stays submitted (its policies are in the book now)."""
        return replace(self, decision="approved", decided_at=now, decision_reason=note, version=self.version + 1)

    def declined(self, now: datetime, *, reason: str, expiry_days: int) -> Lifecycle:
        """Declined: listed as failed with the carrier's reason (R-ENR-15); like a failed submission it can be
        reopened, and the 90 days start again (R-ENR-16)."""
        return replace(
            self,
            status=FAILED,
            failure_reason=f"Declined by the carrier: {reason}"[:300],
            decision="declined",
            decided_at=now,
            decision_reason=reason,
            version=self.version + 1,
            updated_at=now,
            expires_at=expires_at(now, expiry_days),
        )
