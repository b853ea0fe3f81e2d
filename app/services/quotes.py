"""Quotes: counties and plans for a place and date, saved quotes with premiums, plan selection, and
"Enroll in Selected Plans" (R-QUO-1 .. R-QUO-4, R-ENR-2, R-DEL-9).

Producers and their delegates use them; every quote belongs to the producer's book (a delegate's quotes
are its producer's, R-BOOK-1), and is loaded through it. Quote creation, plan selection and the start of
an enrollment are audit-logged (ids only, never the household's personal data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from app.domain.accounts import Principal, Role
from app.domain.errors import NotFound
from app.domain.quotes import (
    CountyInfo,
    EnrollMode,
    PlanArea,
    PlanCoverage,
    PlanOffer,
    PricedPlan,
    ProspectNames,
    QuoteCoverage,
    QuoteInput,
    QuoteWarning,
    check_delegate_prospect,
    check_delegate_state,
    check_quote,
    check_selection,
    choose_enroll_mode,
    choose_plan_area,
    county_key,
    exchange_redirect,
    household_people,
    is_available,
    medicare_warnings,
    no_plans_offered,
    price,
    price_all,
)
from app.ports import HasClock, HasSettings, HasUnitOfWork
from app.repositories.orm import Quote
from app.repositories.quotes import QuoteRepository
from app.repositories.uow import UnitOfWork
from app.services import audit
from app.services import enrollments as enrollment_service
from app.services.audit import RequestContext
from app.services.enrollments import EnrollmentPorts


class QuotePorts(EnrollmentPorts, HasUnitOfWork, HasClock, HasSettings, Protocol):
    """What the quote services use (and the enrollment service they call)."""


QUOTE_NOT_FOUND = "This quote was not found in your book of business."


@dataclass(frozen=True)
class QuoteView:
    """A saved quote with its selected plans priced for its household (R-QUO-3)."""

    quote: Quote
    created_by_username: str | None
    medical: PricedPlan | None
    dental: PricedPlan | None

    @property
    def warnings(self) -> list[QuoteWarning]:
        """Issue 15: Medicare-eligible people of the household (priced as today, but said)."""
        return medicare_warnings(household_people(self.quote.household), self.quote.effective_date)

    @property
    def total(self) -> Decimal | None:
        chosen = [p.total for p in (self.medical, self.dental) if p is not None]
        return sum(chosen, Decimal("0.00")) if chosen else None


def _producer_id(principal: Principal) -> int:
    pid = principal.acting_producer_id
    if pid is None:  # the route guard lets only producers and delegates in
        raise NotFound(QUOTE_NOT_FOUND)
    return pid


def _audit(
    uow: UnitOfWork,
    ctx: QuotePorts,
    request: RequestContext,
    principal: Principal,
    action: str,
    target_type: str,
    target_id: int,
    **details: object,
) -> None:
    # A delegate's rows name its producer in on_behalf_of_user_id (services/audit.py), as every row does.
    audit.record_by(
        uow,
        principal,
        now=ctx.clock.now(),
        request=request,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )


async def _load(repo: QuoteRepository, principal: Principal, quote_id: int, *, for_update: bool = False) -> Quote:
    quote = await repo.get_for_producer(quote_id, _producer_id(principal), for_update=for_update)
    if quote is None:
        raise NotFound(QUOTE_NOT_FOUND)
    return quote


def _selected_ids(quote: Quote) -> list[str]:
    return [p for p in (quote.selected_medical_plan_id, quote.selected_dental_plan_id) if p]


def _priced(offers: dict[tuple[str, str, int], PlanOffer], quote: Quote, plan_id: str | None) -> PricedPlan | None:
    offer = offers.get((plan_id, quote.state, quote.rating_area)) if plan_id else None
    if offer is None or offer.base_rate is None:
        return None
    return price(offer, household_people(quote.household), quote.effective_date)


async def _view(repo: QuoteRepository, quote: Quote, username: str | None) -> QuoteView:
    offers = await repo.offers(_selected_ids(quote), [(quote.state, quote.rating_area)])
    return QuoteView(
        quote,
        username,
        _priced(offers, quote, quote.selected_medical_plan_id),
        _priced(offers, quote, quote.selected_dental_plan_id),
    )


# --- reference data: counties and plans --------------------------------------------------------------------


async def list_counties(*, ctx: QuotePorts, zip_code: str, page: int, page_size: int) -> tuple[list[CountyInfo], int]:
    """The counties of a zip code (a zip code we do not serve has none)."""
    async with ctx.uow() as uow:
        counties = await uow.quotes.counties_for_zip(zip_code)
    start = (page - 1) * page_size
    return counties[start : start + page_size], len(counties)


async def list_plans(
    *,
    ctx: QuotePorts,
    state: str | None,
    zip_code: str | None,
    county: str | None,
    coverage: str | None,
    effective_date: date | None,
    page: int,
    page_size: int,
) -> tuple[list[PlanOffer], int]:
    """Plans available in a county (a rate for its rating area) in the effective date's plan year; filters AND."""
    state = state.upper() if state else None
    county = county if county and county.strip() else None
    async with ctx.uow() as uow:
        repo = uow.quotes
        candidates: list[CountyInfo] | None = None
        if zip_code is not None:
            candidates = await repo.counties_for_zip(zip_code)
        elif county is not None:
            candidates = await repo.counties_named(county, name_key=county_key(county), state=state)
        area: PlanArea = choose_plan_area(candidates=candidates, zip_code=zip_code, county=county, state=state)
        if area.nothing:
            return [], 0
        year = effective_date.year if effective_date else None
        return await repo.list_plans(
            state=state, area=area.county, year=year, coverage=coverage, page=page, page_size=page_size
        )


