"""Reports (R-REP-1 .. R-REP-3): run a report (a page, CSV or XLSX) and saved report definitions. Producers only
(R-DEL-9: delegates get 403), their own book only (R-BOOK-1)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status

from app.adapters import exports
from app.deps import PHI_FREE, Ctx, CurrentProducer, ReqCtx, audited_by_service, without_threadpool
from app.domain.accounts import Principal
from app.domain.reports import (
    APPLICATION_STATUSES,
    COVERAGES,
    EXCHANGES,
    EXPORT_MAX_ROWS,
    MAX_RANGE_DAYS,
    MEMBER_SORTABLE,
    POLICY_STATUSES,
    YES_NO_ALL,
    ReportFilters,
    ReportRow,
    RunRequest,
)
from app.errors import error_responses
from app.repositories.orm import SavedReport
from app.routers.files import streamed_export
from app.routers.paging import LINK_HEADER, PAGED_RESPONSES, PageParams, Paging
from app.schemas.common import Page
from app.schemas.reports import (
    DATE_SCHEMA,
    DATED_REPORT_TYPE_SCHEMA,
    DateWindowRead,
    ReportColumnRead,
    ReportFiltersRead,
    ReportPageRead,
    ReportRowRead,
    SavedReportCreate,
    SavedReportRead,
    enum_schema,
    text_schema,
)
from app.services import reports as report_service
from app.services.audit import RequestContext

router = APIRouter(tags=["reports"], responses=error_responses(401, 403))

ReportType = Annotated[
    str,
    DATED_REPORT_TYPE_SCHEMA,
    Path(max_length=40, description="One of the eight dated report types (policy_status has its own operation)"),
]
SavedReportId = Annotated[int, Path(ge=1, le=2**62)]
DateFrom = Annotated[str, DATE_SCHEMA, Query(max_length=10, description="From date, YYYY-MM-DD (inclusive)")]
DateTo = Annotated[
    str,
    DATE_SCHEMA,
    Query(max_length=10, description=f"To date, YYYY-MM-DD (inclusive); at most {MAX_RANGE_DAYS} days after From"),
]
Sort = Annotated[
    str | None,
    text_schema(200),
    Query(
        max_length=200,
        description=f"Comma-separated, '-' for descending: {', '.join(MEMBER_SORTABLE)} (member fields "
        "in member reports only). Default: the report's date, then names",
        examples=["last_name,-paid_to_date"],
    ),
]
After = Annotated[
    str | None,
    text_schema(1000),
    Query(
        max_length=1000,
        description="`next_after` of the previous page: seeks the next page without OFFSET (any "
        "depth; `page` is then only echoed)",
    ),
]
Format = Annotated[
    Literal["json", "csv", "xlsx"],
    Query(alias="format", description=f"json: a page; csv / xlsx: every row (at most {EXPORT_MAX_ROWS:,}) as a file"),
]


AppStatus = Annotated[
    str | None, enum_schema(APPLICATION_STATUSES), Query(max_length=20, description="Application status (default all)")
]
PolicyStatus = Annotated[
    str | None,
    enum_schema(POLICY_STATUSES),
    Query(max_length=20, description="all (default; the rows carry the Status column), active, grace_period or termed"),
]
ProductName = Annotated[
    str | None, text_schema(100), Query(max_length=200, description="Product name contains this text, any case")
]
Exchange = Annotated[str | None, enum_schema(EXCHANGES), Query(max_length=20, description="on, off or all (default)")]
Grandfathered = Annotated[
    str | None,
    enum_schema(YES_NO_ALL),
    Query(max_length=20, description="Grandfathered (true), non-grandfathered (false) or all"),
]
Coverage = Annotated[
    str | None,
    enum_schema(COVERAGES),
    Query(
        max_length=20,
        description="all (default: no narrowing), medical, dental, or both: the policies of accounts that have both a "
        "medical and a dental policy",
    ),
]
TemporaryPlan = Annotated[
    str | None,
    enum_schema(YES_NO_ALL),
    Query(max_length=20, description="Temporary plans (true), others (false) or all (default)"),
]
ProducerName = Annotated[
    str | None, text_schema(100), Query(max_length=200, description="The producer of record's name, any case")
]
ProducerNumber = Annotated[
    str | None,
    text_schema(9, pattern="^([0-9]{9})?$"),
    Query(max_length=20, description="Nine-digit writing producer number (empty: no filter, as for every filter)"),
]


class FilterParams:
    """R-REP-2 filters; omitted ones narrow nothing."""

    def __init__(
        self,
        application_status: AppStatus = None,
        policy_status: PolicyStatus = None,
        product_name: ProductName = None,
        exchange: Exchange = None,
        grandfathered: Grandfathered = None,
        coverage: Coverage = None,
        temporary_plan: TemporaryPlan = None,
        producer_first_name: ProducerName = None,
        producer_last_name: ProducerName = None,
        producer_number: ProducerNumber = None,
    ) -> None:
        self.values: dict[str, str | None] = {
            "application_status": application_status,
            "policy_status": policy_status,
            "product_name": product_name,
            "exchange": exchange,
            "grandfathered": grandfathered,
            "coverage": coverage,
            "temporary_plan": temporary_plan,
            "producer_first_name": producer_first_name,
            "producer_last_name": producer_last_name,
            "producer_number": producer_number,
        }


Filters = Annotated[FilterParams, Depends(without_threadpool(FilterParams))]


def _files(description: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI: the 200 is a JSON page, or a file (with its Content-Disposition) when format is csv or xlsx."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        200: {
            "description": description,
            "content": {exports.CSV_MEDIA_TYPE: binary, exports.XLSX_MEDIA_TYPE: binary},
            "headers": {
                "Content-Disposition": {
                    "description": 'Files only: attachment; filename="<report_type>-YYYYMMDD-YYYYMMDD.csv|xlsx"',
                    "schema": {"type": "string"},
                },
                "Link": {
                    **LINK_HEADER["Link"],
                    "description": "JSON pages served by `page` only (none with `after`: those pages have no numbers): "
                    + LINK_HEADER["Link"]["description"],
                },
            },
        }
    }


def _filters_read(filters: ReportFilters) -> ReportFiltersRead:
    return ReportFiltersRead.model_validate(filters)


_CONTACT = ("phone", "email")
_MEMBER_ONLY = ("member_first_name", "member_last_name", "relationship", "date_of_birth", "birthday", "turning_age")
_POLICY_FIELDS = tuple(
    n for n in ReportRowRead.model_fields if n not in ("status", "policy_id", "member_id") and n not in _MEMBER_ONLY
)


def _row(row: ReportRow, *, shows_status: bool, member: bool, contact: bool) -> ReportRowRead:
    values: dict[str, Any] = {name: getattr(row, name) for name in _POLICY_FIELDS if name not in _CONTACT}
    values["policy_id"] = str(row.policy_id)
    if contact:  # issue 15: the term, grace and payment reports carry the primary's phone and email
        values.update(phone=row.phone, email=row.email)
    if shows_status:  # R-REP-2: "All shows the status column"
        values["status"] = row.status
    if member:
        values["member_id"] = str(row.member_id)
        values.update({name: getattr(row, name) for name in _MEMBER_ONLY})
    return ReportRowRead(**values)


async def _respond(
    ctx: Ctx,
    req: RequestContext,
    producer: Principal,
    run: RunRequest,
    paging: Paging,
    fmt: str,
    saved_report_id: int | None,
) -> Response | ReportPageRead:
    if fmt == "json":
        result = await report_service.run_report(
            ctx=ctx,
            principal=producer,
            run=run,
            page=paging.page,
            page_size=paging.page_size,
            request=req,
            saved_report_id=saved_report_id,
        )
        if run.cursor is None:  # seeking by `after` numbers no pages: no Link
            paging.link(result.total)
        d = result.definition
        items = [
            _row(r, shows_status=d.filters.shows_status, member=d.is_member_report, contact=d.shows_contact)
            for r in result.rows
        ]
        return ReportPageRead(
            items=items,
            total=result.total,
            page=paging.page,
            page_size=paging.page_size,
            report_type=d.report_type.value,
            title=d.title,
            date_from=d.date_from,
            date_to=d.date_to,
            **({"date_window": DateWindowRead.model_validate(d.window, from_attributes=True)} if d.window else {}),
            filters=_filters_read(d.filters),
            columns=[ReportColumnRead.model_validate(c) for c in result.columns],
            next_after=result.next_after,
        )
    selection = await report_service.prepare_file(
        ctx=ctx, principal=producer, run=run, fmt=fmt, request=req, saved_report_id=saved_report_id
    )
    return await streamed_export(
        fmt,
        file_name=run.definition.file_name(fmt),
        csv=partial(report_service.export_csv, ctx, selection),
        xlsx=partial(report_service.export_xlsx, ctx, selection),
    )


@router.get(
    "/api/v1/reports/policy_status",
    operation_id="runPolicyStatusReport",
    summary="Run the policy status report",
    response_model=ReportPageRead,
    response_model_exclude_unset=True,
    responses={
        **_files("A page of the report (json), or all of it as a file (csv, xlsx)"),
        **error_responses(422),
    },
    dependencies=[audited_by_service("report.run")],
)
async def run_policy_status_report(
    ctx: Ctx,
    req: ReqCtx,
    producer: CurrentProducer,
    filters: Filters,
    paging: PageParams,
    sort: Sort = None,
    after: After = None,
    export_format: Format = "json",
) -> Response | ReportPageRead:
    """The seed's Grace Period / Termed check: your whole book by policy status (e.g. `policy_status=grace_period`),
    no date range; the other reports' filters, paging (`after`) and files, rows with the primary's phone and email."""
    run = report_service.build_run(
        report_type="policy_status", date_from=None, date_to=None, filters=filters.values, sort=sort, after=after
    )
    return await _respond(ctx, req, producer, run, paging, export_format, None)


@router.get(
    "/api/v1/reports/{report_type}",
    operation_id="runReport",
    summary="Run a report",
    response_model=ReportPageRead,
    response_model_exclude_unset=True,
    responses={
        **_files("A page of the report (json), or all of it as a file (csv, xlsx)"),
        **error_responses(404, 422),
    },
    dependencies=[audited_by_service("report.run")],
)
async def run_report(
    ctx: Ctx,
    req: ReqCtx,
    producer: CurrentProducer,
    report_type: ReportType,
    date_from: DateFrom,
    date_to: DateTo,
    filters: Filters,
    paging: PageParams,
    sort: Sort = None,
    after: After = None,
    export_format: Format = "json",
) -> Response | ReportPageRead:
    """R-REP-1..3: a report of your book over an inclusive date range, paged (json) or as a CSV / XLSX file."""
    run = report_service.build_run(
        report_type=report_type, date_from=date_from, date_to=date_to, filters=filters.values, sort=sort, after=after
    )
    return await _respond(ctx, req, producer, run, paging, export_format, None)


def _saved(report: SavedReport, ctx: Ctx) -> SavedReportRead:
    definition = report_service.saved_definition(report, report_service.today(ctx))
    window = report_service.saved_window(report)
    return SavedReportRead(
        id=report.id,
        name=report.name,
        report_type=report.report_type,
        title=definition.title,
        date_from=report.date_from,
        date_to=report.date_to,
        date_window=DateWindowRead.model_validate(window) if window else None,
        filters=_filters_read(definition.filters),
        created_at=report.created_at,
    )


@router.post(
    "/api/v1/saved-reports",
    operation_id="createSavedReport",
    summary="Save a report definition",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409, 422),
)
async def create_saved_report(
    ctx: Ctx, req: ReqCtx, producer: CurrentProducer, body: SavedReportCreate, response: Response
) -> SavedReportRead:
    """R-REP-3: keep a report definition to re-run; validated like a run, names unique among yours (409)."""
    report = await report_service.create_saved_report(
        ctx=ctx,
        principal=producer,
        name=body.name,
        report_type=body.report_type,
        date_from=body.date_from,
        date_to=body.date_to,
        date_window=body.date_window.model_dump() if body.date_window else None,
        filters=body.filters.model_dump(),
        request=req,
    )
    response.headers["Location"] = f"/api/v1/saved-reports/{report.id}"
    return _saved(report, ctx)


SavedSort = Annotated[
    str | None,
    text_schema(100),
    Query(
        max_length=100,
        description="Comma-separated, '-' for descending: name, report_type, created_at. Default name",
        examples=["-created_at"],
    ),
]


@router.get(
    "/api/v1/saved-reports",
    operation_id="listSavedReports",
    summary="View my custom reports",
    responses={**error_responses(422), **PAGED_RESPONSES},
    dependencies=[PHI_FREE],
)
async def list_saved_reports(
    ctx: Ctx, producer: CurrentProducer, paging: PageParams, sort: SavedSort = None
) -> Page[SavedReportRead]:
    """R-REP-3 "View My Custom Reports": your saved report definitions, paged."""
    reports, total = await report_service.list_saved_reports(
        ctx=ctx, principal=producer, sort=sort, page=paging.page, page_size=paging.page_size
    )
    return paging.of([_saved(r, ctx) for r in reports], total)


@router.get(
    "/api/v1/saved-reports/{report_id}",
    operation_id="getSavedReport",
    summary="One saved report",
    responses=error_responses(404),
    dependencies=[PHI_FREE],
)
async def get_saved_report(ctx: Ctx, producer: CurrentProducer, report_id: SavedReportId) -> SavedReportRead:
    """A saved report definition of yours; anyone else's answers 404."""
    return _saved(await report_service.get_saved_report(ctx=ctx, principal=producer, report_id=report_id), ctx)


