"""Prospects: add, search, change, delete, export and print a producer's sales leads (R-PRO-1 .. R-PRO-4).

Every query is scoped to the calling producer (R-BOOK-1); every change, export and print is audit-logged
(ids and field names only: a prospect's personal data never goes into the audit log).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Protocol

from app.adapters import exports
from app.domain.accounts import Principal
from app.domain.dates import local_time
from app.domain.errors import NotFound, ValidationFailed
from app.domain.prospects import (
    BULK_DELETE_MAX,
    EDITABLE_FIELDS,
    EXPORT_COLUMNS,
    EXPORT_MAX_ROWS,
    EXPORT_WIDTHS,
    PRINT_MAX_ROWS,
    PRINT_WIDTHS,
    SELECTED_MAX,
    ProspectData,
    ProspectQuery,
    ProspectRecord,
    build_prospect_query,
    check_assigned_agent,
    merge_update,
    parse_ids,
    parse_sort,
    validate_prospect,
)
from app.domain.quotes import QuoteInput
from app.ports import HasClock, HasPdf, HasUnitOfWork
from app.repositories.orm import Prospect
from app.repositories.uow import UnitOfWork
from app.services import audit
from app.services.audit import RequestContext
from app.services.proposals import ProposalHook
from app.services.quotes import QuotePorts, QuoteView


class ProspectPorts(QuotePorts, HasUnitOfWork, HasClock, HasPdf, Protocol):
    """What the prospect services use (and the quote service "Save and Create Proposal" calls)."""


@dataclass(frozen=True)
class CreatedProspect:
    prospect: ProspectRecord
    proposal: QuoteView | None


@dataclass(frozen=True)
class FileSelection:
    """The rows an export or print will contain, checked and counted before the file is written."""

    producer_id: int
    query: ProspectQuery
    ids: list[int] | None
    sort: tuple[tuple[str, bool], ...]
    count: int


def _record(p: Prospect) -> ProspectRecord:
    return ProspectRecord(
        id=p.id,
        first_name=p.first_name,
        middle_initial=p.middle_initial,
        last_name=p.last_name,
        address1=p.address1,
        address2=p.address2,
        city=p.city,
        state=p.state,
        zip_code=p.zip_code,
        phone=p.phone,
        cell_phone=p.cell_phone,
        email=p.email,
        assigned_agent_number=p.assigned_agent_number,
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


def _audit(
    uow: UnitOfWork,
    ctx: ProspectPorts,
    request: RequestContext,
    producer: Principal,
    action: str,
    target_id: int | None = None,
    **details: object,
) -> None:
    audit.record_by(
        uow,
        producer,
        now=ctx.clock.now(),
        request=request,
        action=action,
        target_type="prospect",
        target_id=target_id,
        details=details,
    )


def _not_found() -> NotFound:
    # R-BOOK-1: the same answer for someone else's prospect and one that does not exist.
    return NotFound("This prospect was not found among your prospects.")


def _missing(ids: Sequence[int], found: set[int]) -> NotFound | None:
    missing = [i for i in ids if i not in found]
    if not missing:
        return None
    return NotFound(
        f"{len(missing)} of the selected prospects were not found among yours; nothing was done.",
        extra={"missing_ids": missing[:100]},
    )


async def create_prospect(
    *,
    ctx: ProspectPorts,
    producer: Principal,
    values: Mapping[str, object],
    quote: QuoteInput | None,
    hook: ProposalHook,
    request: RequestContext,
) -> CreatedProspect:
    """R-PRO-1 save; R-PRO-4 "Save and create proposal" (`quote` given) creates its quote in the same transaction."""
    data = validate_prospect(values)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        check_assigned_agent(data.assigned_agent_number, await uow.applications.producer_numbers(producer.user_id))
        prospect = uow.prospects.add(
            Prospect(producer_id=producer.user_id, **data.as_dict(), **data.keys(), created_at=now, updated_at=now)
        )
        await uow.flush()
        proposal = None
        if quote is not None:
            proposal = await hook.create_for_prospect(
                uow=uow, ctx=ctx, producer=producer, prospect=prospect, quote=quote, request=request
            )
        _audit(uow, ctx, request, producer, "prospect.created", prospect.id, create_proposal=quote is not None)
        await uow.commit()
        return CreatedProspect(_record(prospect), proposal)


async def list_prospects(
    *,
    ctx: ProspectPorts,
    producer: Principal,
    filters: Mapping[str, str | None],
    sort: str | None,
    page: int,
    page_size: int,
) -> tuple[list[ProspectRecord], int]:
    """R-PRO-2: search by any of seven fields, alone or combined; no criteria lists them all. Paged."""
    query = build_prospect_query(filters)
    order = parse_sort(sort)
    async with ctx.uow() as uow:
        return await uow.prospects.search(producer.user_id, query=query, sort=order, page=page, page_size=page_size)


async def get_prospect(*, ctx: ProspectPorts, producer: Principal, prospect_id: int) -> ProspectRecord:
    async with ctx.uow() as uow:
        prospect = await uow.prospects.get_for_producer(prospect_id, producer.user_id)
        if prospect is None:
            raise _not_found()
        return _record(prospect)


async def update_prospect(
    *, ctx: ProspectPorts, producer: Principal, prospect_id: int, changes: Mapping[str, object], request: RequestContext
) -> ProspectRecord:
    """Change the fields sent (null clears an optional one); the whole prospect must still satisfy R-PRO-1."""
    async with ctx.uow() as uow:
        prospect = await uow.prospects.get_for_producer(prospect_id, producer.user_id, for_update=True)
        if prospect is None:
            raise _not_found()
        current = ProspectData(**{name: getattr(prospect, name) for name in EDITABLE_FIELDS})
        updated, changed = merge_update(current, changes)
        if "assigned_agent_number" in changed:
            check_assigned_agent(
                updated.assigned_agent_number, await uow.applications.producer_numbers(producer.user_id)
            )
        if changed:
            for name, value in {**updated.as_dict(), **updated.keys()}.items():
                setattr(prospect, name, value)  # the *_key columns stay in step with the values
            prospect.updated_at = ctx.clock.now()
            _audit(uow, ctx, request, producer, "prospect.updated", prospect.id, fields=changed)
            await uow.commit()
        return _record(prospect)


async def delete_prospect(
    *, ctx: ProspectPorts, producer: Principal, prospect_id: int, request: RequestContext
) -> None:
    async with ctx.uow() as uow:
        if not await uow.prospects.delete_for_producer(producer.user_id, [prospect_id]):
            raise _not_found()
        _audit(uow, ctx, request, producer, "prospect.deleted", prospect_id)
        await uow.commit()


async def bulk_delete(*, ctx: ProspectPorts, producer: Principal, ids: Sequence[int], request: RequestContext) -> int:
    """R-PRO-3 "Delete Selected Rows": all of them or none (one transaction); any id not yours answers 404."""
    unique = list(dict.fromkeys(ids))
    if len(unique) > BULK_DELETE_MAX:
        raise ValidationFailed(
            f"Delete at most {BULK_DELETE_MAX:,} prospects at once.", code="prospect.too_many_ids", field="ids"
        )
    async with ctx.uow() as uow:
        problem = _missing(unique, await uow.prospects.owned_ids(producer.user_id, unique))
        if problem is not None:
            raise problem
        deleted = await uow.prospects.delete_for_producer(producer.user_id, unique)
        _audit(uow, ctx, request, producer, "prospect.deleted", None, ids=unique, count=deleted, bulk=True)
        await uow.commit()
        return deleted


# --- R-PRO-3: export (CSV, XLSX) and print (PDF) ------------------------------------------------------------


async def select_for_file(
    *,
    ctx: ProspectPorts,
    producer: Principal,
    kind: str,
    filters: Mapping[str, str | None],
    ids: list[str] | None,
    sort: str | None,
    request: RequestContext,
) -> FileSelection:
    """Check and count what a file will hold, and audit-log it, before any byte is sent.

    Selected rows (`ids`, all of which must be the producer's, else 404) or every prospect matching the
    search criteria (none: all). At most EXPORT_MAX_ROWS rows for CSV/XLSX and PRINT_MAX_ROWS for PDF;
    a larger selection answers 422 asking to narrow the search rather than sending a truncated file.
    """
    if kind == "pdf":
        ctx.pdf.check_capacity()  # issue 19: a full render pool answers 429 before any database work
    query = build_prospect_query(filters)
    order = parse_sort(sort)
    limit = PRINT_MAX_ROWS if kind == "pdf" else EXPORT_MAX_ROWS
    selected = parse_ids(ids, limit=SELECTED_MAX)
    async with ctx.uow() as uow:
        if selected is not None:
            problem = _missing(selected, await uow.prospects.owned_ids(producer.user_id, selected))
            if problem is not None:
                raise problem
        count = await uow.prospects.count(producer.user_id, query=query, ids=selected)
        if count > limit:
            verb = "print" if kind == "pdf" else "export"
            raise ValidationFailed(
                f"{count:,} prospects match; you can {verb} at most {limit:,} at once. Narrow the search "
                f"(for example by state or last name) or select rows.",
                code="prospect.file_too_large",
            )
        action = "prospect.printed" if kind == "pdf" else "prospect.exported"
        _audit(
            uow,
            ctx,
            request,
            producer,
            action,
            None,
            format=kind,
            count=count,
            selected=selected is not None,
            criteria=sorted(k for k, v in filters.items() if v),
        )
        await uow.commit()
    return FileSelection(producer.user_id, query, selected, order, count)


async def iter_records(ctx: ProspectPorts, selection: FileSelection) -> AsyncIterator[ProspectRecord]:
    """The selected prospects, read in batches through a server-side cursor (never all in memory)."""
    async with ctx.uow() as uow:  # writes nothing: a server-side cursor needs a transaction on PostgreSQL
        async for record in uow.prospects.stream_records(
            selection.producer_id, query=selection.query, ids=selection.ids, sort=selection.sort, limit=EXPORT_MAX_ROWS
        ):
            yield record


def export_csv(ctx: ProspectPorts, selection: FileSelection) -> AsyncIterator[bytes]:
    """CSV bytes, produced while the rows are read."""
    return exports.csv_stream(iter_records(ctx, selection), EXPORT_COLUMNS)


async def export_xlsx(ctx: ProspectPorts, selection: FileSelection) -> tuple[IO[bytes], int]:
    """An XLSX workbook in a spooled temporary file (written in a worker thread) and its size."""
    return await exports.build_xlsx(
        iter_records(ctx, selection), EXPORT_COLUMNS, sheet_title="Prospects", widths=EXPORT_WIDTHS
    )


async def print_pdf(ctx: ProspectPorts, producer: Principal, selection: FileSelection) -> bytes:
    """A landscape table of the selected prospects, laid out off the event loop."""
    records = [r async for r in iter_records(ctx, selection)]
    printed = local_time(ctx.clock.now(), ctx.settings.display_time_zone)
    subtitle = (
        f"{len(records):,} prospect{'s' if len(records) != 1 else ''} of {producer.first_name} "
        f"{producer.last_name} - printed {printed}"
    )
    # issue 19: laid out in a worker process, which takes the cells' text (plain data, not the rows' value functions)
    return await ctx.pdf.render(
        exports.render_pdf_table,
        exports.headers_of(EXPORT_COLUMNS),
        exports.table_cells(records, EXPORT_COLUMNS),
        title="Prospects",
        subtitle=subtitle,
        widths=PRINT_WIDTHS,
    )


def file_name(ctx: ProspectPorts, extension: str) -> str:
    return f"prospects-{ctx.clock.now():%Y%m%d}.{extension}"