# --- R-QUO-1: create -------------------------------------------------------------------------------------


async def create_quote(
    *, ctx: QuotePorts, principal: Principal, prospect_id: int | None, data: QuoteInput, request: RequestContext
) -> QuoteView:
    """R-QUO-1: check everything at once, store the quote in the producer's book (created by the caller)."""
    producer_id = _producer_id(principal)
    is_delegate = principal.role is Role.delegate
    if is_delegate:
        check_delegate_prospect(prospect_id)  # before any prospect is read
    async with ctx.uow() as uow:
        names = None
        if prospect_id is not None:
            prospect = await uow.prospects.get_for_producer(prospect_id, producer_id)
            if prospect is None:
                raise NotFound("This prospect was not found among your prospects.", field="prospect_id")
            names = ProspectNames(prospect.first_name, prospect.last_name)
        view = await add_quote(
            uow=uow, ctx=ctx, principal=principal, prospect_id=prospect_id, names=names, data=data, request=request
        )
        await uow.commit()
        return view


async def add_quote(
    *,
    uow: UnitOfWork,
    ctx: QuotePorts,
    principal: Principal,
    prospect_id: int | None,
    names: ProspectNames | None,
    data: QuoteInput,
    request: RequestContext,
) -> QuoteView:
    """R-QUO-1 inside the caller's unit of work (which commits): check, store and audit one quote.

    Also R-PRO-4 "Save and Create Proposal", for a prospect flushed in the same transaction.
    """
    producer_id = _producer_id(principal)
    now = ctx.clock.now()
    repo = uow.quotes
    counties = await repo.counties_for_zip(data.zip_code) if len(data.zip_code) == 5 else []
    checked = check_quote(
        data,
        counties=counties,
        today=now.date(),
        prospect=names,
        max_dependents=ctx.settings.max_dependents_including_spouse,
    )
    area = checked.county
    if principal.role is Role.delegate:
        check_delegate_state(area.state, await uow.applications.delegate_states(principal.user_id))
    if not await repo.any_offered(state=area.state, rating_area=area.rating_area, year=checked.effective_date.year):
        raise no_plans_offered(area, checked.effective_date.year)
    quote = repo.add(
        Quote(
            producer_id=producer_id,
            created_by_id=principal.user_id,
            prospect_id=prospect_id,
            zip_code=area.zip_code,
            county=area.name,
            state=area.state,
            rating_area=area.rating_area,
            effective_date=checked.effective_date,
            coverage=checked.coverage.value,
            household=checked.household,
            selected_medical_plan_id=None,
            selected_dental_plan_id=None,
            created_at=now,
            updated_at=now,
        )
    )
    await uow.flush()
    _audit(
        uow,
        ctx,
        request,
        principal,
        "quote.created",
        "quote",
        quote.id,
        prospect_id=prospect_id,
        coverage=checked.coverage.value,
        state=area.state,
    )
    return QuoteView(quote, principal.username, None, None)


