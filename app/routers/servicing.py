"""ID cards, the provider directory and PCP changes (R-ID-1..5, R-PCP-1..8). Producers only (R-DEL-9)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.responses import JSONResponse

from app.deps import PHI_FREE, Ctx, CurrentProducer, ReqCtx, audit_read, audited_by_service
from app.domain import vocabulary as v
from app.domain.pcp import DEPENDENT_AGE, REASONS, SUCCESS_MESSAGE, PcpChangeRejected, RequestedMember
from app.errors import error_responses
from app.routers.paging import PAGED_RESPONSES, PageParams
from app.schemas.common import Page
from app.schemas.servicing import (
    IdCardLine,
    IdCardRequestCreate,
    IdCardRequestRead,
    PcpChangeCreate,
    PcpChangeDone,
    PcpChangeRead,
    PcpHistoryRow,
    PcpReason,
    PcpValidationRead,
    ProviderRead,
)
from app.services import id_cards as card_service
from app.services import pcp_changes as pcp_service

router = APIRouter(prefix="/api/v1", responses=error_responses(401, 403))
RequestId = Annotated[int, Path(ge=1, le=2**62)]
PDF = "application/pdf"


def _card_read(view: card_service.CardRequestView) -> IdCardRequestRead:
    r = view.request
    return IdCardRequestRead(
        id=r.id,
        kind=v.IdCardKind(r.kind),
        status=v.IdCardStatus(r.status),
        source=v.IdCardSource(r.source),
        account_number=view.account.account_number,
        policy_id=str(view.policy.id),
        product_name=view.policy.product_name,
        requested_at=r.requested_at,
        cards=[
            IdCardLine(
                member_id=str(m.id),
                member_name=f"{m.first_name} {m.last_name}",
                relationship=v.Relationship(m.relationship),
                quantity=i.quantity,
            )
            for i, m in view.items
        ],
        pdf_url=f"/api/v1/id-card-requests/{r.id}/pdf" if r.kind == "temporary" else None,
    )


@router.post(
    "/id-card-requests",
    operation_id="requestIdCards",
    summary="Order permanent or temporary ID cards",
    status_code=status.HTTP_201_CREATED,
    tags=["id-cards"],
    responses=error_responses(404, 409, 422),
)
async def request_id_cards(
    ctx: Ctx, req: ReqCtx, producer: CurrentProducer, body: IdCardRequestCreate
) -> IdCardRequestRead:
    """R-ID-1..4: PCP plans: choose members, one card each; other plans: the primary's name, 1-5 copies."""
    view = await card_service.request_cards(
        ctx=ctx,
        principal=producer,
        account_number=body.account_number,
        policy_id=int(body.policy_id),
        kind=body.kind,
        member_ids=[int(m) for m in body.member_ids or []],
        quantity=body.quantity,
        request=req,
    )
    return _card_read(view)


@router.get(
    "/id-card-requests",
    operation_id="listIdCardRequests",
    summary="ID card requests",
    tags=["id-cards"],
    dependencies=[audit_read("id_card.list", query=("account_number",))],
    responses=PAGED_RESPONSES,
)
async def list_id_card_requests(
    ctx: Ctx,
    producer: CurrentProducer,
    paging: PageParams,
    account_number: Annotated[str | None, Query(pattern=r"^\d{5,12}$")] = None,
) -> Page[IdCardRequestRead]:
    """Newest first; includes the permanent cards requested by PCP changes."""
    views, total = await card_service.list_requests(
        ctx=ctx, principal=producer, account_number=account_number, page=paging.page, page_size=paging.page_size
    )
    return paging.of([_card_read(v) for v in views], total)


@router.get(
    "/id-card-requests/{request_id}",
    operation_id="getIdCardRequest",
    summary="One ID card request",
    tags=["id-cards"],
    responses=error_responses(404),
    dependencies=[audit_read("id_card.read", target=("id_card_request", "request_id"))],
)
async def get_id_card_request(ctx: Ctx, producer: CurrentProducer, request_id: RequestId) -> IdCardRequestRead:
    """A request of your book; anyone else's answers 404."""
    return _card_read(await card_service.get_request(ctx=ctx, principal=producer, request_id=request_id))


