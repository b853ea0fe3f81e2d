"""Reports (R-REP-1 .. R-REP-3): SQL-first read queries over the caller's book, and saved report definitions.

Every statement starts from the producer's book (`policies.producer_id`, and `accounts.producer_id` and
`members.producer_id` on the joins) and the report's date range, which the report indexes serve:
`(producer_id, <policy date>)` on policies for the policy reports, `(producer_id, date_of_birth, relationship)`
on members for the member reports. A page is one statement with a window count for the total, or a seek
("keyset") statement after a cursor plus a count. Statements are built once per shape and cached (see
`statement_for`); values are bound at execution.

Sorting is over a whitelist of expressions; nullable columns sort through COALESCE (dates: empty last, text:
empty first) so every sort value is non-null and a cursor can seek past it with plain comparisons. The
policy id (and the member id in member reports) ends every order, so pages never overlap or skip rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    delete,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from app.domain.dates import OPEN_END_DATE
from app.domain.reports import (
    EXPORT_MAX_ROWS,
    RANGE_COLUMN,
    RELATIONSHIPS,
    TURNING_AGE,
    Cursor,
    ReportDefinition,
    ReportFilters,
    ReportRow,
    ReportType,
    RunRequest,
    Sort,
    anniversary,
    is_member_report,
)
from app.repositories.base import RepositoryBase
from app.repositories.like import contains_pattern, like_bound
from app.repositories.orm import Account, Member, Policy, PolicyMember, SavedReport, User

a = Account.__table__
p = Policy.__table__
m = Member.__table__
pm = PolicyMember.__table__

FILE_BATCH_ROWS = 500
PRODUCT_TYPE = case((p.c.exchange == "on", literal("ON-EXCHANGE")), else_=literal("OFF-EXCHANGE"))
# Policy date row keys -> columns (the ranged one of a policy report).
DATE_COLUMNS: dict[str, Any] = {
    "coverage_effective_date": p.c.coverage_effective_date,
    "paid_to_date": p.c.paid_to_date,
    "termed_date": p.c.termination_date,
    "app_signature_date": p.c.app_signature_date,
    "eapp_start_date": p.c.eapp_start_date,
}
POLICY_COLUMNS = (
    p.c.id.label("policy_id"),
    a.c.account_number,
    a.c.last_name,
    a.c.first_name,
    p.c.e_app_number,
    p.c.client_app_id,
    p.c.pending_application_id,
    p.c.group_number,
    p.c.member_count,
    PRODUCT_TYPE.label("product_type"),
    p.c.product_name,
    p.c.coverage,
    p.c.network_type,
    p.c.exchange,
    p.c.grandfathered,
    p.c.temporary_plan,
    p.c.status,
    p.c.application_status,
    p.c.initial_payment_received,
    p.c.coverage_effective_date,
    p.c.paid_to_date,
    p.c.termination_date.label("termed_date"),
    p.c.app_signature_date,
    p.c.eapp_start_date,
    p.c.producer_number,
    # issue 15: the primary's phone (cell, else home, else work) and email for the follow-up reports
    func.coalesce(a.c.phone_cell, a.c.phone_home, a.c.phone_work).label("phone"),
    a.c.email,
)
MEMBER_COLUMNS = (
    m.c.id.label("member_id"),
    m.c.first_name.label("member_first_name"),
    m.c.last_name.label("member_last_name"),
    m.c.relationship,
    m.c.date_of_birth,
)
_ROW_KEYS = frozenset(c.key for c in (*POLICY_COLUMNS, *MEMBER_COLUMNS))


def _blank_first(column: Any) -> ColumnElement[Any]:
    return func.coalesce(column, "")


def _empty_last(column: Any) -> ColumnElement[Any]:
    return func.coalesce(column, literal(OPEN_END_DATE, Date))  # no date sorts as the open end


SORT_EXPRESSIONS: dict[str, Any] = {
    "account_number": a.c.account_number,
    "last_name": a.c.last_name_key,
    "first_name": a.c.first_name_key,
    "e_app_number": _blank_first(p.c.e_app_number),
    "client_app_id": _blank_first(p.c.client_app_id),
    "group_number": p.c.group_number,
    "member_count": p.c.member_count,
    "product_type": PRODUCT_TYPE,
    "product_name": p.c.product_name,
    "coverage": p.c.coverage,
    "status": p.c.status,
    "application_status": _blank_first(p.c.application_status),
    "coverage_effective_date": p.c.coverage_effective_date,
    "paid_to_date": _empty_last(p.c.paid_to_date),
    "termed_date": _empty_last(p.c.termination_date),
    "app_signature_date": _empty_last(p.c.app_signature_date),
    "eapp_start_date": _empty_last(p.c.eapp_start_date),
    "producer_number": p.c.producer_number,
    "member_last_name": func.lower(m.c.last_name),
    "member_first_name": func.lower(m.c.first_name),
    "relationship": m.c.relationship,
    "date_of_birth": m.c.date_of_birth,
    # A birthday grows with the birth date (domain.reports.anniversary), so birth order is birthday order.
    "birthday": m.c.date_of_birth,
}


def _sort_expression(definition: ReportDefinition | ReportType, key: str) -> Any:
    kind = definition.report_type if isinstance(definition, ReportDefinition) else definition
    # The ranged date is never empty inside the range: sort on the bare column (the index's own order).
    if not is_member_report(kind) and key == RANGE_COLUMN.get(kind):
        return DATE_COLUMNS[key]
    return SORT_EXPRESSIONS[key]


# --- statements: built once per shape, run with bound values ------------------------------------------------------
# Building a Core statement costs more Python time than the whole indexed query takes in PostgreSQL, so statements
# are cached by their shape (report type, enum filter values, which text filters are given, sort, mode) and run
# with the values bound: the producer, the dates, text filters, cursor values, limit and offset.


@dataclass(frozen=True)
class Shape:
    report_type: ReportType
    filters: tuple[tuple[str, object], ...]
    sort: Sort
    mode: str  # page (window count, OFFSET) | seek (after a cursor) | count | file


ENUM_FILTER_NAMES = ("application_status", "policy_status", "exchange", "grandfathered", "coverage", "temporary_plan")
TEXT_FILTER_NAMES = ("product_name", "producer_number")


def shape_of(definition: ReportDefinition, sort: Sort, mode: str) -> Shape:
    f, defaults = definition.filters, ReportFilters()
    items: list[tuple[str, object]] = [
        (n, getattr(f, n)) for n in ENUM_FILTER_NAMES if getattr(f, n) != getattr(defaults, n)
    ]
    items += [(n, True) for n in TEXT_FILTER_NAMES if getattr(f, n)]
    return Shape(definition.report_type, tuple(items), sort, mode)


def bind_values(
    producer_id: int, definition: ReportDefinition, *, cursor: Cursor | None = None, limit: int = 0, offset: int = 0
) -> dict[str, Any]:
    """The values a statement of `shape_of(definition, ...)` runs with."""
    values: dict[str, Any] = {
        "producer_id": producer_id,
        "date_from": definition.date_from,
        "date_to": definition.date_to,
        "limit": limit,
        "offset": offset,
    }
    if definition.is_member_report:
        values["born_from"], values["born_to"] = definition.birth_range()
    f = definition.filters
    if f.product_name:
        values["product_name"] = contains_pattern(f.product_name.lower())
    if f.producer_number:
        values["producer_number"] = f.producer_number
    if cursor is not None:
        values.update({f"after_{i}": v for i, v in enumerate(cursor.values)})
        values.update({f"after_id_{i}": v for i, v in enumerate(cursor.ids)})
    return values


def _tiebreak(kind: ReportType) -> list[Any]:
    return [p.c.id, m.c.id] if is_member_report(kind) else [p.c.id]


def _source(kind: ReportType) -> Any:
    if is_member_report(kind):
        # From the producer's members born in the range (members.producer_id, the account's), to the policies
        # that cover them and their account: a few probes per member of the report, never the whole book.
        return (
            m.join(pm, pm.c.member_id == m.c.id)
            .join(p, p.c.id == pm.c.policy_id)
            .join(a, and_(a.c.id == p.c.account_id, a.c.id == m.c.account_id))
        )
    return p.join(a, a.c.id == p.c.account_id)


def _criteria(shape: Shape) -> list[ColumnElement[bool]]:
    """WHERE terms: the producer's book first (R-BOOK-1), then the report's range (R-REP-1), then the filters."""
    kind = shape.report_type
    producer = bindparam("producer_id", type_=p.c.producer_id.type)
    start, end = bindparam("date_from", type_=Date()), bindparam("date_to", type_=Date())
    where: list[ColumnElement[bool]] = [p.c.producer_id == producer, a.c.producer_id == producer]
    if is_member_report(kind):
        where += [
            m.c.producer_id == producer,
            m.c.date_of_birth >= bindparam("born_from", type_=Date()),
            m.c.date_of_birth <= bindparam("born_to", type_=Date()),
            m.c.relationship.in_(RELATIONSHIPS[TURNING_AGE[kind]]),
            # still covered by the policy when the range starts
            or_(pm.c.coverage_end.is_(None), pm.c.coverage_end >= start),
        ]
    elif kind in RANGE_COLUMN:  # policy_status has no range: the whole book (issue 15)
        column = DATE_COLUMNS[RANGE_COLUMN[kind]]
        where += [column >= start, column <= end]
        if kind is ReportType.initial_payment_not_received:
            where.append(p.c.initial_payment_received.is_(False))
    f = ReportFilters(**{n: v for n, v in shape.filters if n in ENUM_FILTER_NAMES})  # type: ignore[arg-type]
    if (value := f.application_status_value()) is not None:
        where.append(p.c.application_status == value)
    if (value := f.policy_status_value()) is not None:
        where.append(p.c.status == value)
    if (value := f.exchange_value()) is not None:
        where.append(p.c.exchange == value)
    if (flag := f.grandfathered_value()) is not None:
        where.append(p.c.grandfathered.is_(flag))
    if (flag := f.temporary_plan_value()) is not None:
        where.append(p.c.temporary_plan.is_(flag))
    if (value := f.coverage_value()) == "both":
        # R-REP-2 "Both Medical And Dental": policies of accounts holding a medical and a dental policy
        where += [_account_has("medical"), _account_has("dental")]
    elif value is not None:
        where.append(p.c.coverage == value)
    given = {n for n, _ in shape.filters}
    if "product_name" in given:  # contains, any case; the pattern is escaped (bind_values)
        where.append(like_bound(func.lower(p.c.product_name), "product_name"))
    if "producer_number" in given:
        where.append(p.c.producer_number == bindparam("producer_number", type_=String()))
    return where


def _account_has(coverage: str) -> ColumnElement[bool]:
    other = p.alias(f"{coverage}_policy")
    return (
        select(literal(1))
        .where(
            other.c.producer_id == p.c.producer_id,  # ix_policies_producer_account
            other.c.account_id == p.c.account_id,
            other.c.coverage == coverage,
        )
        .exists()
    )


def _order(kind: ReportType, sort: Sort) -> list[Any]:
    order = []
    for key, descending in sort:
        expression = _sort_expression(kind, key)
        order.append(expression.desc() if descending else expression.asc())
    return order + [column.asc() for column in _tiebreak(kind)]


def _seek(kind: ReportType, sort: Sort) -> ColumnElement[bool]:
    """Rows after the cursor in (sort..., ids...) order: `k1 > v1 OR (k1 = v1 AND k2 > v2) OR ...`.

    Sort values are never NULL (see SORT_EXPRESSIONS), so plain comparisons are exact. The first key's
    bound is repeated on its own so the planner can narrow the index range with it.
    """
    keys: list[tuple[Any, bool, Any]] = []
    for i, (key, descending) in enumerate(sort):
        expression = _sort_expression(kind, key)
        keys.append((expression, descending, bindparam(f"after_{i}", type_=expression.type)))
    keys += [(column, False, bindparam(f"after_id_{i}", type_=column.type)) for i, column in enumerate(_tiebreak(kind))]
    terms = []
    for i, (expression, descending, value) in enumerate(keys):
        equal = [e == v for e, _, v in keys[:i]]
        terms.append(and_(*equal, expression < value if descending else expression > value))
    first, descending, value = keys[0]
    return and_(first <= value if descending else first >= value, or_(*terms))


def _columns(kind: ReportType, sort: Sort) -> list[Any]:
    columns: list[Any] = list(POLICY_COLUMNS)
    if is_member_report(kind):
        columns += MEMBER_COLUMNS
    columns += [_sort_expression(kind, key).label(f"sort_{i}") for i, (key, _) in enumerate(sort)]
    return columns


@lru_cache(maxsize=1024)
def statement_for(shape: Shape) -> Select[Any]:
    """The statement of a shape (cached): a page with its window count, a sought page, a count, or a file."""
    kind = shape.report_type
    where = _criteria(shape)
    if shape.mode == "count":
        return select(func.count()).select_from(_source(kind)).where(*where)
    stmt = (
        select(*_columns(kind, shape.sort)).select_from(_source(kind)).where(*where).order_by(*_order(kind, shape.sort))
    )
    limit = bindparam("limit", type_=Integer())
    if shape.mode == "seek":
        return stmt.where(_seek(kind, shape.sort)).limit(limit)
    if shape.mode == "file":
        return stmt.limit(EXPORT_MAX_ROWS).execution_options(yield_per=FILE_BATCH_ROWS)
    return (
        stmt.add_columns(func.count().over().label("total")).limit(limit).offset(bindparam("offset", type_=Integer()))
    )


def page_statement(producer_id: int, run: RunRequest, *, limit: int, offset: int) -> tuple[Select[Any], dict[str, Any]]:
    """One page plus the total (window count), or - after a cursor - one page sought without OFFSET."""
    mode = "seek" if run.cursor is not None else "page"
    return (
        statement_for(shape_of(run.definition, run.sort, mode)),
        bind_values(producer_id, run.definition, cursor=run.cursor, limit=limit, offset=offset),
    )


def count_statement(producer_id: int, definition: ReportDefinition) -> tuple[Select[Any], dict[str, Any]]:
    return statement_for(shape_of(definition, (), "count")), bind_values(producer_id, definition)


def file_statement(producer_id: int, run: RunRequest) -> tuple[Select[Any], dict[str, Any]]:
    """Every row of the report in order (at most EXPORT_MAX_ROWS: the service checks the count first)."""
    return statement_for(shape_of(run.definition, run.sort, "file")), bind_values(producer_id, run.definition)


def to_row(row: Any, definition: ReportDefinition, producer_name: str) -> ReportRow:
    values = {k: v for k, v in row._mapping.items() if k in _ROW_KEYS}
    age = definition.turning_age
    if age is not None:
        values["birthday"] = anniversary(values["date_of_birth"], age)
        values["turning_age"] = age
    return ReportRow(**values, producer_name=producer_name)


def cursor_values(row: Any, definition: ReportDefinition, sort: Sort) -> tuple[list[object], list[int]]:
    """The sort values and ids of a row: what the next page's cursor seeks past."""
    mapping = row._mapping
    ids = [int(mapping["policy_id"])] + ([int(mapping["member_id"])] if definition.is_member_report else [])
    return [mapping[f"sort_{i}"] for i in range(len(sort))], ids


