"""Queries for ID cards, the provider directory and PCP changes; every one scoped to the producer's book."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_, select

from app.repositories.base import RepositoryBase
from app.repositories.like import contains_pattern, like_text
from app.repositories.orm import (
    Account,
    Base,
    IdCardRequest,
    IdCardRequestItem,
    MedicalGroup,
    MedicalGroupNetwork,
    Member,
    PcpAssignment,
    PcpChange,
    PcpChangeMember,
    Plan,
    Policy,
    PolicyMember,
)

R = TypeVar("R", bound=Base)


class ServicingRepository(RepositoryBase[PcpChange]):
    """ID card requests and PCP changes (their rows and items), the policies and members they are for."""

    model = PcpChange

    # --- book -------------------------------------------------------------------------------------------
    async def policy_in_book(
        self, producer_id: int, account_number: str, policy_id: int, *, for_update: bool = False
    ) -> tuple[Account, Policy, Plan] | None:
        stmt = (
            select(Account, Policy, Plan)
            .join(Policy, Policy.account_id == Account.id)
            .join(Plan, Plan.plan_id == Policy.plan_id)
            .where(
                Account.account_number == account_number,
                Account.producer_id == producer_id,
                Policy.id == policy_id,
                Policy.producer_id == producer_id,
            )
        )
        if for_update:
            stmt = stmt.with_for_update(of=Policy)
        row = (await self.session.execute(stmt)).first()
        return (row[0], row[1], row[2]) if row else None

    async def account_in_book(self, producer_id: int, account_number: str) -> Account | None:
        stmt = select(Account).where(Account.account_number == account_number, Account.producer_id == producer_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def covered_members(self, policy_id: int) -> list[tuple[Member, PolicyMember]]:
        stmt = (
            select(Member, PolicyMember)
            .join(PolicyMember, PolicyMember.member_id == Member.id)
            .where(PolicyMember.policy_id == policy_id)
            .order_by(Member.suffix)
        )
        return [(m, pm) for m, pm in (await self.session.execute(stmt)).all()]

    async def members_by_id(self, ids: Sequence[int]) -> dict[int, Member]:
        if not ids:
            return {}
        rows = (await self.session.execute(select(Member).where(Member.id.in_(list(ids))))).scalars().all()
        return {m.id: m for m in rows}

    async def pcp_history(
        self, policy_id: int, member_ids: Sequence[int] | None = None
    ) -> list[tuple[PcpAssignment, MedicalGroup]]:
        stmt = (
            select(PcpAssignment, MedicalGroup)
            .join(MedicalGroup, MedicalGroup.id == PcpAssignment.medical_group_id)
            .where(PcpAssignment.policy_id == policy_id)
            .order_by(PcpAssignment.member_id, PcpAssignment.effective_date, PcpAssignment.id)
        )
        if member_ids is not None:
            stmt = stmt.where(PcpAssignment.member_id.in_(list(member_ids)))
        return [(a, g) for a, g in (await self.session.execute(stmt)).all()]

    async def member_pcp_history(self, account_id: int, member_id: int) -> list[tuple[PcpAssignment, MedicalGroup]]:
        """All PCP assignments of one member on the account's policies, oldest first (one query)."""
        stmt = (
            select(PcpAssignment, MedicalGroup)
            .join(MedicalGroup, MedicalGroup.id == PcpAssignment.medical_group_id)
            .join(Policy, Policy.id == PcpAssignment.policy_id)
            .where(Policy.account_id == account_id, PcpAssignment.member_id == member_id)
            .order_by(PcpAssignment.effective_date, PcpAssignment.policy_id, PcpAssignment.id)
        )
        return [(a, g) for a, g in (await self.session.execute(stmt)).all()]

    async def current_assignments_for_update(
        self, policy_id: int, member_ids: Sequence[int], on: date
    ) -> list[PcpAssignment]:
        stmt = (
            select(PcpAssignment)
            .where(
                PcpAssignment.policy_id == policy_id,
                PcpAssignment.member_id.in_(list(member_ids)),
                PcpAssignment.term_date >= on,
            )
            .with_for_update()
        )
        return list((await self.session.execute(stmt)).scalars().all())

    # --- provider directory -------------------------------------------------------------------------------
    async def provider_by_number(self, number: str) -> tuple[MedicalGroup, list[str]] | None:
        """R-PCP-2: a Medical Group, PCP, PCPA or NPI number."""
        stmt = (
            select(MedicalGroup)
            .where(
                or_(
                    MedicalGroup.medical_group_number == number,
                    MedicalGroup.pcp_number == number,
                    MedicalGroup.pcpa_number == number,
                    MedicalGroup.npi == number,
                )
            )
            .order_by(MedicalGroup.id)
            .limit(1)
        )
        group = (await self.session.execute(stmt)).scalar_one_or_none()
        if group is None:
            return None
        return group, (await self.networks_for([group.id]))[group.id]

    async def networks_for(self, group_ids: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {g: [] for g in group_ids}
        if group_ids:
            stmt = (
                select(MedicalGroupNetwork.medical_group_id, MedicalGroupNetwork.network_code)
                .where(MedicalGroupNetwork.medical_group_id.in_(list(group_ids)))
                .order_by(MedicalGroupNetwork.network_code)
            )
            for gid, code in (await self.session.execute(stmt)).all():
                out[gid].append(code)
        return out

    async def list_providers(
        self,
        *,
        number: str | None,
        name: str | None,
        network: str | None,
        zip_code: str | None,
        page: int,
        page_size: int,
    ) -> tuple[list[MedicalGroup], int]:
        stmt: Any = select(MedicalGroup)
        if number:
            stmt = stmt.where(
                or_(
                    MedicalGroup.medical_group_number == number,
                    MedicalGroup.pcp_number == number,
                    MedicalGroup.pcpa_number == number,
                    MedicalGroup.npi == number,
                )
            )
        if name:
            pattern = contains_pattern(name.lower())
            stmt = stmt.where(
                or_(
                    like_text(func.lower(MedicalGroup.medical_group_name), pattern),
                    like_text(func.lower(MedicalGroup.physician_name), pattern),
                )
            )
        if network:
            stmt = stmt.where(
                MedicalGroup.id.in_(
                    select(MedicalGroupNetwork.medical_group_id).where(MedicalGroupNetwork.network_code == network)
                )
            )
        if zip_code:
            stmt = stmt.where(MedicalGroup.zip_code == zip_code)
        total = (await self.session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
        rows = (
            (
                await self.session.execute(
                    stmt.order_by(MedicalGroup.medical_group_name, MedicalGroup.id)
                    .limit(page_size)
                    .offset((page - 1) * page_size)
                )
            )
            .scalars()
            .all()
        )
        return list(rows), int(total)

    # --- ID card requests -----------------------------------------------------------------------------------
    def add(self, obj: R) -> R:
        """Any row of the servicing tables (card requests and their items, PCP changes, assignments)."""
        self.session.add(obj)
        return obj

    async def card_request(
        self, producer_id: int, request_id: int
    ) -> tuple[IdCardRequest, Account, Policy, Plan] | None:
        stmt = (
            select(IdCardRequest, Account, Policy, Plan)
            .join(Account, Account.id == IdCardRequest.account_id)
            .join(Policy, Policy.id == IdCardRequest.policy_id)
            .join(Plan, Plan.plan_id == Policy.plan_id)
            .where(IdCardRequest.id == request_id, IdCardRequest.producer_id == producer_id)
        )
        row = (await self.session.execute(stmt)).first()
        return (row[0], row[1], row[2], row[3]) if row else None

    async def card_items(self, request_ids: Sequence[int]) -> dict[int, list[tuple[IdCardRequestItem, Member]]]:
        out: dict[int, list[tuple[IdCardRequestItem, Member]]] = {r: [] for r in request_ids}
        if request_ids:
            stmt = (
                select(IdCardRequestItem, Member)
                .join(Member, Member.id == IdCardRequestItem.member_id)
                .where(IdCardRequestItem.request_id.in_(list(request_ids)))
                .order_by(IdCardRequestItem.id)
            )
            for item, member in (await self.session.execute(stmt)).all():
                out[item.request_id].append((item, member))
        return out

    async def list_card_requests(
        self, producer_id: int, *, account_number: str | None, page: int, page_size: int
    ) -> tuple[list[tuple[IdCardRequest, Account, Policy]], int]:
        stmt: Any = (
            select(IdCardRequest, Account, Policy)
            .join(Account, Account.id == IdCardRequest.account_id)
            .join(Policy, Policy.id == IdCardRequest.policy_id)
            .where(IdCardRequest.producer_id == producer_id)
        )
        if account_number:
            stmt = stmt.where(Account.account_number == account_number)
        total = (await self.session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
        rows = (
            await self.session.execute(
                stmt.order_by(IdCardRequest.requested_at.desc(), IdCardRequest.id.desc())
                .limit(page_size)
                .offset((page - 1) * page_size)
            )
        ).all()
        return [(r, a, p) for r, a, p in rows], int(total)

    async def current_pcp_for(self, policy_id: int, member_ids: Sequence[int], on: date) -> dict[int, MedicalGroup]:
        if not member_ids:
            return {}
        stmt = (
            select(PcpAssignment.member_id, MedicalGroup)
            .join(MedicalGroup, MedicalGroup.id == PcpAssignment.medical_group_id)
            .where(
                PcpAssignment.policy_id == policy_id,
                PcpAssignment.member_id.in_(list(member_ids)),
                and_(PcpAssignment.effective_date <= on, PcpAssignment.term_date >= on),
            )
        )
        return {mid: group for mid, group in (await self.session.execute(stmt)).all()}

    # --- PCP changes ------------------------------------------------------------------------------------------
    async def pcp_change(self, producer_id: int, change_id: int) -> tuple[PcpChange, Account, MedicalGroup] | None:
        stmt = (
            select(PcpChange, Account, MedicalGroup)
            .join(Account, Account.id == PcpChange.account_id)
            .join(MedicalGroup, MedicalGroup.id == PcpChange.medical_group_id)
            .where(PcpChange.id == change_id, PcpChange.producer_id == producer_id)
        )
        row = (await self.session.execute(stmt)).first()
        return (row[0], row[1], row[2]) if row else None

    async def pcp_change_members(self, change_ids: Sequence[int]) -> dict[int, list[tuple[PcpChangeMember, Member]]]:
        out: dict[int, list[tuple[PcpChangeMember, Member]]] = {c: [] for c in change_ids}
        if change_ids:
            stmt = (
                select(PcpChangeMember, Member)
                .join(Member, Member.id == PcpChangeMember.member_id)
                .where(PcpChangeMember.change_id.in_(list(change_ids)))
                .order_by(Member.suffix)
            )
            for cm, member in (await self.session.execute(stmt)).all():
                out[cm.change_id].append((cm, member))
        return out

    async def list_pcp_changes(
        self, producer_id: int, *, account_number: str | None, page: int, page_size: int
    ) -> tuple[list[tuple[PcpChange, Account, MedicalGroup]], int]:
        stmt: Any = (
            select(PcpChange, Account, MedicalGroup)
            .join(Account, Account.id == PcpChange.account_id)
            .join(MedicalGroup, MedicalGroup.id == PcpChange.medical_group_id)
            .where(PcpChange.producer_id == producer_id)
        )
        if account_number:
            stmt = stmt.where(Account.account_number == account_number)
        total = (await self.session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
        rows = (
            await self.session.execute(
                stmt.order_by(PcpChange.created_at.desc(), PcpChange.id.desc())
                .limit(page_size)
                .offset((page - 1) * page_size)
            )
        ).all()
        return [(c, a, g) for c, a, g in rows], int(total)
