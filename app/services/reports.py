"""Reports (R-REP-1 .. R-REP-3): run a report over the caller's book (a page, or a CSV / XLSX file of all its
rows) and keep report definitions ("View My Custom Reports").

Runs read members' personal data, so each one is audit-logged (R-MEM-6) as `report.run` with the report type,
the range, the filters and the row count - written in the same AUTOCOMMIT read session as the read for pages
(the member search's approach), and before the first byte of a file.

Files: every row of the report, in the page order, at most `EXPORT_MAX_ROWS` (100,000); a larger report answers
422 asking for a shorter range or a filter rather than sending a truncated file. CSV is produced while the
rows are read (server-side cursor); XLSX is written off the event loop into a spooled temporary file, then
streamed. Both use `app.adapters.exports` (MM/DD/YYYY dates, headers as on screen, formula-safe cells).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any, Protocol

from app.adapters import exports
from app.domain.accounts import Principal
from app.domain.errors import Conflict, ErrorCollector, NotFound, ValidationFailed
from app.domain.reports import (
    EXPORT_MAX_ROWS,
    ReportColumn,
    ReportDefinition,
    ReportRow,
    RunRequest,
    build_definition,
    check_definition,
    check_saved_name,
    columns_for,
    display_value,
    encode_cursor,
    parse_report_type,
    run_for,
)
from app.domain.reports import build_run as build_run_request
from app.ports import HasClock, UnitsOfWork
from app.repositories.orm import SavedReport
from app.services import audit
from app.services.audit import RequestContext


class ReportPorts(UnitsOfWork, HasClock, Protocol):
    """What the report services use."""


SAVED_REPORTS_MAX = 500  # per producer: a list a person manages, never an unbounded set
SAVED_SORTABLE = ("name", "report_type", "created_at")


@dataclass(frozen=True)
class ReportPage:
    """One page of a report: its rows, the total, the columns to show, and the cursor of the next page."""

    definition: ReportDefinition
    columns: list[ReportColumn]
    rows: list[ReportRow]
    total: int
    next_after: str | None


@dataclass(frozen=True)
class ReportFile:
    """A report about to be written to a file: checked, counted and audit-logged."""

    producer_id: int
    producer_name: str
    run: RunRequest
    count: int
    columns: list[ReportColumn]


def _producer(principal: Principal) -> tuple[int, str]:
    producer_id = principal.book_id
    return producer_id, f"{principal.first_name} {principal.last_name}"


def _audit_row(
    ctx: ReportPorts, principal: Principal, request: RequestContext, details: dict[str, Any]
) -> dict[str, Any]:
    saved = details.get("saved_report_id")
    return audit.event_row(
        now=ctx.clock.now(),
        request=request,
        action="report.run",
        actor_user_id=principal.user_id,
        actor_username=principal.username,
        on_behalf_of_user_id=audit.on_behalf_of(principal),
        target_type="saved_report" if saved else None,
        target_id=saved or None,
        details=details,
    )


def _details(
    definition: ReportDefinition, *, fmt: str, rows: int, saved_report_id: int | None, **extra: Any
) -> dict[str, Any]:
    window = definition.window
    return {
        "report_type": definition.report_type.value,
        "date_from": definition.date_from.isoformat() if definition.date_from else None,
        "date_to": definition.date_to.isoformat() if definition.date_to else None,
        **({"date_window": {"days_before": window.days_before, "days_after": window.days_after}} if window else {}),
        "filters": definition.filters.as_dict(),
        "format": fmt,
        "rows": rows,
        "saved_report_id": saved_report_id,
        **extra,
    }


def build_run(
    *,
    report_type: str,
    date_from: str | None,
    date_to: str | None,
    filters: dict[str, str | None],
    sort: str | None,
    after: str | None,
) -> RunRequest:
    """R-REP-1/2: an unknown report type is 404 naming the types; every other problem at once (422)."""
    kind = parse_report_type(report_type)
    return build_run_request(kind, date_from, date_to, filters, sort=sort, after=after)


async def run_report(
    *,
    ctx: ReportPorts,
    principal: Principal,
    run: RunRequest,
    page: int,
    page_size: int,
    request: RequestContext,
    saved_report_id: int | None = None,
) -> ReportPage:
    """R-REP-3: one page of a report of the caller's book, with the total; audit-logged (R-MEM-6).

    Page numbers are served with OFFSET and a window count; every page also hands out `next_after`, a cursor
    that seeks the next page without OFFSET at any depth (`after`). A report is a bounded set - one book, at most
    366 days - and the total needs every row of the range read on every page anyway, so a deep page number costs
    only the sort of the rows it skips (measured: the last of 28 pages at 1.3x the first).
    """
    producer_id, producer_name = _producer(principal)
    definition = run.definition
    rows: list[ReportRow] = []
    total = 0
    last = None
    async with ctx.reads() as reads:
        if definition.filters.producer_matches(principal.first_name, principal.last_name):
            rows, total, last = await reads.reports.report_page(
                producer_id, run, page=page, page_size=page_size, producer_name=producer_name
            )
        await reads.audit.insert_rows(
            [
                _audit_row(
                    ctx,
                    principal,
                    request,
                    _details(
                        definition,
                        fmt="json",
                        rows=total,
                        saved_report_id=saved_report_id,
                        page=page,
                        after=run.cursor is not None,
                        accounts=sorted({r.account_number for r in rows}),
                    ),
                )
            ]
        )
    seen = (page - 1) * page_size + len(rows) if run.cursor is None else None
    more = len(rows) == page_size and (seen is None or seen < total)
    next_after = encode_cursor(definition, run.sort, *last) if more and last is not None else None
    return ReportPage(definition, columns_for(definition), rows, total, next_after)


async def prepare_file(
    *,
    ctx: ReportPorts,
    principal: Principal,
    run: RunRequest,
    fmt: str,
    request: RequestContext,
    saved_report_id: int | None = None,
) -> ReportFile:
    """Count and audit-log a file before any byte is sent; more than EXPORT_MAX_ROWS rows answers 422."""
    producer_id, producer_name = _producer(principal)
    definition = run.definition
    async with ctx.reads() as reads:
        count = 0
        if definition.filters.producer_matches(principal.first_name, principal.last_name):
            count = await reads.reports.count_rows(producer_id, definition)
        if count > EXPORT_MAX_ROWS:
            raise ValidationFailed(
                f"This report has {count:,} rows; a file holds at most {EXPORT_MAX_ROWS:,}. Shorten the From-To "
                "range or add a filter.",
                code="report.file_too_large",
            )
        await reads.audit.insert_rows(
            [
                _audit_row(
                    ctx, principal, request, _details(definition, fmt=fmt, rows=count, saved_report_id=saved_report_id)
                )
            ]
        )
    return ReportFile(producer_id, producer_name, run, count, columns_for(definition))


async def iter_rows(ctx: ReportPorts, selection: ReportFile) -> AsyncIterator[ReportRow]:
    """The report's rows in order, read in batches through a server-side cursor."""
    if selection.count == 0:
        return
    # A write unit of work that writes nothing: the server-side cursor needs a transaction on PostgreSQL.
    async with ctx.uow() as uow:
        async for row in uow.reports.stream_rows(
            selection.producer_id, selection.run, producer_name=selection.producer_name
        ):
            yield row