# --- R-QUO-3: saved quotes ---------------------------------------------------------------------------------


async def list_quotes(
    *, ctx: QuotePorts, principal: Principal, prospect_id: int | None, page: int, page_size: int
) -> tuple[list[QuoteView], int]:
    """R-QUO-3: the book's saved quotes (the producer's and its delegates'), newest first, with their totals."""
    async with ctx.uow() as uow:
        repo = uow.quotes
        rows, total = await repo.list_for_producer(
            _producer_id(principal), prospect_id=prospect_id, page=page, page_size=page_size
        )
        # One query for every selected plan of the page and its rates, never one per quote.
        offers = await repo.offers(
            [pid for q, _ in rows for pid in _selected_ids(q)],
            sorted({(q.state, q.rating_area) for q, _ in rows if _selected_ids(q)}),
        )
        views = [
            QuoteView(
                q, name, _priced(offers, q, q.selected_medical_plan_id), _priced(offers, q, q.selected_dental_plan_id)
            )
            for q, name in rows
        ]
        return views, total


async def get_quote(*, ctx: QuotePorts, principal: Principal, quote_id: int) -> QuoteView:
    async with ctx.uow() as uow:
        repo = uow.quotes
        quote = await _load(repo, principal, quote_id)
        return await _view(repo, quote, await repo.username(quote.created_by_id))


async def quote_plans(
    *, ctx: QuotePorts, principal: Principal, quote_id: int, coverage: str | None, page: int, page_size: int
) -> tuple[list[PricedPlan], int]:
    """R-QUO-2: every plan available for the quote's county and date that its coverage allows, priced for its
    household, cheapest first."""
    async with ctx.uow() as uow:
        repo = uow.quotes
        quote = await _load(repo, principal, quote_id)
        allowed = QuoteCoverage(quote.coverage)
        coverages = [c.value for c in PlanCoverage if allowed.includes(c.value) and coverage in (None, c.value)]
        offers = (
            await repo.offers_in_area(
                state=quote.state, rating_area=quote.rating_area, year=quote.effective_date.year, coverages=coverages
            )
            if coverages
            else []
        )
    priced = price_all(offers, household_people(quote.household), quote.effective_date)
    start = (page - 1) * page_size
    return priced[start : start + page_size], len(priced)


async def select_plans(
    *,
    ctx: QuotePorts,
    principal: Principal,
    quote_id: int,
    medical_plan_id: str | None,
    dental_plan_id: str | None,
    request: RequestContext,
) -> QuoteView:
    """R-QUO-3: at most one medical and one dental plan, each available for the quote; null clears."""
    async with ctx.uow() as uow:
        repo = uow.quotes
        quote = await _load(repo, principal, quote_id, for_update=True)
        username = await repo.username(quote.created_by_id)
        area = (quote.state, quote.rating_area)
        found = await repo.offers([p for p in (medical_plan_id, dental_plan_id) if p], [area])
        check_selection(
            coverage=QuoteCoverage(quote.coverage),
            state=quote.state,
            year=quote.effective_date.year,
            medical_plan_id=medical_plan_id,
            dental_plan_id=dental_plan_id,
            offers={pid: offer for (pid, _s, _a), offer in found.items()},
        )
        if (quote.selected_medical_plan_id, quote.selected_dental_plan_id) != (medical_plan_id, dental_plan_id):
            quote.selected_medical_plan_id, quote.selected_dental_plan_id = medical_plan_id, dental_plan_id
            quote.updated_at = ctx.clock.now()
            _audit(
                uow,
                ctx,
                request,
                principal,
                "quote.plans_selected",
                "quote",
                quote.id,
                medical_plan_id=medical_plan_id,
                dental_plan_id=dental_plan_id,
            )
            await uow.commit()
        return QuoteView(quote, username, _priced(found, quote, medical_plan_id), _priced(found, quote, dental_plan_id))


