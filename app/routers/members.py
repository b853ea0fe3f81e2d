"""Member search, client detail and contact-information changes (R-MEM, R-CIC)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BeforeValidator

from app.deps import Ctx, CurrentProducer, ReqCtx, audited_by_service
from app.domain import vocabulary as v
from app.domain.members import (
    PhoneInput,
    SearchFilters,
    SearchInput,
    build_member_query,
    parse_sort,
    product_type_filter,
)
from app.domain.vocabulary import canonical
from app.errors import error_responses
from app.routers.paging import PAGED_RESPONSES, PageParams
from app.schemas.common import Page
from app.schemas.members import ClientDetailRead, ContactChangeCreate, ContactChangeRead, MemberSearchRow
from app.services import members as member_service

router = APIRouter(prefix="/api/v1/members", tags=["members"], responses=error_responses(401, 403))

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
    query = build_member_query(
        SearchInput(
            account_number=account_number,
            e_app_number=e_app_number,
            client_app_id=client_app_id,
            exchange_assigned_id=exchange_assigned_id,
            pending_application_id=pending_application_id,
            first_name=first_name,
            last_name=last_name,
            ssn_last4=ssn_last4,
            date_of_birth=date_of_birth,
            phone=phone,
            email=email,
            zip_code=zip_code,
            producer_first_name=producer_first_name,
            producer_last_name=producer_last_name,
            producer_number=producer_number,
        ),
        SearchFilters(
            status=filter_status,
            product_type=product_type_filter(filter_exchange, filter_product_type),
            product_name=filter_product_name,
            group_number=filter_group_number,
            record_type=filter_record_type,
            coverage=filter_coverage,
        ),
    )
    rows, total = await member_service.search_members(
        ctx=ctx,
        principal=producer,
        query=query,
        sort=parse_sort(sort),
        page=paging.page,
        page_size=paging.page_size,
        request=req,
    )
    name = f"{producer.first_name} {producer.last_name}"
    items = [MemberSearchRow.of(r, producer_name=name) for r in rows]
    return paging.of(items, total)


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