class ReportQueries(RepositoryBase[Policy]):
    """Report pages, counts and files: the statements above run on the unit of work's session."""

    model = Policy

    async def report_page(
        self, producer_id: int, run: RunRequest, *, page: int, page_size: int, producer_name: str
    ) -> tuple[list[ReportRow], int, tuple[list[object], list[int]] | None]:
        """A page of rows, the total, and the last row's cursor values (None when the page is empty)."""
        definition = run.definition
        offset = 0 if run.cursor is not None else (page - 1) * page_size
        rows = (await self.session.execute(*page_statement(producer_id, run, limit=page_size, offset=offset))).all()
        if run.cursor is None and rows:
            total = int(rows[0].total)
        elif run.cursor is None and page == 1:
            total = 0
        else:
            total = await self.count_rows(producer_id, definition)
        last = cursor_values(rows[-1], definition, run.sort) if rows else None
        return [to_row(r, definition, producer_name) for r in rows], total, last

    async def count_rows(self, producer_id: int, definition: ReportDefinition) -> int:
        return int((await self.session.execute(*count_statement(producer_id, definition))).scalar_one())

    async def stream_rows(self, producer_id: int, run: RunRequest, *, producer_name: str) -> AsyncIterator[ReportRow]:
        """Every row of the report through a server-side cursor, FILE_BATCH_ROWS at a time (never all in memory).

        Needs a transaction for the cursor on PostgreSQL: run it in a write unit of work (it writes nothing).
        """
        result = await self.session.stream(*file_statement(producer_id, run))
        try:
            async for row in result:
                yield to_row(row, run.definition, producer_name)
        finally:
            await result.close()


