"""Quote & Enroll: counties and plans, saved quotes with premiums, plan selection, enrolling from a quote.

R-QUO-1 .. R-QUO-4, R-ENR-2. Producers, and delegates acting for their producer (R-DEL-9).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status

from app.deps import PHI_FREE, Ctx, ProducerOrDelegate, ReqCtx, audit_read
from app.domain.quotes import (
    CountyInfo,
    EnrollMode,
    PlanOffer,
    PricedPlan,
)
from app.errors import error_responses
from app.routers.idempotent import Answer, idempotent
from app.routers.paging import PAGED_RESPONSES, PageParams
from app.schemas.common import Page
from app.schemas.quotes import (
    CountyRead,
    EnrollmentRedirect,
    EnrollmentStarted,
    EnrollRequest,
    IsoDate,
    MemberPremiumRead,
    PersonRead,
    PlanRead,
    QuoteCreate,
    QuotePlanRead,
    QuoteRead,
    QuoteRow,
    QuoteWarningRead,
    SelectionRead,
    SelectionUpdate,
    quote_input,
)
from app.services import quotes as quote_service

router = APIRouter(prefix="/api/v1", responses=error_responses(401, 403))

QuoteId = Annotated[int, Path(ge=1, le=2**62)]
ZipCode = Annotated[str, Query(pattern=r"^[0-9]{5}$", description="5 digits", examples=["60601"])]
Coverage = Annotated[Literal["medical", "dental"] | None, Query(description="medical or dental plans only")]


def _county(c: CountyInfo) -> CountyRead:
    return CountyRead(name=c.name, state=c.state, fips=c.fips, rating_area=c.rating_area)


def _plan_fields(o: PlanOffer) -> dict[str, object]:
    return {
        "plan_id": o.plan_id,
        "name": o.name,
        "coverage": o.coverage,
        "metal_level": o.metal_level,
        "network_type": o.network_type,
        "requires_pcp": o.requires_pcp,
        "exchange": o.exchange,
        "state": o.state,
        "plan_year": o.plan_year,
    }


def _priced(p: PricedPlan) -> QuotePlanRead:
    return QuotePlanRead.model_validate(
        {
            **_plan_fields(p.offer),
            "monthly_premium": p.total,
            "member_premiums": [
                MemberPremiumRead(
                    relationship=m.relationship,  # type: ignore[arg-type]
                    age=m.age,
                    premium=m.premium,
                    charged=m.charged,
                )
                for m in p.members
            ],
        }
    )


def _row_fields(view: quote_service.QuoteView) -> dict[str, object]:
    q, house = view.quote, view.quote.household
    applicant = house["applicant"]
    return {
        "id": q.id,
        "prospect_id": q.prospect_id,
        "applicant_first_name": applicant["first_name"],
        "applicant_last_name": applicant["last_name"],
        "zip_code": q.zip_code,
        "county": q.county,
        "state": q.state,
        "effective_date": q.effective_date,
        "coverage": q.coverage,
        "member_count": 1 + (1 if house.get("spouse") else 0) + len(house.get("dependents") or []),
        "selected_medical_plan_id": q.selected_medical_plan_id,
        "selected_dental_plan_id": q.selected_dental_plan_id,
        "total_monthly_premium": view.total,
        "created_by_id": q.created_by_id,
        "created_by_username": view.created_by_username,
        "created_at": q.created_at,
        "updated_at": q.updated_at,
    }


def quote_read(view: quote_service.QuoteView) -> QuoteRead:
    """A saved quote as the API answers it (also the proposal of R-PRO-4)."""
    house = view.quote.household
    return QuoteRead.model_validate(
        {
            **_row_fields(view),
            "rating_area": view.quote.rating_area,
            "applicant": PersonRead.model_validate(house["applicant"]),
            "spouse": PersonRead.model_validate(house["spouse"]) if house.get("spouse") else None,
            "dependents": [PersonRead.model_validate(d) for d in house.get("dependents") or []],
            "selection": SelectionRead(
                medical=_priced(view.medical) if view.medical else None,
                dental=_priced(view.dental) if view.dental else None,
            ),
            "medical_premium": view.medical.total if view.medical else None,
            "dental_premium": view.dental.total if view.dental else None,
            "warnings": [QuoteWarningRead.model_validate(w) for w in view.warnings],
        }
    )


# --- plans ---------------------------------------------------------------------------------------------


@router.get(
    "/counties",
    operation_id="listCounties",
    summary="Counties of a zip code",
    tags=["plans"],
    responses={**error_responses(422), **PAGED_RESPONSES},
    dependencies=[PHI_FREE],
)
async def list_counties(
    ctx: Ctx, _caller: ProducerOrDelegate, zip_code: ZipCode, paging: PageParams
) -> Page[CountyRead]:
    """The counties a zip code lies in (some span two); a zip code outside our service area has none."""
    counties, total = await quote_service.list_counties(
        ctx=ctx, zip_code=zip_code, page=paging.page, page_size=paging.page_size
    )
    return paging.of([_county(c) for c in counties], total)


@router.get(
    "/plans",
    operation_id="listPlans",
    summary="Plans available in a county on a date",
    tags=["plans"],
    responses={**error_responses(422), **PAGED_RESPONSES},
    dependencies=[PHI_FREE],
)
async def list_plans(
    ctx: Ctx,
    _caller: ProducerOrDelegate,
    paging: PageParams,
    state: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$", description="Two-letter state code")] = None,
    zip_code: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{5}$", description="5 digits; a zip code spanning two counties needs `county` too"),
    ] = None,
    county: Annotated[str | None, Query(max_length=100, description="County name or FIPS code")] = None,
    coverage: Coverage = None,
    effective_date: Annotated[IsoDate | None, Query(description="Only plans of this date's plan year")] = None,
) -> Page[PlanRead]:
    """R-QUO-2: plans with a rate in the county's rating area, of the effective date's plan year; filters AND."""
    plans, total = await quote_service.list_plans(
        ctx=ctx,
        state=state,
        zip_code=zip_code,
        county=county,
        coverage=coverage,
        effective_date=effective_date,
        page=paging.page,
        page_size=paging.page_size,
    )
    return paging.of([PlanRead.model_validate(_plan_fields(p)) for p in plans], total)


# --- quotes --------------------------------------------------------------------------------------------


@router.post(
    "/quotes",
    operation_id="createQuote",
    summary="Create a quote",
    tags=["quotes"],
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(404, 422),
)
async def create_quote(
    ctx: Ctx, req: ReqCtx, caller: ProducerOrDelegate, body: QuoteCreate, response: Response
) -> QuoteRead:
    """R-QUO-1: applicant, zip code and county, spouse and dependents, effective date; every error at once."""
    data = quote_input(
        zip_code=body.zip_code,
        county=body.county,
        effective_date=body.effective_date,
        coverage=body.coverage,
        applicant=body.applicant,
        spouse=body.spouse,
        dependents=body.dependents,
    )
    view = await quote_service.create_quote(
        ctx=ctx, principal=caller, prospect_id=body.prospect_id, data=data, request=req
    )
    response.headers["Location"] = f"{router.prefix}/quotes/{view.quote.id}"
    return quote_read(view)


@router.get(
    "/quotes",
    operation_id="listQuotes",
    summary="Saved quotes",
    tags=["quotes"],
    responses={**error_responses(422), **PAGED_RESPONSES},
    dependencies=[audit_read("quote.list", query=("prospect_id",))],
)
async def list_quotes(
    ctx: Ctx,
    caller: ProducerOrDelegate,
    paging: PageParams,
    prospect_id: Annotated[int | None, Query(ge=1, le=2**62, description="Only this prospect's quotes")] = None,
) -> Page[QuoteRow]:
    """R-QUO-3: the book's saved quotes (yours and your delegates'), newest first."""
    views, total = await quote_service.list_quotes(
        ctx=ctx, principal=caller, prospect_id=prospect_id, page=paging.page, page_size=paging.page_size
    )
    return paging.of([QuoteRow.model_validate(_row_fields(v)) for v in views], total)


@router.get(
    "/quotes/{quote_id}",
    operation_id="getQuote",
    summary="One quote",
    tags=["quotes"],
    responses=error_responses(404, 422),
    dependencies=[audit_read("quote.read", target=("quote", "quote_id"))],
)
async def get_quote(ctx: Ctx, caller: ProducerOrDelegate, quote_id: QuoteId) -> QuoteRead:
    """A quote of the book with its household, selected plans and premiums; anyone else's answers 404."""
    return quote_read(await quote_service.get_quote(ctx=ctx, principal=caller, quote_id=quote_id))


