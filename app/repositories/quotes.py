"""Quotes and the reference data they are priced from: counties, plans, plan rates (R-QUO-1 .. R-QUO-4)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select

from app.domain.quotes import CountyInfo, PlanOffer
from app.repositories.base import RepositoryBase
from app.repositories.orm import County, Plan, PlanRate, Quote, User


def _county(c: County) -> CountyInfo:
    return CountyInfo(zip_code=c.zip_code, name=c.name, state=c.state, fips=c.fips, rating_area=c.rating_area)


def _offer(p: Plan, base_rate: Decimal | None) -> PlanOffer:
    return PlanOffer(
        plan_id=p.plan_id,
        name=p.name,
        coverage=p.coverage,
        metal_level=p.metal_level,
        network_type=p.network_type,
        requires_pcp=p.requires_pcp,
        exchange=p.exchange,
        state=p.state,
        plan_year=p.plan_year,
        tobacco_factor=Decimal(p.tobacco_factor),
        base_rate=None if base_rate is None else Decimal(base_rate),
    )


class QuoteRepository(RepositoryBase[Quote]):
    model = Quote

    # --- reference data ---------------------------------------------------------------------------------

    async def counties_for_zip(self, zip_code: str) -> list[CountyInfo]:
        stmt = select(County).where(County.zip_code == zip_code).order_by(County.name, County.fips)
        return [_county(c) for c in (await self.session.execute(stmt)).scalars().all()]

    async def counties_named(self, county: str, *, name_key: str, state: str | None) -> list[CountyInfo]:
        """Counties (of any zip) whose name is `name_key` (lower case) or whose FIPS code is `county`."""
        stmt = select(County).where(or_(func.lower(County.name) == name_key, County.fips == county.strip()))
        if state:
            stmt = stmt.where(County.state == state)
        return [
            _county(c)
            for c in (await self.session.execute(stmt.order_by(County.fips, County.zip_code))).scalars().all()
        ]

    def _plans(
        self, *, state: str | None, area: CountyInfo | None, year: int | None, coverage: str | None
    ) -> Select[Any]:
        stmt = select(Plan)
        if area is not None:
            # Available in a county: a rate for its state and rating area (R-QUO-2).
            stmt = stmt.where(
                Plan.state == area.state,
                Plan.plan_id.in_(
                    select(PlanRate.plan_id).where(
                        PlanRate.state == area.state, PlanRate.rating_area == area.rating_area
                    )
                ),
            )
        if state:
            stmt = stmt.where(Plan.state == state)
        if year is not None:
            stmt = stmt.where(Plan.plan_year == year)
        if coverage:
            stmt = stmt.where(Plan.coverage == coverage)
        return stmt.order_by(Plan.state, Plan.plan_year, Plan.coverage, Plan.name, Plan.exchange, Plan.plan_id)

    async def list_plans(
        self,
        *,
        state: str | None,
        area: CountyInfo | None,
        year: int | None,
        coverage: str | None,
        page: int,
        page_size: int,
    ) -> tuple[list[PlanOffer], int]:
        plans, total = await self.page(
            self._plans(state=state, area=area, year=year, coverage=coverage), page=page, page_size=page_size
        )
        return [_offer(p, None) for p in plans], total

    async def offers_in_area(
        self, *, state: str, rating_area: int, year: int, coverages: Sequence[str]
    ) -> list[PlanOffer]:
        """Every plan of `year` with a rate in this rating area, with that rate (R-QUO-2)."""
        stmt = (
            select(Plan, PlanRate.base_rate)
            .join(PlanRate, PlanRate.plan_id == Plan.plan_id)
            .where(
                PlanRate.state == state,
                PlanRate.rating_area == rating_area,
                Plan.state == state,
                Plan.plan_year == year,
                Plan.coverage.in_(list(coverages)),
            )
        )
        return [_offer(p, rate) for p, rate in (await self.session.execute(stmt)).tuples().all()]

    async def any_offered(self, *, state: str, rating_area: int, year: int) -> bool:
        stmt = (
            select(Plan.plan_id)
            .join(PlanRate, PlanRate.plan_id == Plan.plan_id)
            .where(
                PlanRate.state == state,
                PlanRate.rating_area == rating_area,
                Plan.state == state,
                Plan.plan_year == year,
            )
            .limit(1)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def offers(
        self, plan_ids: Sequence[str], areas: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, str, int], PlanOffer]:
        """The plans `plan_ids`, keyed (plan_id, state, rating_area) for each of `areas` (no rate: base_rate None)."""
        ids = sorted(set(plan_ids))
        if not ids or not areas:
            return {}
        plans = {
            p.plan_id: p
            for p in (await self.session.execute(select(Plan).where(Plan.plan_id.in_(ids)))).scalars().all()
        }
        wanted = set(areas)
        rates: dict[tuple[str, str, int], Decimal] = {}
        stmt = select(PlanRate).where(PlanRate.plan_id.in_(ids), PlanRate.state.in_(sorted({s for s, _ in wanted})))
        for r in (await self.session.execute(stmt)).scalars().all():
            if (r.state, r.rating_area) in wanted:
                rates[(r.plan_id, r.state, r.rating_area)] = r.base_rate
        return {
            (pid, state, area): _offer(plan, rates.get((pid, state, area)))
            for pid, plan in plans.items()
            for state, area in wanted
        }

    # --- quotes (R-BOOK-1: always loaded through the producer's book) ------------------------------------

    def _mine(self, producer_id: int) -> Select[Any]:
        return select(Quote).where(Quote.producer_id == producer_id)

    async def get_for_producer(self, quote_id: int, producer_id: int, *, for_update: bool = False) -> Quote | None:
        stmt = self._mine(producer_id).where(Quote.id == quote_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list_for_producer(
        self, producer_id: int, *, prospect_id: int | None, page: int, page_size: int
    ) -> tuple[list[tuple[Quote, str]], int]:
        """Saved quotes, newest first, each with the username of who created it (producer or delegate)."""
        base = self._mine(producer_id)
        if prospect_id is not None:
            base = base.where(Quote.prospect_id == prospect_id)
        total = (await self.session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
        stmt = (
            select(Quote, User.username)
            .join(User, User.id == Quote.created_by_id)
            .where(Quote.producer_id == producer_id)
            .order_by(Quote.created_at.desc(), Quote.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        if prospect_id is not None:
            stmt = stmt.where(Quote.prospect_id == prospect_id)
        rows = (await self.session.execute(stmt)).tuples().all()
        return [(q, name) for q, name in rows], int(total)

    async def username(self, user_id: int) -> str | None:
        return (await self.session.execute(select(User.username).where(User.id == user_id))).scalar_one_or_none()