# --- saved reports ("View My Custom Reports", R-REP-3): ORM, inside a unit of work ------------------------------

SAVED_NAME_INDEX = "uq_saved_reports_producer_name"  # named in the error of either database
SAVED_SORT_COLUMNS: dict[str, Any] = {
    "name": func.lower(SavedReport.name),
    "report_type": SavedReport.report_type,
    "created_at": SavedReport.created_at,
}


class SavedReportRepository(RepositoryBase[SavedReport]):
    model = SavedReport

    async def lock_producer(self, producer_id: int) -> None:
        """Serialise a producer's saved-report creations (the SAVED_REPORTS_MAX count: see the service)."""
        await self.session.execute(select(User.id).where(User.id == producer_id).with_for_update())

    async def name_taken(self, producer_id: int, name: str) -> bool:
        stmt = (
            select(SavedReport.id)
            .where(SavedReport.producer_id == producer_id, func.lower(SavedReport.name) == name.lower())
            .limit(1)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def flush_new(self) -> bool:
        """Insert what was added; False when the name is already taken (the unique index, R-REP-3).

        After False the transaction is unusable: the caller raises, and the unit of work rolls back.
        """
        try:
            await self.session.flush()
        except IntegrityError as exc:
            if SAVED_NAME_INDEX not in str(exc.orig):
                raise
            return False
        return True

    async def get_for_producer(self, report_id: int, producer_id: int) -> SavedReport | None:
        """R-BOOK-1: the query itself cannot return another producer's saved report."""
        stmt = select(SavedReport).where(SavedReport.id == report_id, SavedReport.producer_id == producer_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list_for_producer(
        self, producer_id: int, *, sort: Sequence[tuple[str, bool]], page: int, page_size: int
    ) -> tuple[list[SavedReport], int]:
        where = SavedReport.producer_id == producer_id
        total = int(
            (await self.session.execute(select(func.count()).select_from(SavedReport).where(where))).scalar_one()
        )
        if total == 0 or (page - 1) * page_size >= total:
            return [], total
        order = [SAVED_SORT_COLUMNS[k].desc() if d else SAVED_SORT_COLUMNS[k].asc() for k, d in sort]
        stmt = (
            select(SavedReport)
            .where(where)
            .order_by(*order, SavedReport.id.asc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        return list((await self.session.execute(stmt)).scalars().all()), total

    async def delete_for_producer(self, report_id: int, producer_id: int) -> bool:
        stmt = (
            delete(SavedReport)
            .where(SavedReport.id == report_id, SavedReport.producer_id == producer_id)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))
