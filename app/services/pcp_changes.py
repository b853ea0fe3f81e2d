"""Provider lookup and PCP changes (R-PCP-1 .. R-PCP-8)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from app.domain.accounts import Principal
from app.domain.dates import OPEN_END_DATE
from app.domain.errors import NotFound
from app.domain.id_cards import CardLine
from app.domain.pcp import (
    Assignment,
    MemberOnPolicy,
    PcpChangeRejected,
    PolicyInfo,
    ProviderInfo,
    RequestedMember,
    Validation,
    end_of_previous,
    validate_change,
)
from app.ports import HasClock, HasSettings, HasUnitOfWork
from app.repositories.orm import MedicalGroup, PcpAssignment, PcpChange, PcpChangeMember
from app.services import audit
from app.services.audit import RequestContext
from app.services.id_cards import IdCardPorts, create_cards


class PcpPorts(IdCardPorts, HasUnitOfWork, HasClock, HasSettings, Protocol):
    """What the PCP change services use (and the ID card service they call)."""


@dataclass(frozen=True)
class PcpChangeRequest:
    account_number: str
    policy_id: int
    provider_number: str
    effective_date: date
    term_date: date | None
    members: list[RequestedMember]
    accept_warnings: bool
    dry_run: bool


@dataclass
class PcpChangeResult:
    """A dry run's validation, or a finished change (its id and the ID card request it made, R-PCP-8)."""

    validation: Validation
    change_id: int | None = None
    id_card_request_ids: list[int] = field(default_factory=list)


async def list_providers(
    *,
    ctx: PcpPorts,
    number: str | None,
    name: str | None,
    network: str | None,
    zip_code: str | None,
    page: int,
    page_size: int,
) -> tuple[list[tuple[MedicalGroup, list[str]]], int]:
    async with ctx.uow() as uow:
        groups, total = await uow.servicing.list_providers(
            number=number, name=name, network=network, zip_code=zip_code, page=page, page_size=page_size
        )
        nets = await uow.servicing.networks_for([g.id for g in groups])
        return [(g, nets[g.id]) for g in groups], total


def _assignment(a: PcpAssignment, g: MedicalGroup) -> Assignment:
    return Assignment(
        medical_group_id=g.id,
        medical_group_number=g.medical_group_number,
        medical_group_name=g.medical_group_name,
        effective_date=a.effective_date,
        term_date=a.term_date,
        reason=a.reason,
        end_reason=a.end_reason,
        assigned_by=a.assigned_by,
        request_received_date=a.request_received_date,
    )


async def change_pcp(
    *, ctx: PcpPorts, principal: Principal, req: PcpChangeRequest, request: RequestContext
) -> PcpChangeResult:
    """R-PCP-8: a dry run validates and shows current vs updated; finishing commits every member at once."""
    producer_id = principal.book_id
    now = ctx.clock.now()
    today = now.date()
    assigned_by = f"{principal.first_name} {principal.last_name} (producer)"
    async with ctx.uow() as uow:
        found = await uow.servicing.policy_in_book(
            producer_id, req.account_number, req.policy_id, for_update=not req.dry_run
        )
        if found is None:
            raise NotFound(
                f"Policy {req.policy_id} is not on account {req.account_number} in your book of business.",
                field="policy_id",
            )
        account, policy, plan = found
        covered = await uow.servicing.covered_members(policy.id)
        history: dict[int, list[Assignment]] = {}
        for a, g in await uow.servicing.pcp_history(policy.id):
            history.setdefault(a.member_id, []).append(_assignment(a, g))
        members = {
            m.id: MemberOnPolicy(
                member_id=m.id,
                name=f"{m.first_name} {m.last_name} ({m.relationship})",
                relationship=m.relationship,
                coverage_start=pm.coverage_start,
                coverage_end=pm.coverage_end,
                history=tuple(history.get(m.id, ())),
            )
            for m, pm in covered
        }
        found_provider = await uow.servicing.provider_by_number(req.provider_number)
        provider = (
            None
            if found_provider is None
            else ProviderInfo(
                medical_group_id=found_provider[0].id,
                medical_group_number=found_provider[0].medical_group_number,
                medical_group_name=found_provider[0].medical_group_name,
                accepting_new_patients=found_provider[0].accepting_new_patients,
                networks=frozenset(found_provider[1]),
            )
        )
        validation = validate_change(
            policy=PolicyInfo(
                policy.id,
                plan.state,
                policy.status,
                policy.requires_pcp,
                plan.network_code,
                policy.coverage_effective_date,
                policy.termination_date,
            ),
            members=members,
            requested=req.members,
            provider=provider,
            provider_number=req.provider_number,
            effective_date=req.effective_date,
            term_date=req.term_date,
            today=today,
            first_of_month_states=frozenset(ctx.settings.pcp_first_of_month_states),
            assigned_by=assigned_by,
            new_enrollee_days=ctx.settings.pcp_new_enrollee_days,
        )
        if req.dry_run:
            return PcpChangeResult(validation)
        if not validation.valid:
            raise PcpChangeRejected(
                "The PCP change has errors; fix them and validate again.", code="pcp.invalid", validation=validation
            )
        if validation.warnings and not req.accept_warnings:  # R-PCP-7
            raise PcpChangeRejected(
                "Accept the warnings (accept_warnings: true) or change the effective date.",
                code="pcp.warnings_not_accepted",
                field="accept_warnings",
                validation=validation,
            )
        assert provider is not None
        change = PcpChange(
            producer_id=producer_id,
            requested_by_id=principal.user_id,
            account_id=account.id,
            policy_id=policy.id,
            medical_group_id=provider.medical_group_id,
            effective_date=req.effective_date,
            term_date=OPEN_END_DATE,
            warnings_accepted=[w.code for w in validation.warnings] or None,
            created_at=now,
        )
        uow.servicing.add(change)
        await uow.flush()
        ids = [m.member_id for m in req.members]
        current = {
            a.member_id: a
            for a in await uow.servicing.current_assignments_for_update(policy.id, ids, req.effective_date)
            if a.effective_date < req.effective_date
        }
        for m in req.members:
            previous = current.get(m.member_id)
            if previous is not None:  # R-PCP-6: the current one ends the day before
                previous.term_date = end_of_previous(req.effective_date)
                previous.end_reason = m.reason
            new = PcpAssignment(
                member_id=m.member_id,
                policy_id=policy.id,
                medical_group_id=provider.medical_group_id,
                effective_date=req.effective_date,
                term_date=OPEN_END_DATE,
                reason=m.reason,
                end_reason=None,
                assigned_by=assigned_by,
                request_received_date=today,
                change_id=change.id,
                created_at=now,
            )
            uow.servicing.add(new)
            await uow.flush()
            uow.servicing.add(
                PcpChangeMember(
                    change_id=change.id,
                    member_id=m.member_id,
                    reason=m.reason,
                    previous_assignment_id=previous.id if previous else None,
                    new_assignment_id=new.id,
                )
            )
        # R-PCP-8: new permanent ID cards for every changed member, in the same transaction.
        cards = await create_cards(
            uow,
            producer_id=producer_id,
            requested_by=principal.user_id,
            account=account,
            policy=policy,
            kind="permanent",
            lines=[CardLine(i, 1) for i in ids],
            source="pcp_change",
            now=now,
            pcp_change_id=change.id,
        )
        audit.record(
            uow,
            now=now,
            request=request,
            action="member.pcp_changed",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="account",
            target_id=account.account_number,
            details={"pcp_change_id": change.id, "members": len(ids), "medical_group": provider.medical_group_number},
        )
        await uow.commit()
        return PcpChangeResult(validation, change.id, [cards.id])