def _file_columns(selection: ReportFile) -> list[exports.Column[ReportRow]]:
    def cell(key: str) -> Any:
        return lambda row: display_value(key, getattr(row, key))

    return [(column.header, cell(column.key)) for column in selection.columns]


def export_csv(ctx: ReportPorts, selection: ReportFile) -> AsyncIterator[bytes]:
    """CSV bytes, produced while the rows are read."""
    return exports.csv_stream(iter_rows(ctx, selection), _file_columns(selection))


async def export_xlsx(ctx: ReportPorts, selection: ReportFile) -> tuple[IO[bytes], int]:
    """An XLSX workbook in a spooled temporary file (written in a worker thread) and its size."""
    return await exports.build_xlsx(
        iter_rows(ctx, selection), _file_columns(selection), sheet_title=selection.run.definition.title
    )


# --- saved reports ("View My Custom Reports", R-REP-3) ------------------------------------------------------


def _not_found(report_id: int) -> NotFound:
    return NotFound(f"Saved report {report_id} is not among your saved reports.")  # plain code, as every id (R-BOOK-1)


def _name_taken(name: str) -> Conflict:
    return Conflict(
        f"You already have a saved report named {name!r}; choose another name.",
        code="saved_report.name_taken",
        field="name",
    )


def saved_window(report: SavedReport) -> dict[str, object] | None:
    if report.days_before is None and report.days_after is None:
        return None
    return {"days_before": report.days_before, "days_after": report.days_after}


def saved_definition(report: SavedReport, today: date) -> ReportDefinition:
    """A saved report's definition, checked again (a stored filter the rules no longer accept is a 422); a rolling
    window is resolved against `today` (issue 15)."""
    return build_definition(
        report.report_type,
        report.date_from,
        report.date_to,
        report.filters or {},
        date_window=saved_window(report),
        today=today,
    )


def today(ctx: ReportPorts) -> date:
    """The day a report runs: the injected clock's (UTC) date."""
    return ctx.clock.now().date()


