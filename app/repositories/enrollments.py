"""Applications and payments: every query scoped to the producer's book."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.domain.payments import LIVE_STATUSES, SUCCESSFUL, LivePaymentRefused
from app.repositories.base import RepositoryBase
from app.repositories.orm import (
    Application,
    County,
    DelegateState,
    MedicalGroup,
    MedicalGroupNetwork,
    Member,
    Payment,
    Plan,
    PlanRate,
    Policy,
    PolicyMember,
    StateRegistration,
    User,
)


class ApplicationRepository(RepositoryBase[Application]):
    model = Application

    async def get_in_book(
        self, application_id: int, producer_id: int, *, for_update: bool = False
    ) -> Application | None:
        stmt = select(Application).where(Application.id == application_id, Application.producer_id == producer_id)
        if for_update:  # the row as it is once locked, even if this session read it before
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def delete(self, app: Application) -> None:
        """Remove an (unsubmitted) application; its row goes at the next flush or commit."""
        await self.session.delete(app)

    async def list_in_book(
        self, producer_id: int, *, statuses: Sequence[str], now: datetime, page: int, page_size: int
    ) -> tuple[list[Application], int]:
        stmt = (
            select(Application)
            .where(
                Application.producer_id == producer_id,
                Application.status.in_(list(statuses)),
                or_(Application.status == "submitted", Application.expires_at > now),
            )
            .order_by(Application.updated_at.desc(), Application.id.desc())
        )
        return await self.page(stmt, page=page, page_size=page_size)

    async def incomplete_for_quote(self, producer_id: int, quote_id: int, now: datetime) -> Application | None:
        stmt = (
            select(Application)
            .where(
                Application.producer_id == producer_id,
                Application.quote_id == quote_id,
                Application.status == "incomplete",
                Application.expires_at > now,
            )
            .order_by(Application.updated_at.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def producer_numbers(self, producer_id: int) -> dict[str, str]:
        """The producer's active writing numbers -> state (R-ENR-3)."""
        stmt = select(StateRegistration.agent_unique_id, StateRegistration.state).where(
            StateRegistration.user_id == producer_id, StateRegistration.status == "active"
        )
        return {n: s for n, s in (await self.session.execute(stmt)).all()}

    async def producer(self, producer_id: int) -> User | None:
        return await self.session.get(User, producer_id)

    async def delegate_states(self, delegate_id: int) -> frozenset[str]:
        stmt = select(DelegateState.state).where(DelegateState.delegate_id == delegate_id)
        return frozenset((await self.session.execute(stmt)).scalars().all())

    async def plans(self, plan_ids: Sequence[str]) -> dict[str, Plan]:
        ids = [p for p in plan_ids if p]
        if not ids:
            return {}
        return {p.plan_id: p for p in (await self.session.execute(select(Plan).where(Plan.plan_id.in_(ids)))).scalars()}

    async def rating_area(self, zip_code: str, county: str | None) -> tuple[str, int] | None:
        stmt = select(County.state, County.rating_area, County.name).where(County.zip_code == zip_code[:5])
        rows = (await self.session.execute(stmt)).all()
        if county:
            wanted = county.lower().removesuffix(" county")
            rows = [r for r in rows if r.name.lower().removesuffix(" county") == wanted] or []
        return (rows[0].state, rows[0].rating_area) if len(rows) == 1 else None

    async def counties_for_zip(self, zip_code: str) -> tuple[tuple[str, str], ...]:
        """(county name, state) of every county the reference table lists for a zip code."""
        stmt = select(County.name, County.state).where(County.zip_code == zip_code[:5]).order_by(County.name)
        return tuple((n, st) for n, st in (await self.session.execute(stmt)).all())

    async def rates(self, plan_ids: Sequence[str], state: str, rating_area: int) -> dict[str, Any]:
        ids = [p for p in plan_ids if p]
        if not ids:
            return {}
        stmt = select(PlanRate.plan_id, PlanRate.base_rate).where(
            PlanRate.plan_id.in_(ids), PlanRate.state == state, PlanRate.rating_area == rating_area
        )
        return {pid: rate for pid, rate in (await self.session.execute(stmt)).all()}

    async def provider_networks(self, numbers: Sequence[str]) -> dict[str, frozenset[str]]:
        nums = [n for n in numbers if n]
        if not nums:
            return {}
        stmt = (
            select(MedicalGroup.medical_group_number, MedicalGroup.pcp_number, MedicalGroupNetwork.network_code)
            .join(MedicalGroupNetwork, MedicalGroupNetwork.medical_group_id == MedicalGroup.id)
            .where(or_(MedicalGroup.medical_group_number.in_(nums), MedicalGroup.pcp_number.in_(nums)))
        )
        out: dict[str, set[str]] = {}
        for group_number, pcp_number, network in (await self.session.execute(stmt)).all():
            for n in (group_number, pcp_number):
                if n in nums:
                    out.setdefault(n, set()).add(network)
        return {k: frozenset(v) for k, v in out.items()}

    async def has_active_coverage(self, *, first_name: str, last_name: str, date_of_birth: date, on: date) -> bool:
        """The carrier-wide duplicate check of the simulated enrollment gateway (R-ENR-15)."""
        stmt = (
            select(func.count())
            .select_from(Member)
            .join(PolicyMember, PolicyMember.member_id == Member.id)
            .join(Policy, Policy.id == PolicyMember.policy_id)
            .where(
                func.lower(Member.first_name) == first_name.lower(),
                func.lower(Member.last_name) == last_name.lower(),
                Member.date_of_birth == date_of_birth,
                Policy.status.in_(("Active", "Grace Period")),
                Policy.coverage_effective_date <= on,
                or_(Policy.termination_date.is_(None), Policy.termination_date >= on),
            )
        )
        return bool((await self.session.execute(stmt)).scalar_one())


# uq_payments_application_live, as each database names it when it refuses a row: PostgreSQL names the index,
# SQLite the indexed column.
_LIVE_PAYMENT_INDEX = ("uq_payments_application_live", "payments.application_id")


class PaymentRepository(RepositoryBase[Payment]):
    model = Payment

    async def add_live(self, payment: Payment) -> Payment:
        """Insert a new (live) payment now. LivePaymentRefused when the database refuses it as the application's
        second live payment (uq_payments_application_live); the transaction is then unusable: the caller lets the
        unit of work roll back."""
        self.session.add(payment)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            if not any(name in str(exc.orig) for name in _LIVE_PAYMENT_INDEX):
                raise
            raise LivePaymentRefused(
                "This conflicts with data that already exists (it may have just been created)."
            ) from exc
        return payment

    async def get_in_book(self, payment_id: int, producer_id: int, *, for_update: bool = False) -> Payment | None:
        stmt = select(Payment).where(Payment.id == payment_id, Payment.producer_id == producer_id)
        if for_update:  # the row as it is once locked, even if this session read it before
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def live_for_application(self, application_id: int) -> Payment | None:
        """The application's Pending or Successful payment (at most one: uq_payments_application_live)."""
        stmt = (
            select(Payment)
            .where(Payment.application_id == application_id, Payment.status.in_(LIVE_STATUSES))
            .order_by(Payment.id)
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def successful_for_application(self, application_id: int) -> int | None:
        stmt = (
            select(Payment.id)
            .where(Payment.application_id == application_id, Payment.status == SUCCESSFUL)
            .order_by(Payment.id)
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()
