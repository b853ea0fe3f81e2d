"""Off-exchange Individual & Family applications (R-ENR-1 .. R-ENR-18)."""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from app.adapters.gateways import SimulatedEnrollmentGateway
from app.domain.accounts import Principal, Role
from app.domain.effective_dates import Event, LifeEvent, OpenEnrollment, calculate_effective_date
from app.domain.enrollments import (
    PCP_NETWORK_TYPES,
    Facts,
    Lifecycle,
    PlanFacts,
    check_for_submit,
    check_life_event_change,
    check_section,
    rated_people,
    record_number,
)
from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.domain.rating import premiums
from app.domain.repricing import PlanPrice, PlansReview, review_plans
from app.domain.text import name_key
from app.domain.webhooks import EventType
from app.ports import HasCipher, HasClock, HasPdf, HasSettings, HasUnitOfWork, HasWebhooks
from app.repositories.orm import Application, Quote
from app.repositories.uow import UnitOfWork
from app.services import audit
from app.services.audit import RequestContext

if TYPE_CHECKING:
    from app.adapters.application_pdf import ApplicationRecord


class EnrollmentPorts(HasUnitOfWork, HasClock, HasSettings, HasCipher, HasWebhooks, HasPdf, Protocol):
    """What the enrollment services use."""


# issue 16: `submitted` is the one spelling; `completed` (the list's first filter value) still reads as submitted.
STATUS_FILTER = {
    "incomplete": ("incomplete",),
    "submitted": ("submitted",),
    "completed": ("submitted",),
    "failed": ("failed",),
}


def _gateway(ctx: EnrollmentPorts) -> SimulatedEnrollmentGateway:
    """The enrollment-system port (R-ENR-15)."""
    return SimulatedEnrollmentGateway(delay_seconds=ctx.settings.gateway_delay_seconds)


def _oe(ctx: EnrollmentPorts) -> OpenEnrollment:
    s = ctx.settings
    sm, sd = (int(x) for x in s.open_enrollment_start.split("-"))
    dm, dd = (int(x) for x in s.open_enrollment_jan1_deadline.split("-"))
    em, ed = (int(x) for x in s.open_enrollment_end.split("-"))
    return OpenEnrollment(sm, sd, dm, dd, em, ed)


def _producer_id(principal: Principal) -> int:
    pid = principal.book_id
    return pid


# --- SSNs are encrypted inside sections (R-MEM-7) ---------------------------------------------------------


def _seal_person(ctx: EnrollmentPorts, person: dict[str, Any] | None) -> None:
    if person is None:
        return
    ssn = person.pop("ssn", None)
    if ssn:
        digits = ssn.replace("-", "")
        person["ssn_encrypted"] = ctx.cipher.encrypt(digits)
        person["ssn_last4"] = digits[-4:]


