"""Prospects (R-PRO-1 .. R-PRO-3): every query scoped to the producer (R-BOOK-1).

Reads select plain columns into `ProspectRecord`s (no ORM identity map on the list and export paths);
writes go through the ORM. Name, city and email criteria compare the normalised `*_key` columns; a
prefix is a range predicate (`key >= 'smi' AND key < 'smj'`) that a btree on (producer_id, key) serves
directly — the keys use the "C" collation on PostgreSQL, so the range is byte order there too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select

from app.domain.prospects import DEFAULT_SORT, ProspectQuery, ProspectRecord, prefix_bounds
from app.repositories.base import RepositoryBase
from app.repositories.orm import Prospect

# In ProspectRecord's field order.
RECORD_COLUMNS = (
    Prospect.id,
    Prospect.first_name,
    Prospect.middle_initial,
    Prospect.last_name,
    Prospect.address1,
    Prospect.address2,
    Prospect.city,
    Prospect.state,
    Prospect.zip_code,
    Prospect.phone,
    Prospect.cell_phone,
    Prospect.email,
    Prospect.assigned_agent_number,
    Prospect.created_at,
    Prospect.updated_at,
)
# API sort names -> columns; names sort by their case-insensitive keys.
SORT_COLUMNS: dict[str, Any] = {
    "first_name": Prospect.first_name_key,
    "last_name": Prospect.last_name_key,
    "city": Prospect.city_key,
    "state": Prospect.state,
    "zip_code": Prospect.zip_code,
    "created_at": Prospect.created_at,
    "updated_at": Prospect.updated_at,
}


def _prefix(column: Any, prefix: str) -> ColumnElement[bool]:
    lower, upper = prefix_bounds(prefix)
    return column >= lower if upper is None else and_(column >= lower, column < upper)


def criteria(
    producer_id: int, query: ProspectQuery | None = None, ids: Sequence[int] | None = None
) -> list[ColumnElement[bool]]:
    """WHERE terms: the producer's book first, then every given criterion (AND)."""
    where: list[ColumnElement[bool]] = [Prospect.producer_id == producer_id]
    if ids is not None:
        where.append(Prospect.id.in_(list(ids)))
    if query is None:
        return where
    if query.last_name_prefix:
        where.append(_prefix(Prospect.last_name_key, query.last_name_prefix))
    if query.first_name_prefix:
        where.append(_prefix(Prospect.first_name_key, query.first_name_prefix))
    if query.city_prefix:
        where.append(_prefix(Prospect.city_key, query.city_prefix))
    if query.state:
        where.append(Prospect.state == query.state)
    if query.zip_code:
        where.append(Prospect.zip_code == query.zip_code)
    if query.phone:
        where.append(or_(Prospect.phone == query.phone, Prospect.cell_phone == query.phone))
    if query.email:
        where.append(Prospect.email_key == query.email)
    return where


def select_records(
    producer_id: int,
    *,
    query: ProspectQuery | None = None,
    ids: Sequence[int] | None = None,
    sort: Sequence[tuple[str, bool]] = DEFAULT_SORT,
) -> Select[*tuple[Any, ...]]:
    """The producer's prospects matching `query` / `ids`, in `sort` order (then id: a stable total order)."""
    order = []
    for name, descending in sort:
        column = SORT_COLUMNS[name]
        term = column.desc() if descending else column.asc()
        # An empty city comes last either way, on SQLite and PostgreSQL alike; NOT NULL columns keep a plain
        # ORDER BY so an index on (producer_id, column) serves it in both directions.
        order.append(term.nulls_last() if column.nullable else term)
    order.append(Prospect.id.asc())
    return select(*RECORD_COLUMNS).where(*criteria(producer_id, query, ids)).order_by(*order)


def to_record(row: Any) -> ProspectRecord:
    return ProspectRecord(*row)


class ProspectRepository(RepositoryBase[Prospect]):
    model = Prospect

    async def stream_records(
        self,
        producer_id: int,
        *,
        query: ProspectQuery | None,
        ids: Sequence[int] | None,
        sort: Sequence[tuple[str, bool]],
        limit: int,
        batch_size: int = 500,
    ) -> AsyncIterator[ProspectRecord]:
        """The selected prospects through a server-side cursor, `batch_size` rows at a time: never the whole result in
        memory."""
        stmt = select_records(producer_id, query=query, ids=ids, sort=sort).limit(limit)
        result = await self.session.stream(stmt.execution_options(yield_per=batch_size))
        try:
            async for row in result:
                yield to_record(row)
        finally:
            await result.close()

    async def get_for_producer(
        self, prospect_id: int, producer_id: int, *, for_update: bool = False
    ) -> Prospect | None:
        """R-BOOK-1: the query itself cannot return another producer's prospect."""
        stmt = select(Prospect).where(Prospect.id == prospect_id, Prospect.producer_id == producer_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def search(
        self, producer_id: int, *, query: ProspectQuery, sort: Sequence[tuple[str, bool]], page: int, page_size: int
    ) -> tuple[list[ProspectRecord], int]:
        """R-PRO-2: one page of matches and the total number of matches."""
        total = await self.count(producer_id, query=query)
        if total == 0 or (page - 1) * page_size >= total:
            return [], total
        stmt = select_records(producer_id, query=query, sort=sort).limit(page_size).offset((page - 1) * page_size)
        rows = (await self.session.execute(stmt)).all()
        return [to_record(r) for r in rows], total

    async def count(
        self, producer_id: int, *, query: ProspectQuery | None = None, ids: Sequence[int] | None = None
    ) -> int:
        stmt = select(func.count()).select_from(Prospect).where(*criteria(producer_id, query, ids))
        return int((await self.session.execute(stmt)).scalar_one())

    async def owned_ids(self, producer_id: int, ids: Sequence[int]) -> set[int]:
        """Which of `ids` are this producer's prospects (the others are "not found" for them)."""
        stmt = select(Prospect.id).where(*criteria(producer_id, ids=ids))
        return set((await self.session.execute(stmt)).scalars().all())

    async def delete_for_producer(self, producer_id: int, ids: Sequence[int]) -> int:
        stmt = delete(Prospect).where(*criteria(producer_id, ids=ids)).execution_options(synchronize_session=False)
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)