async def create_saved_report(
    *,
    ctx: ReportPorts,
    principal: Principal,
    name: str,
    report_type: str,
    date_from: object,
    date_to: object,
    filters: dict[str, object],
    request: RequestContext,
    date_window: dict[str, object] | None = None,
) -> SavedReport:
    """R-REP-3: save a report definition, validated like a run; names are unique per producer (any case: 409).

    The name is checked first for a plain answer; the unique index on (producer, lower(name)) decides a race
    between two creations, whose loser gets the same 409. Creations are still serialised on the producer's row
    (SELECT ... FOR UPDATE on PostgreSQL; SQLite has a single writer) so the SAVED_REPORTS_MAX count holds.
    """
    producer_id, _ = _producer(principal)
    errors = ErrorCollector()
    clean_name = check_saved_name(name, errors)
    definition = check_definition(
        report_type,
        date_from,
        date_to,
        filters,
        errors,
        filter_prefix="filters.",
        date_window=date_window,
        today=today(ctx),
    )
    errors.raise_if_any("Some report fields are missing or invalid")
    assert clean_name is not None and definition is not None
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        saved = uow.saved_reports
        await saved.lock_producer(producer_id)
        if await saved.name_taken(producer_id, clean_name):
            raise _name_taken(clean_name)
        _, total = await saved.list_for_producer(producer_id, sort=(("created_at", False),), page=1, page_size=1)
        if total >= SAVED_REPORTS_MAX:
            raise ValidationFailed(
                f"You can keep at most {SAVED_REPORTS_MAX} saved reports; delete some first.",
                code="saved_report.too_many",
            )
        report = saved.add(
            SavedReport(
                producer_id=producer_id,
                name=clean_name,
                report_type=definition.report_type.value,
                # a rolling window is stored as the window, never as the dates of the day it was saved
                date_from=None if definition.window else definition.date_from,
                date_to=None if definition.window else definition.date_to,
                days_before=definition.window.days_before if definition.window else None,
                days_after=definition.window.days_after if definition.window else None,
                filters=definition.filters.as_dict(),
                created_at=now,
            )
        )
        if not await saved.flush_new():
            raise _name_taken(clean_name)
        audit.record(
            uow,
            now=now,
            request=request,
            action="saved_report.created",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="saved_report",
            target_id=report.id,
            details={"report_type": report.report_type},
        )
        await uow.commit()
        return report


def parse_saved_sort(sort: str | None) -> tuple[tuple[str, bool], ...]:
    if sort is None or not sort.strip():
        return (("name", False),)
    order: list[tuple[str, bool]] = []
    for part in sort.split(","):
        part = part.strip()
        if not part:
            continue
        name = part.lstrip("+-").strip()
        if name not in SAVED_SORTABLE:
            raise ValidationFailed(
                f"Cannot sort saved reports by {name[:40]!r}. Sort by: {', '.join(SAVED_SORTABLE)}.",
                code="saved_report.sort_invalid",
                field="sort",
            )
        if name not in {n for n, _ in order}:
            order.append((name, part.startswith("-")))
    return tuple(order) or (("name", False),)


async def list_saved_reports(
    *, ctx: ReportPorts, principal: Principal, sort: str | None, page: int, page_size: int
) -> tuple[list[SavedReport], int]:
    """R-REP-3 "View My Custom Reports": the caller's saved reports, paged (by name unless sorted)."""
    producer_id, _ = _producer(principal)
    order = parse_saved_sort(sort)
    async with ctx.uow() as uow:
        return await uow.saved_reports.list_for_producer(producer_id, sort=order, page=page, page_size=page_size)


async def get_saved_report(*, ctx: ReportPorts, principal: Principal, report_id: int) -> SavedReport:
    producer_id, _ = _producer(principal)
    async with ctx.uow() as uow:
        report = await uow.saved_reports.get_for_producer(report_id, producer_id)
        if report is None:
            raise _not_found(report_id)
        return report


async def delete_saved_report(
    *, ctx: ReportPorts, principal: Principal, report_id: int, request: RequestContext
) -> None:
    producer_id, _ = _producer(principal)
    async with ctx.uow() as uow:
        if not await uow.saved_reports.delete_for_producer(report_id, producer_id):
            raise _not_found(report_id)
        audit.record(
            uow,
            now=ctx.clock.now(),
            request=request,
            action="saved_report.deleted",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="saved_report",
            target_id=report_id,
        )
        await uow.commit()


async def saved_run(
    *, ctx: ReportPorts, principal: Principal, report_id: int, sort: str | None, after: str | None
) -> RunRequest:
    """A saved report (of the caller's, else 404) as a run request with the given order and cursor."""
    report = await get_saved_report(ctx=ctx, principal=principal, report_id=report_id)
    return run_for(saved_definition(report, today(ctx)), sort=sort, after=after)
