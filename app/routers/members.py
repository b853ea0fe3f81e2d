"""Member search, client detail and contact-information changes (R-MEM, R-CIC)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response, status
from pydantic import BeforeValidator, TypeAdapter, ValidationError

from app.context import AppContext
from app.deps import Ctx, CurrentProducer, ReqCtx, audited_by_service, get_request_context, usable_principal
from app.domain import vocabulary as v
from app.domain.accounts import Principal, Role
from app.domain.api_keys import is_api_key
from app.domain.errors import DomainError
from app.domain.members import (
    MemberQuery,
    PhoneInput,
    SearchFilters,
    SearchInput,
    build_member_query,
    parse_sort,
    product_type_filter,
)
from app.domain.vocabulary import canonical
from app.errors import error_responses
from app.routers.fastpath import FastPathRouter, bearer_token, fast_path, has_body, query_model
from app.routers.paging import PAGED_RESPONSES, PageParams, Paging
from app.schemas.common import Page
from app.schemas.members import ClientDetailRead, ContactChangeCreate, ContactChangeRead, MemberSearchRow
from app.services import audit
from app.services import members as member_service
from app.services.audit import RequestContext

router = FastPathRouter(prefix="/api/v1/members", tags=["members"], responses=error_responses(401, 403))

Text = Annotated[str | None, Query(max_length=100)]


def _closed(enum: type[StrEnum], aliases: Mapping[str, str] | None = None) -> BeforeValidator:
    """A filter over a closed list: any letter case (and a deprecated alias) reads as the one spelling; anything
    else is a 422 naming the allowed values (issue 16)."""
    values = [e.value for e in enum]
    return BeforeValidator(lambda value: canonical(value, values, aliases))


FilterStatus = Annotated[
    v.SearchStatus | None,
    _closed(v.SearchStatus),
    Query(description="Column filter: the Status column (any letter case)"),
]
FilterExchange = Annotated[
    v.Exchange | None, _closed(v.Exchange), Query(description="Column filter: on or off exchange (Product Type)")
]
FilterProductType = Annotated[
    v.ProductType | None,
    _closed(v.ProductType),
    Query(
        deprecated=True,
        description="Deprecated: use `filter_exchange` (on / off). The Product Type column as the guide spells it "
        "(any letter case)",
    ),
]
FilterRecordType = Annotated[
    v.RecordType | None, _closed(v.RecordType), Query(description="Column filter: Policy or Application (any case)")
]
FilterCoverage = Annotated[
    v.Coverage | None, _closed(v.Coverage), Query(description="Column filter: medical or dental (any letter case)")
]
AccountNumber = Annotated[str, Path(pattern=r"^\d{5,12}$", description="Account number")]


@router.get(
    "",
    operation_id="searchMembers",
    summary="Search my book of business",
    responses={**error_responses(422), **PAGED_RESPONSES},
    dependencies=[audited_by_service("member.search")],
)
async def search_members(
    ctx: Ctx,
    req: ReqCtx,
    producer: CurrentProducer,
    paging: PageParams,
    account_number: Text = None,
    e_app_number: Text = None,
    client_app_id: Text = None,
    exchange_assigned_id: Text = None,
    pending_application_id: Text = None,
    first_name: Annotated[str | None, Query(max_length=100, description="Prefix, any case")] = None,
    last_name: Annotated[str | None, Query(max_length=100, description="Prefix, any case")] = None,
    ssn_last4: Text = None,
    date_of_birth: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD or MM/DD/YYYY")] = None,
    phone: Text = None,
    email: Annotated[str | None, Query(max_length=254)] = None,
    zip_code: Text = None,
    producer_first_name: Text = None,
    producer_last_name: Text = None,
    producer_number: Text = None,
    filter_status: FilterStatus = None,
    filter_exchange: FilterExchange = None,
    filter_product_type: FilterProductType = None,
    filter_product_name: Annotated[str | None, Query(max_length=100, description="Contains, any case")] = None,
    filter_group_number: Annotated[str | None, Query(max_length=20)] = None,
    filter_record_type: FilterRecordType = None,
    filter_coverage: FilterCoverage = None,
    sort: Annotated[str | None, Query(max_length=200, examples=["last_name,-coverage_effective_date"])] = None,
) -> Page[MemberSearchRow]:
    """R-MEM-2/3/4: primary insured only, scoped to your book before anything else; at least one criterion."""
    return await _search(ctx, req, producer, paging, locals())


def _member_query(given: Mapping[str, Any]) -> MemberQuery:
    return build_member_query(
        SearchInput(**{name: given[name] for name in SEARCH_INPUT_FIELDS}),
        SearchFilters(
            status=given["filter_status"],
            product_type=product_type_filter(given["filter_exchange"], given["filter_product_type"]),
            product_name=given["filter_product_name"],
            group_number=given["filter_group_number"],
            record_type=given["filter_record_type"],
            coverage=given["filter_coverage"],
        ),
    )


async def _search(
    ctx: AppContext, req: RequestContext, producer: Principal, paging: Paging, given: Mapping[str, Any]
) -> Page[MemberSearchRow]:
    """The search itself, for the declared handler and the fast one alike: `given` holds the query parameters."""
    rows, total = await member_service.search_members(
        ctx=ctx,
        principal=producer,
        query=_member_query(given),
        sort=parse_sort(given["sort"]),
        page=paging.page,
        page_size=paging.page_size,
        request=req,
    )
    name = f"{producer.first_name} {producer.last_name}"
    return paging.of([MemberSearchRow.of(r, producer_name=name) for r in rows], total)


SEARCH_INPUT_FIELDS = tuple(f.name for f in fields(SearchInput))
_SEARCH_QUERY = query_model(search_members, Paging, name="MemberSearchQuery")
_SEARCH_PAGE = TypeAdapter(Page[MemberSearchRow])


async def _search_in_one_statement(
    ctx: AppContext, request: Request, token: str, paging: Paging, given: Mapping[str, Any]
) -> Page[MemberSearchRow] | None:
    """PostgreSQL, page 1: the session check, the search and its audit row in one round trip."""
    try:
        claims = ctx.tokens.decode_access(token, now=ctx.clock.now())
    except DomainError:
        return None
    found = await member_service.search_members_in_one_statement(
        ctx=ctx,
        user_id=claims.user_id,
        session_id=claims.session_id,
        query=_member_query(given),
        sort=parse_sort(given["sort"]),
        page_size=paging.page_size,
        request=await get_request_context(request, ctx),
    )
    if found is None:
        return None
    name = f"{found.first_name} {found.last_name}"
    return paging.of([MemberSearchRow.of(r, producer_name=name) for r in found.rows], found.total)


@fast_path(search_members)
async def search_members_fast(request: Request) -> Response | None:
    """The common case of a search, without FastAPI's per-request dependency and parameter work (issue 19): a
    producer signed in with a bearer token, a query string that validates. Anything else (None) goes to
    `search_members`, which answers it - refusals and their audit rows included - as the contract says."""
    if has_body(request):
        return None
    token = bearer_token(request)
    if token is None or is_api_key(token):
        return None
    try:
        given = _SEARCH_QUERY.model_validate(request.query_params)
    except ValidationError:
        return None
    ctx: AppContext = request.app.state.ctx
    headers = Response()
    paging = Paging(request, headers, page=given.page, page_size=given.page_size)  # type: ignore[attr-defined]
    values = vars(given)
    acting, keyed = audit.act_for(None), audit.call_with_key(None)  # a producer with a session: as `CurrentUser`
    try:
        # The producer-name criteria are compared with the caller's name before searching: not in one statement.
        by_name = values["producer_first_name"] or values["producer_last_name"]
        if paging.page == 1 and not by_name and member_service.one_statement_reads(ctx):
            page = await _search_in_one_statement(ctx, request, token, paging, values)
        else:
            principal = await usable_principal(ctx, token, roles=(Role.producer,))
            page = (
                None
                if principal is None
                else await _search(ctx, await get_request_context(request, ctx), principal, paging, values)
            )
    finally:
        audit.stop_calling_with_key(keyed)
        audit.stop_acting(acting)
    if page is None:
        return None
    response = Response(_SEARCH_PAGE.dump_json(page), media_type="application/json")
    link = headers.headers.get("link")
    if link is not None:
        response.headers["Link"] = link
    return response


@router.get(
    "/{account_number}",
    operation_id="getClientDetail",
    summary="Client detail",
    responses=error_responses(404),
    dependencies=[audited_by_service("member.detail")],
)
async def get_client_detail(
    ctx: Ctx, req: ReqCtx, producer: CurrentProducer, account_number: AccountNumber
) -> ClientDetailRead:
    """R-MEM-5: demographics and phones, policies with covered members and current PCP, pending changes."""
    detail = await member_service.get_client_detail(
        ctx=ctx, principal=producer, account_number=account_number, request=req
    )
    return ClientDetailRead.model_validate(detail)


@router.post(
    "/{account_number}/contact-info-changes",
    operation_id="requestContactInfoChange",
    summary="Change the primary insured's phones and email",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(404, 422),
)
async def request_contact_change(
    ctx: Ctx, req: ReqCtx, producer: CurrentProducer, account_number: AccountNumber, body: ContactChangeCreate
) -> ContactChangeRead:
    """R-CIC-1..4: accepted as pending; the record changes in about 4 hours (shown as pending until then)."""
    change = await member_service.request_contact_change(
        ctx=ctx,
        principal=producer,
        account_number=account_number,
        member_id=body.member_id,
        phones=[
            PhoneInput(type=ph.type, number=ph.number, extension=ph.extension, send_text=ph.send_text)
            for ph in body.phones
        ],
        email=str(body.email) if body.email else None,
        request=req,
    )
    return ContactChangeRead.model_validate(member_service.contact_change_view(change))
