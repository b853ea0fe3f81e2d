"""Carrier processing (issue 14): applications awaiting the carrier, and the book rows an approval writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select, update

from app.repositories.base import RepositoryBase
from app.repositories.orm import (
    Account,
    Application,
    MedicalGroup,
    MedicalGroupNetwork,
    Member,
    PcpAssignment,
    Policy,
    PolicyMember,
)

BookRow = Account | Member | Policy | PolicyMember | PcpAssignment


class CarrierRepository(RepositoryBase[Application]):
    model = Application

    async def application_for_decision(self, application_id: int, *, skip_locked: bool = False) -> Application | None:
        """Any producer's application (the carrier decides for every book), locked: one decision at a time. On
        SQLite the FOR UPDATE opens the transaction with the write lock (app/db.py). `skip_locked` (the periodic
        job): None at once when another transaction holds the row - another instance's pass, or staff deciding by
        hand - instead of waiting for it (PostgreSQL; SQLite has one writer at a time anyway)."""
        stmt = (
            select(Application)
            .where(Application.id == application_id)
            .with_for_update(skip_locked=skip_locked)
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def due_for_decision(
        self, *, submitted_before: datetime, payment_statuses: Sequence[str], limit: int = 100
    ) -> list[int]:
        """Submitted, undecided applications with a settled binder payment, submitted before the given instant."""
        stmt = (
            select(Application.id)
            .where(
                Application.status == "submitted",
                Application.decision.is_(None),
                Application.payment_status.in_(list(payment_statuses)),
                Application.date_submitted <= submitted_before,
            )
            .order_by(Application.date_submitted, Application.id)
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def account_in_book(self, producer_id: int, account_number: str) -> Account | None:
        stmt = (
            select(Account)
            .where(Account.account_number == account_number, Account.producer_id == producer_id)
            .with_for_update()
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def members_of(self, account_id: int) -> list[Member]:
        stmt = select(Member).where(Member.account_id == account_id).order_by(Member.suffix)
        return list((await self.session.execute(stmt)).scalars().all())

    async def medical_groups_in_network(self, numbers: Sequence[str], network_code: str) -> dict[str, int]:
        """PCP or medical group number -> medical group id, for the groups of these numbers in the network."""
        nums = [n for n in numbers if n]
        if not nums:
            return {}
        stmt = (
            select(MedicalGroup.id, MedicalGroup.medical_group_number, MedicalGroup.pcp_number)
            .join(MedicalGroupNetwork, MedicalGroupNetwork.medical_group_id == MedicalGroup.id)
            .where(
                MedicalGroupNetwork.network_code == network_code,
                (MedicalGroup.medical_group_number.in_(nums)) | (MedicalGroup.pcp_number.in_(nums)),
            )
        )
        out: dict[str, int] = {}
        for gid, group_number, pcp_number in (await self.session.execute(stmt)).all():
            for n in (group_number, pcp_number):
                if n in nums:
                    out.setdefault(n, gid)
        return out

    async def auto_assigned_group(self, network_code: str) -> int | None:
        """R-ENR-11 "none given: auto-assigned by the carrier": the first group accepting new patients."""
        stmt = (
            select(MedicalGroup.id)
            .join(MedicalGroupNetwork, MedicalGroupNetwork.medical_group_id == MedicalGroup.id)
            .where(MedicalGroupNetwork.network_code == network_code, MedicalGroup.accepting_new_patients.is_(True))
            .order_by(MedicalGroup.medical_group_number)
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    def add_row(self, row: BookRow) -> None:
        self.session.add(row)

    async def policies_of_application(self, application_id: int) -> list[Policy]:
        stmt = select(Policy).where(Policy.application_id == application_id).order_by(Policy.id)
        return list((await self.session.execute(stmt)).scalars().all())

    async def binder_paid(self, application_id: int, *, paid_to: date) -> None:
        """R-PAY-4 on the book: the policies an approval wrote have their initial payment, paid to `paid_to`."""
        await self.session.execute(
            update(Policy)
            .where(Policy.application_id == application_id, Policy.initial_payment_received.is_(False))
            .values(initial_payment_received=True, paid_to_date=paid_to)
        )