@router.get(
    "/id-card-requests/{request_id}/pdf",
    operation_id="getTemporaryIdCardPdf",
    summary="Temporary ID cards as a PDF",
    tags=["id-cards"],
    response_class=Response,
    responses={
        200: {"content": {PDF: {"schema": {"type": "string", "format": "binary"}}}, "description": "One page per card"},
        **error_responses(404, 409, 429),
    },
    dependencies=[audited_by_service("member.id_card_pdf")],
)
async def temporary_id_card_pdf(ctx: Ctx, req: ReqCtx, producer: CurrentProducer, request_id: RequestId) -> Response:
    """R-ID-5: print, download or email it; one wallet-card page per card."""
    pdf, name = await card_service.temporary_card_pdf(ctx=ctx, principal=producer, request_id=request_id, request=req)
    return Response(pdf, media_type=PDF, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(
    "/providers",
    operation_id="listProviders",
    summary="Provider directory",
    tags=["providers"],
    responses={**error_responses(422), **PAGED_RESPONSES},
    dependencies=[PHI_FREE],
)
async def list_providers(
    ctx: Ctx,
    producer: CurrentProducer,
    paging: PageParams,
    number: Annotated[str | None, Query(max_length=12, description="Medical Group / PCP / PCPA / NPI number")] = None,
    name: Annotated[str | None, Query(max_length=100)] = None,
    network: Annotated[str | None, Query(max_length=20)] = None,
    zip_code: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
) -> Page[ProviderRead]:
    """R-PCP-2: lookup by number (or name, network, zip); no filter lists the directory."""
    rows, total = await pcp_service.list_providers(
        ctx=ctx,
        number=number,
        name=name,
        network=network,
        zip_code=zip_code,
        page=paging.page,
        page_size=paging.page_size,
    )
    items = [
        ProviderRead(
            medical_group_number=g.medical_group_number,
            medical_group_name=g.medical_group_name,
            pcp_number=g.pcp_number,
            pcpa_number=g.pcpa_number,
            npi=g.npi,
            physician_name=g.physician_name,
            accepting_new_patients=g.accepting_new_patients,
            networks=nets,
            address1=g.address1,
            city=g.city,
            state=g.state,
            zip_code=g.zip_code,
            phone=g.phone,
        )
        for g, nets in rows
    ]
    return paging.of(items, total)


@router.get(
    "/pcp-change-reasons",
    operation_id="listPcpChangeReasons",
    summary="PCP change reasons",
    tags=["pcp-changes"],
    dependencies=[PHI_FREE],
)
async def list_reasons(producer: CurrentProducer) -> list[PcpReason]:
    """R-PCP-3: the reasons a member's PCP can change for."""
    return [PcpReason(reason=r, dependents_only=r == DEPENDENT_AGE) for r in REASONS]


@router.post(
    "/pcp-changes",
    operation_id="changePcp",
    summary="Validate (dry run) or finish a PCP change",
    tags=["pcp-changes"],
    responses={**error_responses(404, 422), 201: {"model": PcpChangeDone, "description": "Finished"}},
)
async def change_pcp(ctx: Ctx, req: ReqCtx, producer: CurrentProducer, body: PcpChangeCreate) -> PcpValidationRead:
    """R-PCP-4..8: `dry_run: true` answers 200 with errors, warnings and current vs updated; `dry_run: false`
    commits every member at once (201) and requests their new permanent ID cards."""
    try:
        result = await pcp_service.change_pcp(
            ctx=ctx,
            principal=producer,
            request=req,
            req=pcp_service.PcpChangeRequest(
                account_number=body.account_number,
                policy_id=int(body.policy_id),
                provider_number=body.provider_number,
                effective_date=body.effective_date,
                term_date=body.term_date,
                members=[RequestedMember(int(m.member_id), m.reason) for m in body.members],
                accept_warnings=body.accept_warnings,
                dry_run=body.dry_run,
            ),
        )
    except PcpChangeRejected as exc:  # the 422 shows the validation as a dry run would (R-PCP-4, R-PCP-7)
        exc.extra["result"] = PcpValidationRead.from_validation(exc.validation)
        raise
    if result.change_id is None:
        return PcpValidationRead.from_validation(result.validation)
    done = PcpChangeDone.finished(
        result.validation,
        change_id=result.change_id,
        message=SUCCESS_MESSAGE,
        id_card_request_ids=result.id_card_request_ids,
    )
    return JSONResponse(done.model_dump(mode="json"), status_code=201)  # type: ignore[return-value]


@router.get(
    "/pcp-changes",
    operation_id="listPcpChanges",
    summary="PCP changes",
    tags=["pcp-changes"],
    dependencies=[audit_read("pcp_change.list", query=("account_number",))],
    responses=PAGED_RESPONSES,
)
async def list_pcp_changes(
    ctx: Ctx,
    producer: CurrentProducer,
    paging: PageParams,
    account_number: Annotated[str | None, Query(pattern=r"^\d{5,12}$")] = None,
) -> Page[PcpChangeRead]:
    """Finished PCP changes of your book, newest first."""
    rows, total = await pcp_service.list_changes(
        ctx=ctx, principal=producer, account_number=account_number, page=paging.page, page_size=paging.page_size
    )
    return paging.of([PcpChangeRead(**r) for r in rows], total)


@router.get(
    "/pcp-changes/{change_id}",
    operation_id="getPcpChange",
    summary="One PCP change",
    tags=["pcp-changes"],
    responses=error_responses(404),
    dependencies=[audit_read("pcp_change.read", target=("pcp_change", "change_id"))],
)
async def get_pcp_change(
    ctx: Ctx, producer: CurrentProducer, change_id: Annotated[int, Path(ge=1, le=2**62)]
) -> PcpChangeRead:
    """A change of your book; anyone else's answers 404."""
    return PcpChangeRead(**await pcp_service.get_change(ctx=ctx, principal=producer, change_id=change_id))


@router.get(
    "/members/{account_number}/members/{member_id}/pcp-history",
    operation_id="getPcpHistory",
    summary="A member's PCP history",
    tags=["pcp-changes"],
    responses=error_responses(404),
    dependencies=[audit_read("member.pcp_history", target=("member", "member_id"))],
)
async def pcp_history(
    ctx: Ctx,
    producer: CurrentProducer,
    account_number: Annotated[str, Path(pattern=r"^\d{5,12}$")],
    member_id: Annotated[
        str,
        Path(
            pattern=r"^[0-9]{1,18}$", description="The member's `member_id` as the API returns it (a string of digits)"
        ),
    ],
) -> list[PcpHistoryRow]:
    """Every PCP assignment of the member, oldest first, with why each one ended."""
    rows = await pcp_service.member_history(
        ctx=ctx, principal=producer, account_number=account_number, member_id=int(member_id)
    )
    return [PcpHistoryRow(**r) for r in rows]