@router.delete(
    "/api/v1/saved-reports/{report_id}",
    operation_id="deleteSavedReport",
    summary="Delete a saved report",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404),
)
async def delete_saved_report(ctx: Ctx, req: ReqCtx, producer: CurrentProducer, report_id: SavedReportId) -> Response:
    """Delete one of your saved report definitions."""
    await report_service.delete_saved_report(ctx=ctx, principal=producer, report_id=report_id, request=req)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/api/v1/saved-reports/{report_id}/run",
    operation_id="runSavedReport",
    summary="Run a saved report",
    response_model=ReportPageRead,
    response_model_exclude_unset=True,
    responses={
        **_files("A page of the saved report (json), or all of it as a file (csv, xlsx)"),
        **error_responses(404, 422),
    },
    dependencies=[audited_by_service("report.run")],
)
async def run_saved_report(
    ctx: Ctx,
    req: ReqCtx,
    producer: CurrentProducer,
    report_id: SavedReportId,
    paging: PageParams,
    sort: Sort = None,
    after: After = None,
    export_format: Format = "json",
) -> Response | ReportPageRead:
    """R-REP-3: re-run a saved report with its range and filters, paged or as a file."""
    run = await report_service.saved_run(ctx=ctx, principal=producer, report_id=report_id, sort=sort, after=after)
    return await _respond(ctx, req, producer, run, paging, export_format, report_id)