@router.get(
    "/quotes/{quote_id}/plans",
    operation_id="getQuotePlans",
    summary="Plans and premiums for a quote",
    tags=["quotes"],
    responses={**error_responses(404, 422), **PAGED_RESPONSES},
    dependencies=[audit_read("quote.plans_read", target=("quote", "quote_id"))],
)
async def get_quote_plans(
    ctx: Ctx, caller: ProducerOrDelegate, quote_id: QuoteId, paging: PageParams, coverage: Coverage = None
) -> Page[QuotePlanRead]:
    """R-QUO-2: every plan for the quote's county and date, priced per member and in total, cheapest first."""
    plans, total = await quote_service.quote_plans(
        ctx=ctx, principal=caller, quote_id=quote_id, coverage=coverage, page=paging.page, page_size=paging.page_size
    )
    return paging.of([_priced(p) for p in plans], total)


@router.put(
    "/quotes/{quote_id}/selection",
    operation_id="selectQuotePlans",
    summary="Select the quote's plans",
    tags=["quotes"],
    responses=error_responses(404, 422),
)
async def select_quote_plans(
    ctx: Ctx, req: ReqCtx, caller: ProducerOrDelegate, quote_id: QuoteId, body: SelectionUpdate
) -> QuoteRead:
    """R-QUO-3: at most one medical and one dental plan available for the quote; null clears a slot."""
    view = await quote_service.select_plans(
        ctx=ctx,
        principal=caller,
        quote_id=quote_id,
        medical_plan_id=body.medical_plan_id,
        dental_plan_id=body.dental_plan_id,
        request=req,
    )
    return quote_read(view)