# --- R-QUO-4 / R-ENR-2: "Enroll in Selected Plans" -----------------------------------------------------------


@dataclass(frozen=True)
class ExchangeEnrollment:
    """R-ENR-2: on-exchange plans are enrolled on the exchange; no application was started."""

    quote_id: int
    redirect_url: str
    exchange: str
    state: str


@dataclass(frozen=True)
class ApplicationEnrollment:
    """R-QUO-4: the application started from the quote (`started`), or the incomplete one resumed."""

    quote_id: int
    application_id: int
    status: str
    mode: EnrollMode
    started: bool


async def enroll(
    *, ctx: QuotePorts, principal: Principal, quote_id: int, mode: EnrollMode | None, request: RequestContext
) -> ExchangeEnrollment | ApplicationEnrollment:
    """On-exchange plans: the exchange to continue on (producers only). Off-exchange: an application started
    from the quote, or the incomplete one (mode "resume"); with one already there, the caller chooses (409)."""
    producer_id = _producer_id(principal)
    async with ctx.uow() as uow:
        repo = uow.quotes
        # Locked, so two clicks cannot both find no application and both start one.
        quote = await _load(repo, principal, quote_id, for_update=True)
        offers = await repo.offers(_selected_ids(quote), [(quote.state, quote.rating_area)])
        selected = [
            offers[(pid, quote.state, quote.rating_area)]
            for pid in _selected_ids(quote)
            if (pid, quote.state, quote.rating_area) in offers
        ]
        redirect = exchange_redirect(
            selected,
            state=quote.state,
            is_delegate=principal.role is Role.delegate,
            federal_url=ctx.settings.federal_exchange_url,
            state_urls=ctx.settings.state_exchange_urls,
        )
        if any(not is_available(p, state=quote.state, year=quote.effective_date.year) for p in selected):
            # The rates changed since the plans were selected: say which selection to redo.
            check_selection(
                coverage=QuoteCoverage(quote.coverage),
                state=quote.state,
                year=quote.effective_date.year,
                medical_plan_id=quote.selected_medical_plan_id,
                dental_plan_id=quote.selected_dental_plan_id,
                offers={p.plan_id: p for p in selected},
            )
        if redirect is not None:  # R-ENR-2: no application is started
            _audit(
                uow,
                ctx,
                request,
                principal,
                "enrollment.exchange_redirect",
                "quote",
                quote.id,
                exchange=redirect.exchange.value,
            )
            await uow.commit()
            return ExchangeEnrollment(
                quote_id=quote.id,
                redirect_url=redirect.redirect_url,
                exchange=redirect.exchange.value,
                state=redirect.state,
            )
        existing = await enrollment_service.find_incomplete_for_quote(
            uow, producer_id=producer_id, quote_id=quote.id, ctx=ctx
        )
        chosen = choose_enroll_mode(existing_application_id=existing.id if existing else None, mode=mode)
        if chosen is EnrollMode.resume and existing is not None:
            application, started = existing, False
            _audit(uow, ctx, request, principal, "enrollment.resumed", "application", application.id, quote_id=quote.id)
        else:
            application = await enrollment_service.create_application_from_quote(
                uow, ctx=ctx, principal=principal, quote=quote
            )
            started = True
            _audit(
                uow,
                ctx,
                request,
                principal,
                "enrollment.started",
                "application",
                application.id,
                quote_id=quote.id,
                replaces_incomplete=existing.id if existing else None,
            )
        await uow.commit()
        return ApplicationEnrollment(
            quote_id=quote.id,
            application_id=application.id,
            status=application.status,
            mode=chosen,
            started=started,
        )