def _seal(ctx: EnrollmentPorts, name: str, data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    if name == "applicant":
        _seal_person(ctx, data.get("applicant"))
    if name == "household":
        _seal_person(ctx, data.get("spouse"))
        for dep in data.get("dependents") or []:
            _seal_person(ctx, dep)
    return data


def public_sections(sections: dict[str, Any]) -> dict[str, Any]:
    """Sections as the API shows them: no SSN, encrypted or not, only its last 4."""
    out = copy.deepcopy(sections)
    people = []
    if out.get("applicant"):
        people.append(out["applicant"].get("applicant"))
    if out.get("household"):
        people.append(out["household"].get("spouse"))
        people.extend(out["household"].get("dependents") or [])
    for person in people:
        if person:
            person.pop("ssn_encrypted", None)
            person.pop("ssn", None)
    return out


# --- facts and premiums ---------------------------------------------------------------------------------------


async def _facts(
    ctx: EnrollmentPorts, uow: UnitOfWork, principal: Principal, app: Application, sections: dict[str, Any]
) -> Facts:
    producer_id = principal.book_id
    plans_section = sections.get("plans") or {}
    plan_ids = [plans_section.get("medical_plan_id"), plans_section.get("dental_plan_id")]
    plans = await uow.applications.plans([p for p in plan_ids if p])
    home = (sections.get("applicant") or {}).get("home_address")
    area = await uow.applications.rating_area(home["zip_code"], home.get("county")) if home else None
    rates = await uow.applications.rates(list(plans), area[0], area[1]) if area else {}
    pcp_numbers = [c["pcp_number"] for c in plans_section.get("pcp") or []]
    if plans_section.get("use_same_pcp_number_for_all"):
        pcp_numbers.append(plans_section["use_same_pcp_number_for_all"])
    return Facts(
        today=ctx.clock.now().date(),
        producer_numbers=await uow.applications.producer_numbers(producer_id),
        delegate_states=await uow.applications.delegate_states(principal.user_id)
        if principal.role is Role.delegate
        else None,
        open_enrollment=_oe(ctx),
        max_dependents=ctx.settings.max_dependents_including_spouse,
        consumer_choice_exempt=frozenset(ctx.settings.consumer_choice_exempt_plans),
        plans={
            p.plan_id: PlanFacts(
                p.plan_id,
                p.name,
                p.coverage,
                p.network_type,
                p.requires_pcp,
                p.exchange,
                p.state,
                p.network_code,
                available=p.plan_id in rates and (app.effective_date is None or p.plan_year == app.effective_date.year),
            )
            for p in plans.values()
        },
        providers=await uow.applications.provider_networks(pcp_numbers),
        effective_date=app.effective_date,
        plans_review=PlansReview.from_json(app.plans_review),
        home_zip_counties=await uow.applications.counties_for_zip(home["zip_code"]) if home else None,
    )


async def _plan_prices(
    ctx: EnrollmentPorts, uow: UnitOfWork, sections: dict[str, Any], on: date | None
) -> list[PlanPrice | None]:
    """The chosen medical and dental plans priced for effective date `on` (None: not yet calculated, rated as of
    today and offered whatever the plan year), in that order; None where no plan is chosen or it cannot be
    priced (no household or address yet)."""
    plans_section = sections.get("plans") or {}
    people = rated_people(sections)  # the saved household, or the one prefilled from the quote (R-ENR-1)
    home = (sections.get("applicant") or {}).get("home_address") or (sections.get("prefill") or {}).get("home")
    if not plans_section or not people or not home:
        return [None, None]
    area = await uow.applications.rating_area(home["zip_code"], home.get("county"))
    if area is None:
        return [None, None]
    rated_on = on or ctx.clock.now().date()  # R-QUO-2: rating ages as of the effective date
    ids = [plans_section.get("medical_plan_id"), plans_section.get("dental_plan_id")]
    plans = await uow.applications.plans([i for i in ids if i])
    rates = await uow.applications.rates(list(plans), area[0], area[1])
    out: list[PlanPrice | None] = []
    for pid in ids:
        plan = plans.get(pid) if pid else None
        if plan is None:
            out.append(None)
            continue
        total: Decimal | None = None
        if pid in rates:
            _rows, total = premiums(
                base_rate=Decimal(rates[pid]),
                tobacco_factor=Decimal(plan.tobacco_factor),
                coverage=plan.coverage,
                people=people,
                effective_date=rated_on,
            )
        offered = pid in rates and (on is None or plan.plan_year == on.year)
        out.append(PlanPrice(plan.coverage, plan.plan_id, plan.name, offered, total))
    return out


async def _premiums(
    ctx: EnrollmentPorts, uow: UnitOfWork, app: Application, sections: dict[str, Any]
) -> tuple[Decimal | None, Decimal | None]:
    """R-ENR-10: the monthly premiums of the selected plans for this household (recomputed on change)."""
    medical, dental = await _plan_prices(ctx, uow, sections, app.effective_date)
    return (medical.premium if medical else None), (dental.premium if dental else None)


async def _reprice(ctx: EnrollmentPorts, uow: UnitOfWork, app: Application, effective: date) -> None:
    """R-ENR-5, R-ENR-10 (issue 14): a new effective date re-prices the chosen plans; what it changed is kept on the
    application (the plans section is stale) until the plans section is saved again. Compared with the date the
    plans were chosen for, so moving the date back to it clears the review."""
    if effective == app.effective_date:
        return
    pending = PlansReview.from_json(app.plans_review)
    chosen_for = pending.previous_effective_date if pending else app.effective_date
    before = [p for p in await _plan_prices(ctx, uow, app.sections, chosen_for) if p]
    after = [p for p in await _plan_prices(ctx, uow, app.sections, effective) if p]
    review = review_plans(before=before, after=after, previous_effective_date=chosen_for, effective_date=effective)
    app.plans_review = review.to_json() if review else None


def _total(medical: Decimal | None, dental: Decimal | None) -> Decimal | None:
    if medical is None and dental is None:
        return None
    return (medical or Decimal(0)) + (dental or Decimal(0))


# --- create / read ---------------------------------------------------------------------------------------------


def _new_application(ctx: EnrollmentPorts, principal: Principal, quote: Quote | None) -> Application:
    now = ctx.clock.now()
    app = Application(
        producer_id=principal.book_id,
        created_by_id=principal.user_id,
        quote_id=quote.id if quote else None,
        sections={},
        created_at=now,
    )
    Lifecycle.started(now, expiry_days=ctx.settings.application_expiry_days).apply_to(app)
    return app


async def _assign_numbers(uow: UnitOfWork, app: Application) -> None:
    uow.applications.add(app)
    await uow.flush()
    app.record_number = record_number(app.id)


async def find_incomplete_for_quote(
    uow: UnitOfWork, *, producer_id: int, quote_id: int, ctx: EnrollmentPorts | None = None
) -> Application | None:
    """R-QUO-4: the incomplete application already started from this quote, if any."""
    from datetime import UTC, datetime

    now = ctx.clock.now() if ctx else datetime.now(UTC)
    return await uow.applications.incomplete_for_quote(producer_id, quote_id, now)


async def create_application_from_quote(
    uow: UnitOfWork, *, ctx: EnrollmentPorts, principal: Principal, quote: Quote
) -> Application:
    """R-ENR-1: start an application prefilled from the quote (applicant, household, plans, effective date,
    producer). Adds it to the caller's unit of work (flushed, not committed)."""
    app = _new_application(ctx, principal, quote)
    numbers = await uow.applications.producer_numbers(principal.book_id)
    delegate_states = (
        await uow.applications.delegate_states(principal.user_id) if principal.role is Role.delegate else None
    )
    number = next(
        (
            n
            for n, st in sorted(numbers.items())
            if st == quote.state and (delegate_states is None or st in delegate_states)
        ),
        None,
    )
    household = quote.household or {}
    sections: dict[str, Any] = {
        "prefill": {
            "applicant": household.get("applicant"),
            "spouse": household.get("spouse"),
            "dependents": household.get("dependents") or [],
            "home": {"zip_code": quote.zip_code, "county": quote.county, "state": quote.state},
            "effective_date": quote.effective_date.isoformat(),
        },
        "plans": {
            "medical_plan_id": quote.selected_medical_plan_id,
            "dental_plan_id": quote.selected_dental_plan_id,
            "pediatric_dental_attested": False,
            "pcp": [],
            "use_same_pcp_number_for_all": None,
        },
    }
    if number:
        sections["general"] = {"producer_number": number, "is_sep": True, "life_events": []}
        app.producer_number, app.state = number, quote.state
    app.sections = sections
    app.effective_date = quote.effective_date
    applicant = household.get("applicant") or {}
    app.applicant_first_name, app.applicant_last_name = applicant.get("first_name"), applicant.get("last_name")
    app.applicant_last_name_key = name_key(applicant.get("last_name") or "") or None
    await _assign_numbers(uow, app)
    medical, dental = await _premiums(ctx, uow, app, sections)
    app.monthly_premium = _total(medical, dental)
    return app


async def create_application(*, ctx: EnrollmentPorts, principal: Principal, request: RequestContext) -> Application:
    """R-ENR-1: "Start New Application" (blank)."""
    async with ctx.uow() as uow:
        app = _new_application(ctx, principal, None)
        await _assign_numbers(uow, app)
        audit.record(
            uow,
            now=ctx.clock.now(),
            request=request,
            action="enrollment.started",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="application",
            target_id=app.id,
        )
        await uow.commit()
        return app


async def _load(
    uow: UnitOfWork, principal: Principal, application_id: int, ctx: EnrollmentPorts, *, for_update: bool = False
) -> Application:
    app = await uow.applications.get_in_book(application_id, principal.book_id, for_update=for_update)
    if app is None:
        raise NotFound(f"Application {application_id} not found.")
    if Lifecycle.of(app).is_expired(ctx.clock.now()):  # R-ENR-16
        raise NotFound(
            f"Application {application_id} expired 90 days after its last change.", code="enrollment.expired"
        )
    return app


@dataclass
class ApplicationView:
    app: Application
    producer_name: str
    product_names: list[str]
    premiums: tuple[Decimal | None, Decimal | None]
    plan_names: dict[str, str] = field(default_factory=dict)  # plan id -> plan name, for the PDF's plans section
    policy_ids: list[int] = field(default_factory=list)  # issue 14: the policies the carrier's approval wrote


async def _view(ctx: EnrollmentPorts, uow: UnitOfWork, app: Application) -> ApplicationView:
    producer = await uow.applications.producer(app.producer_id)
    plans_section = app.sections.get("plans") or {}
    plans = await uow.applications.plans(
        [p for p in (plans_section.get("medical_plan_id"), plans_section.get("dental_plan_id")) if p]
    )
    medical, dental = await _premiums(ctx, uow, app, app.sections)
    approved = app.decision == "approved"
    return ApplicationView(
        app,
        f"{producer.first_name} {producer.last_name}" if producer else "",
        [p.name for p in plans.values()],
        (medical, dental),
        {p.plan_id: p.name for p in plans.values()},
        [p.id for p in await uow.carrier.policies_of_application(app.id)] if approved else [],
    )


async def get_application(*, ctx: EnrollmentPorts, principal: Principal, application_id: int) -> ApplicationView:
    async with ctx.uow() as uow:
        return await _view(ctx, uow, await _load(uow, principal, application_id, ctx))


async def list_applications(
    *, ctx: EnrollmentPorts, principal: Principal, status: str | None, page: int, page_size: int
) -> tuple[list[ApplicationView], int]:
    statuses = STATUS_FILTER[status] if status else ("incomplete", "submitted", "failed")
    async with ctx.uow() as uow:
        apps, total = await uow.applications.list_in_book(
            principal.book_id, statuses=statuses, now=ctx.clock.now(), page=page, page_size=page_size
        )
        producer = await uow.applications.producer(principal.book_id)
        name = f"{producer.first_name} {producer.last_name}" if producer else ""
        return [ApplicationView(a, name, [], (None, None)) for a in apps], total


async def delete_application(
    *, ctx: EnrollmentPorts, principal: Principal, application_id: int, request: RequestContext
) -> None:
    async with ctx.uow() as uow:
        app = await _load(uow, principal, application_id, ctx, for_update=True)
        Lifecycle.of(app).check_deletable()
        await uow.applications.delete(app)
        audit.record(
            uow,
            now=ctx.clock.now(),
            request=request,
            action="enrollment.deleted",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="application",
            target_id=application_id,
        )
        await uow.commit()


# --- sections ----------------------------------------------------------------------------------------------------


async def save_section(
    *,
    ctx: EnrollmentPorts,
    principal: Principal,
    application_id: int,
    name: str,
    data: dict[str, Any],
    expected_version: int | Collection[int] | None,
    request: RequestContext,
) -> ApplicationView:
    """PUT replaces one section after validating it; the application is saved after every step (R-ENR-1)."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        app = await _load(uow, principal, application_id, ctx, for_update=True)
        lifecycle = Lifecycle.of(app)
        lifecycle.check_editable()
        lifecycle.check_version(expected_version)
        sections = copy.deepcopy(app.sections)
        if name == "general" and sections.get("general") and data.get("is_sep", True):
            check_life_event_change(sections["general"].get("life_events") or [], data.get("life_events") or [])
        candidate = {**sections, name: data}
        facts = await _facts(ctx, uow, principal, app, candidate)
        check_section(name, data, candidate, facts)
        sections[name] = _seal(ctx, name, data)
        if name == "general":
            app.producer_number = data["producer_number"]
            app.state = facts.producer_numbers.get(data["producer_number"])
        if name == "applicant":
            person = data["applicant"]
            app.applicant_first_name, app.applicant_last_name = person["first_name"], person["last_name"]
            app.applicant_last_name_key = name_key(person["last_name"])
            app.applicant_date_of_birth = date.fromisoformat(str(person["date_of_birth"]))
            app.applicant_ssn_last4 = sections["applicant"]["applicant"].get("ssn_last4")
        if name == "plans":  # re-chosen (and checked above) for the current effective date
            app.plans_review = None
        app.sections = sections
        medical, dental = await _premiums(ctx, uow, app, sections)
        app.monthly_premium = _total(medical, dental)
        # R-ENR-15: a failed application is reopened; R-ENR-16: the 90 days start again.
        lifecycle.section_saved(now, expiry_days=ctx.settings.application_expiry_days).apply_to(app)
        audit.record(
            uow,
            now=now,
            request=request,
            action="enrollment.section_saved",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="application",
            target_id=app.id,
            details={"section": name, "version": app.version},
        )
        await uow.commit()
        return await _view(ctx, uow, app)


@dataclass(frozen=True)
class EffectiveDateResult:
    effective_date: date
    plans_review: PlansReview | None  # set when the new date left the plans section stale


async def calculate_effective(
    *, ctx: EnrollmentPorts, principal: Principal, application_id: int, request: RequestContext
) -> EffectiveDateResult:
    """R-ENR-5: from the general section's SEP answer and life events, on today's selection date."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        app = await _load(uow, principal, application_id, ctx, for_update=True)
        lifecycle = Lifecycle.of(app)
        lifecycle.check_editable()
        general = app.sections.get("general")
        if not general:
            raise ValidationFailed(
                "Save the general section (SEP answer and life events) first.",
                code="enrollment.section_missing",
                field="general",
            )
        events = [
            Event(LifeEvent(e["event_type"]), date.fromisoformat(str(e["event_date"])))
            for e in general.get("life_events") or []
        ]
        effective = calculate_effective_date(
            is_sep=general.get("is_sep", True), events=events, selection=now.date(), open_enrollment=_oe(ctx)
        )
        previous = app.effective_date
        await _reprice(ctx, uow, app, effective)
        app.effective_date = effective
        medical, dental = await _premiums(ctx, uow, app, app.sections)
        app.monthly_premium = _total(medical, dental)
        lifecycle.changed(now, expiry_days=ctx.settings.application_expiry_days).apply_to(app)
        review = PlansReview.from_json(app.plans_review)
        audit.record(
            uow,
            now=now,
            request=request,
            action="enrollment.effective_date_calculated",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="application",
            target_id=app.id,
            details={
                "effective_date": effective.isoformat(),
                "previous_effective_date": previous.isoformat() if previous else None,
                "plans_stale": [c.plan_id for c in review.changes] if review else [],
            },
        )
        await uow.commit()
        return EffectiveDateResult(effective, review)


# --- submission (R-ENR-15, R-ENR-18) --------------------------------------------------------------------------


async def submit(
    *, ctx: EnrollmentPorts, principal: Principal, application_id: int, request: RequestContext
) -> Application:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        app = await _load(uow, principal, application_id, ctx, for_update=True)
        lifecycle = Lifecycle.of(app)
        lifecycle.check_submittable(app.record_number)
        facts = await _facts(ctx, uow, principal, app, app.sections)
        check_for_submit(app.sections, facts)
        person = app.sections["applicant"]["applicant"]
        duplicate = await uow.applications.has_active_coverage(
            first_name=person["first_name"],
            last_name=person["last_name"],
            date_of_birth=date.fromisoformat(str(person["date_of_birth"])),
            on=app.effective_date or now.date(),
        )
        outcome = await _gateway(ctx).submit(record_number=app.record_number or "", has_active_coverage=duplicate)
        medical, dental = await _premiums(ctx, uow, app, app.sections)
        app.monthly_premium = _total(medical, dental)
        plan_ids = [app.sections["plans"].get("medical_plan_id"), app.sections["plans"].get("dental_plan_id")]
        chosen = await uow.applications.plans([p for p in plan_ids if p])
        house = app.sections.get("household") or {}
        app.product_name = ", ".join(p.name for p in chosen.values())[:300] or None
        app.coverage = "medical" if plan_ids[0] else "dental"
        app.member_count = 1 + (1 if house.get("spouse") else 0) + len(house.get("dependents") or [])
        lifecycle.submitted(
            now,
            application_id=app.id,
            accepted=outcome.accepted,
            reason=outcome.reason,
            pay_now=app.sections["signatures"].get("payment_option") == "pay_now",
            expiry_days=ctx.settings.application_expiry_days,
        ).apply_to(app)
        audit.record(
            uow,
            now=now,
            request=request,
            action="enrollment.submitted",
            outcome="success" if outcome.accepted else "failure",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="application",
            target_id=app.id,
            details={"record_number": app.record_number, "reason": outcome.reason},
        )
        await ctx.webhooks.emit(
            uow,
            producer_id=app.producer_id,
            event_type=EventType.application_submitted,
            data={
                "application_id": app.id,
                "record_number": app.record_number,
                "status": app.status,
                "effective_date": app.effective_date.isoformat() if app.effective_date else None,
                "submitted_at": now.isoformat(),
            },
        )
        await uow.commit()
        return app


# --- PDF (R-ENR-17) -----------------------------------------------------------------------------------------------


async def application_pdf(
    *, ctx: EnrollmentPorts, principal: Principal, application_id: int, request: RequestContext
) -> tuple[bytes, str]:
    """R-ENR-17 / issue 14: the submitted application as its complete signed record (PDF)."""
    from app.adapters.application_pdf import render_application

    ctx.pdf.check_capacity()  # issue 19: a full render pool answers 429 before any database work
    async with ctx.uow() as uow:
        app = await _load(uow, principal, application_id, ctx)
        if app.status != "submitted":
            raise Conflict(
                "The application PDF is available once the application is submitted.", code="enrollment.not_submitted"
            )
        view = await _view(ctx, uow, app)
        record = await _pdf_record(uow, view, time_zone=ctx.settings.display_time_zone)
        audit.record(
            uow,
            now=ctx.clock.now(),
            request=request,
            action="member.application_pdf",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="application",
            target_id=app.id,
        )
        await uow.commit()
    pdf = await ctx.pdf.render(render_application, record)  # issue 19: in a worker process
    return pdf, f"application-{app.record_number}.pdf"


async def _pdf_record(uow: UnitOfWork, view: ApplicationView, *, time_zone: str) -> ApplicationRecord:
    """What the application PDF shows beyond the application: agency, PCP names, when each section was saved."""
    from app.adapters.application_pdf import ApplicationRecord

    app = view.app
    registrations = await uow.state_registrations.for_user(app.producer_id)
    agency = next((r.company_name for r in registrations if r.agent_unique_id == app.producer_number), None)
    plans_section = app.sections.get("plans") or {}
    medical = await uow.applications.plans([plans_section.get("medical_plan_id") or ""])
    numbers = {c["pcp_number"] for c in plans_section.get("pcp") or []}
    if plans_section.get("use_same_pcp_number_for_all"):
        numbers.add(plans_section["use_same_pcp_number_for_all"])
    pcp_names: dict[str, str] = {}
    for number in sorted(numbers):
        found = await uow.servicing.provider_by_number(number)
        if found:
            group = found[0]
            pcp_names[number] = f"{group.medical_group_name} ({group.physician_name})"
    saved_at = {
        str((e.details or {}).get("section")): e.occurred_at
        for e in await uow.audit.for_target(
            target_type="application", target_id=str(app.id), actions=("enrollment.section_saved",)
        )
    }
    return ApplicationRecord(
        record_number=app.record_number or "",
        status=app.status,
        state=app.state,
        producer_name=view.producer_name,
        producer_number=app.producer_number,
        agency=agency,
        sections=public_sections(app.sections),
        effective_date=app.effective_date,
        monthly_premium=app.monthly_premium,
        medical_premium=view.premiums[0],
        dental_premium=view.premiums[1],
        product_names=view.product_names,
        submitted_at=app.date_submitted,
        client_app_id=app.client_app_id,
        payment_status=app.payment_status,
        time_zone=time_zone,
        plan_names=view.plan_names,
        pcp_applies=any(p.network_type in PCP_NETWORK_TYPES for p in medical.values()),
        pcp_names=pcp_names,
        saved_at=saved_at,
    )
