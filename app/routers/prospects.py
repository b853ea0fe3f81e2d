"""Prospects: sales leads of a producer (R-PRO-1 .. R-PRO-4). Producers only (R-DEL-9), their own only."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status

from app.adapters import exports
from app.deps import Ctx, CurrentProducer, ReqCtx, audit_read, audited_by_service, without_threadpool
from app.domain.prospects import SELECTED_ID_CHARS, SELECTED_MAX, SORTABLE, ProspectRecord
from app.errors import error_responses
from app.routers.files import streamed_export
from app.routers.paging import PAGED_RESPONSES, PageParams
from app.routers.quotes import quote_read
from app.schemas.common import Page
from app.schemas.prospects import (
    ProspectBulkDelete,
    ProspectCreate,
    ProspectCreated,
    ProspectRead,
    ProspectsDeleted,
    ProspectUpdate,
)
from app.services import prospects as prospect_service
from app.services.proposals import ProposalHook, get_proposal_hook

router = APIRouter(prefix="/api/v1/prospects", tags=["prospects"], responses=error_responses(401, 403))

ProspectId = Annotated[int, Path(ge=1, le=2**62)]
Hook = Annotated[ProposalHook, Depends(get_proposal_hook)]
Sort = Annotated[
    str | None,
    Query(
        max_length=200,
        description=f"Comma-separated, '-' for descending: {', '.join(SORTABLE)}. Default last_name,first_name",
        examples=["last_name,-created_at"],
    ),
]
IdsValue = Annotated[str, Query(max_length=SELECTED_ID_CHARS, pattern=r"^ *[0-9]{1,18}( *, *[0-9]{1,18})* *$")]
Ids = Annotated[
    list[IdsValue] | None,
    Query(
        max_length=SELECTED_MAX,
        description=f"Selected prospects (at most {SELECTED_MAX}), all yours: repeat the parameter "
        "(ids=1&ids=2); a value may also hold a few comma-separated ids (ids=1,2). "
        "Without ids: every prospect matching the search fields (none given: all)",
    ),
]


class SearchParams:
    """R-PRO-2: any of seven fields, alone or combined (AND); none lists every prospect ("Show All")."""

    def __init__(
        self,
        first_name: Annotated[str | None, Query(max_length=100, description="Starts with, any case")] = None,
        last_name: Annotated[str | None, Query(max_length=100, description="Starts with, any case")] = None,
        city: Annotated[str | None, Query(max_length=100, description="Starts with, any case")] = None,
        state: Annotated[str | None, Query(max_length=2, description="Two-letter US state code")] = None,
        zip_code: Annotated[str | None, Query(max_length=10, description="5 digits")] = None,
        phone: Annotated[str | None, Query(max_length=32, description="10 digits; matches phone or cell phone")] = None,
        email: Annotated[str | None, Query(max_length=254, description="Exact address, any case")] = None,
    ) -> None:
        self.values: dict[str, str | None] = {
            "first_name": first_name,
            "last_name": last_name,
            "city": city,
            "state": state,
            "zip_code": zip_code,
            "phone": phone,
            "email": email,
        }


Search = Annotated[SearchParams, Depends(without_threadpool(SearchParams))]


def _file(description: str, *media_types: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI for a 200 that is a file (and its Content-Disposition header), not JSON."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        200: {
            "description": description,
            "content": {m: binary for m in media_types},
            "headers": {
                "Content-Disposition": {
                    "description": 'attachment; filename="prospects-YYYYMMDD.ext"',
                    "schema": {"type": "string"},
                }
            },
        }
    }


def _read(record: ProspectRecord) -> ProspectRead:
    return ProspectRead.model_validate(record)


@router.post(
    "",
    operation_id="createProspect",
    summary="Add a prospect",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(422),
)
async def create_prospect(
    ctx: Ctx, req: ReqCtx, producer: CurrentProducer, hook: Hook, body: ProspectCreate, response: Response
) -> ProspectCreated:
    """R-PRO-1 "Save Prospect"; with create_proposal, R-PRO-4 "Save and Create Proposal"."""
    created = await prospect_service.create_prospect(
        ctx=ctx,
        producer=producer,
        values=body.model_dump(exclude={"create_proposal", "quote"}),
        quote=body.quote.to_input(body.zip_code) if body.quote is not None else None,
        hook=hook,
        request=req,
    )
    response.headers["Location"] = f"{router.prefix}/{created.prospect.id}"
    proposal = quote_read(created.proposal) if created.proposal is not None else None
    return ProspectCreated(**_read(created.prospect).model_dump(), proposal=proposal)


@router.get(
    "",
    operation_id="listProspects",
    summary="Search for prospects",
    responses={**error_responses(422), **PAGED_RESPONSES},
    dependencies=[audit_read("prospect.list")],
)
async def list_prospects(
    ctx: Ctx, producer: CurrentProducer, search: Search, paging: PageParams, sort: Sort = None
) -> Page[ProspectRead]:
    """R-PRO-2: any of seven fields alone or combined; none lists all ("Show All"). Paged, sortable."""
    records, total = await prospect_service.list_prospects(
        ctx=ctx, producer=producer, filters=search.values, sort=sort, page=paging.page, page_size=paging.page_size
    )
    return paging.of([_read(r) for r in records], total)


# The fixed paths come before /{prospect_id} so they are never taken for an id.


@router.post(
    "/bulk-delete",
    operation_id="bulkDeleteProspects",
    summary="Delete selected prospects",
    responses=error_responses(404),
)
async def bulk_delete_prospects(
    ctx: Ctx, req: ReqCtx, producer: CurrentProducer, body: ProspectBulkDelete
) -> ProspectsDeleted:
    """R-PRO-3 "Delete Selected Rows": all or nothing; an id that is not yours answers 404 and deletes none."""
    deleted = await prospect_service.bulk_delete(ctx=ctx, producer=producer, ids=body.ids, request=req)
    return ProspectsDeleted(deleted=deleted)


@router.get(
    "/export",
    operation_id="exportProspects",
    summary="Export prospects to Excel or CSV",
    response_class=Response,
    responses={
        **_file("The prospects as a workbook or a CSV file", exports.XLSX_MEDIA_TYPE, exports.CSV_MEDIA_TYPE),
        **error_responses(404, 422),
    },
    dependencies=[audited_by_service("prospect.exported")],
)
async def export_prospects(
    ctx: Ctx,
    req: ReqCtx,
    producer: CurrentProducer,
    search: Search,
    ids: Ids = None,
    sort: Sort = None,
    export_format: Annotated[
        Literal["xlsx", "csv"], Query(alias="format", description="xlsx (default) or csv")
    ] = "xlsx",
) -> Response:
    """R-PRO-3 "Export Selected Rows" / "Export All": at most 100,000 rows, streamed as they are read."""
    selection = await prospect_service.select_for_file(
        ctx=ctx, producer=producer, kind=export_format, filters=search.values, ids=ids, sort=sort, request=req
    )
    return await streamed_export(
        export_format,
        file_name=prospect_service.file_name(ctx, export_format),
        csv=partial(prospect_service.export_csv, ctx, selection),
        xlsx=partial(prospect_service.export_xlsx, ctx, selection),
    )


@router.get(
    "/print",
    operation_id="printProspects",
    summary="Print prospects (PDF)",
    response_class=Response,
    responses={**_file("A landscape table of the prospects", exports.PDF_MEDIA_TYPE), **error_responses(404, 422, 429)},
    dependencies=[audited_by_service("prospect.printed")],
)
async def print_prospects(
    ctx: Ctx, req: ReqCtx, producer: CurrentProducer, search: Search, ids: Ids = None, sort: Sort = None
) -> Response:
    """R-PRO-3 "Print Selected Rows" / "Print All": a PDF table of at most 5,000 prospects."""
    selection = await prospect_service.select_for_file(
        ctx=ctx, producer=producer, kind="pdf", filters=search.values, ids=ids, sort=sort, request=req
    )
    pdf = await prospect_service.print_pdf(ctx, producer, selection)
    return Response(
        pdf,
        media_type=exports.PDF_MEDIA_TYPE,
        headers={"Content-Disposition": exports.content_disposition(prospect_service.file_name(ctx, "pdf"))},
    )


@router.get(
    "/{prospect_id}",
    operation_id="getProspect",
    summary="One prospect",
    responses=error_responses(404),
    dependencies=[audit_read("prospect.read", target=("prospect", "prospect_id"))],
)
async def get_prospect(ctx: Ctx, producer: CurrentProducer, prospect_id: ProspectId) -> ProspectRead:
    """A prospect of yours; anyone else's answers 404."""
    return _read(await prospect_service.get_prospect(ctx=ctx, producer=producer, prospect_id=prospect_id))


@router.patch(
    "/{prospect_id}", operation_id="updateProspect", summary="Change a prospect", responses=error_responses(404, 422)
)
async def update_prospect(
    ctx: Ctx, req: ReqCtx, producer: CurrentProducer, prospect_id: ProspectId, body: ProspectUpdate
) -> ProspectRead:
    """Only the fields sent change; null clears an optional field; required fields cannot be cleared."""
    record = await prospect_service.update_prospect(
        ctx=ctx, producer=producer, prospect_id=prospect_id, changes=body.model_dump(exclude_unset=True), request=req
    )
    return _read(record)


@router.delete(
    "/{prospect_id}",
    operation_id="deleteProspect",
    summary="Delete a prospect",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404),
)
async def delete_prospect(ctx: Ctx, req: ReqCtx, producer: CurrentProducer, prospect_id: ProspectId) -> Response:
    """R-PRO-3: delete one prospect of yours."""
    await prospect_service.delete_prospect(ctx=ctx, producer=producer, prospect_id=prospect_id, request=req)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