async def get_change(*, ctx: PcpPorts, principal: Principal, change_id: int) -> dict[str, Any]:
    producer_id = principal.book_id
    async with ctx.uow() as uow:
        found = await uow.servicing.pcp_change(producer_id, change_id)
        if found is None:
            raise NotFound(f"PCP change {change_id} not found.")
        return _change_view(*found, (await uow.servicing.pcp_change_members([change_id]))[change_id])


async def list_changes(
    *, ctx: PcpPorts, principal: Principal, account_number: str | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    producer_id = principal.book_id
    async with ctx.uow() as uow:
        rows, total = await uow.servicing.list_pcp_changes(
            producer_id, account_number=account_number, page=page, page_size=page_size
        )
        members = await uow.servicing.pcp_change_members([c.id for c, _, _ in rows])
        return [_change_view(c, a, g, members[c.id]) for c, a, g in rows], total


def _change_view(change: PcpChange, account: Any, group: MedicalGroup, members: list[Any]) -> dict[str, Any]:
    return {
        "id": change.id,
        "account_number": account.account_number,
        "policy_id": str(change.policy_id),
        "medical_group_number": group.medical_group_number,
        "medical_group_name": group.medical_group_name,
        "effective_date": change.effective_date,
        "term_date": change.term_date,
        "created_at": change.created_at,
        "warnings_accepted": change.warnings_accepted or [],
        "members": [
            {
                "member_id": str(m.id),
                "name": f"{m.first_name} {m.last_name}",
                "relationship": m.relationship,
                "reason": cm.reason,
            }
            for cm, m in members
        ],
    }


async def member_history(
    *, ctx: PcpPorts, principal: Principal, account_number: str, member_id: int
) -> list[dict[str, Any]]:
    """Every PCP assignment of one member of your book, oldest first, on every PCP policy."""
    producer_id = principal.book_id
    async with ctx.uow() as uow:
        account = await uow.servicing.account_in_book(producer_id, account_number)
        members = await uow.servicing.members_by_id([member_id])
        if account is None or member_id not in members or members[member_id].account_id != account.id:
            raise NotFound(f"Member {member_id} is not on account {account_number} in your book of business.")
        return [
            {
                "policy_id": str(a.policy_id),
                "medical_group_number": g.medical_group_number,
                "medical_group_name": g.medical_group_name,
                "effective_date": a.effective_date,
                "term_date": a.term_date,
                "reason": a.reason,
                "end_reason": a.end_reason,
                "assigned_by": a.assigned_by,
                "request_received_date": a.request_received_date,
            }
            for a, g in await uow.servicing.member_pcp_history(account.id, member_id)
        ]