def _same_enrollment(quote_id: int, body: EnrollRequest | None) -> tuple[object, ...]:
    """Two enrollments from a quote are the same request when they name the same quote and mode."""
    return ("quote_enrollment", quote_id, body.mode if body and body.mode else None)


def _started_location(answer: dict[str, Any]) -> dict[str, str]:
    """An application started (201: mode "new") is at its Location; a resumed one or the exchange's URL (200) not."""
    if answer.get("kind") == "application" and answer.get("mode") == EnrollMode.new.value:
        return {"Location": f"{router.prefix}/enrollments/{answer['application_id']}"}
    return {}


@router.post(
    "/quotes/{quote_id}/enrollments",
    operation_id="enrollFromQuote",
    summary="Enroll in selected plans",
    tags=["quotes"],
    response_model=EnrollmentRedirect | EnrollmentStarted,
    responses={
        201: {"model": EnrollmentStarted, "description": "Application started from the quote"},
        **error_responses(403, 404, 409, 422),
    },
)
@idempotent(fingerprint=_same_enrollment, headers=_started_location)
async def enroll_from_quote(
    ctx: Ctx, req: ReqCtx, caller: ProducerOrDelegate, quote_id: QuoteId, body: EnrollRequest | None = None
) -> Answer[EnrollmentRedirect | EnrollmentStarted]:
    """R-QUO-4 / R-ENR-2: on-exchange: the exchange's URL; off-exchange: an application (201 new, 200 resume)."""
    mode = EnrollMode(body.mode) if body and body.mode else None
    enrolled = await quote_service.enroll(ctx=ctx, principal=caller, quote_id=quote_id, mode=mode, request=req)
    if isinstance(enrolled, quote_service.ExchangeEnrollment):
        return Answer(status.HTTP_200_OK, EnrollmentRedirect.model_validate(enrolled.__dict__))
    started = EnrollmentStarted.model_validate({**enrolled.__dict__, "mode": enrolled.mode.value})
    return Answer(status.HTTP_201_CREATED if enrolled.started else status.HTTP_200_OK, started)
