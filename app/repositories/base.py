"""Repository base: every query lives in a repository; repositories never commit."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories.orm import Base

M = TypeVar("M", bound=Base)


class RepositoryBase(Generic[M]):
    model: type[M]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, id_: Any) -> M | None:
        return await self.session.get(self.model, id_)

    def add(self, obj: M) -> M:
        self.session.add(obj)
        return obj

    async def flush(self) -> None:
        await self.session.flush()

    async def page(self, stmt: Select[Any], *, page: int, page_size: int) -> tuple[list[Any], int]:
        """One page of `stmt` plus the total count."""
        count = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = (await self.session.execute(count)).scalar_one()
        rows = (await self.session.execute(stmt.limit(page_size).offset((page - 1) * page_size))).scalars().all()
        return list(rows), int(total)
