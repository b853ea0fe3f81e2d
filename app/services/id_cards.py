"""ID card requests (R-ID-1 .. R-ID-5): permanent cards are recorded for mailing, temporary ones are PDFs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.adapters.id_card_pdf import CardData, render_cards
from app.domain.accounts import Principal
from app.domain.errors import Conflict, NotFound
from app.domain.id_cards import CardLine, CardPolicy, carrier_for, plan_cards
from app.domain.webhooks import EventType
from app.ports import HasClock, HasPdf, HasSettings, HasUnitOfWork, HasWebhooks
from app.repositories.orm import Account, IdCardRequest, IdCardRequestItem, Member, Plan, Policy
from app.repositories.uow import UnitOfWork
from app.services import audit
from app.services.audit import RequestContext


class IdCardPorts(HasUnitOfWork, HasClock, HasSettings, HasWebhooks, HasPdf, Protocol):
    """What the ID card services use."""


POLICY_NOT_FOUND = "Policy {} is not on account {} in your book of business."


@dataclass
class CardRequestView:
    request: IdCardRequest
    account: Account
    policy: Policy
    items: list[tuple[IdCardRequestItem, Member]]


async def create_cards(
    uow: UnitOfWork,
    *,
    producer_id: int,
    requested_by: int,
    account: Account,
    policy: Policy,
    kind: str,
    lines: list[CardLine],
    source: str,
    now,
    pcp_change_id: int | None = None,  # type: ignore[no-untyped-def]
) -> IdCardRequest:
    """Record a request and its card lines (used by ID card requests and by PCP changes, R-PCP-8)."""
    request = IdCardRequest(
        producer_id=producer_id,
        requested_by_id=requested_by,
        account_id=account.id,
        policy_id=policy.id,
        kind=kind,
        status="Generated" if kind == "temporary" else "Requested",
        source=source,
        pcp_change_id=pcp_change_id,
        requested_at=now,
    )
    uow.servicing.add(request)
    await uow.flush()
    for line in lines:
        uow.servicing.add(IdCardRequestItem(request_id=request.id, member_id=line.member_id, quantity=line.quantity))
    return request


async def request_cards(
    *,
    ctx: IdCardPorts,
    principal: Principal,
    account_number: str,
    policy_id: int,
    kind: str,
    member_ids: list[int],
    quantity: int | None,
    request: RequestContext,
) -> CardRequestView:
    producer_id = principal.book_id
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        found = await uow.servicing.policy_in_book(producer_id, account_number, policy_id)
        if found is None:
            raise NotFound(POLICY_NOT_FOUND.format(policy_id, account_number), field="policy_id")
        account, policy, _plan = found
        covered = await uow.servicing.covered_members(policy.id)
        today = now.date()
        active = {m.id for m, pm in covered if pm.coverage_end is None or pm.coverage_end >= today}
        primary = next((m.id for m, _ in covered if m.relationship == "primary"), None)
        if primary is None:
            raise Conflict(
                "This policy has no primary insured on record; call Producer Services.", code="id_card.no_primary"
            )
        lines = plan_cards(
            kind=kind,
            policy=CardPolicy(policy.status, policy.exchange, policy.requires_pcp, policy.application_submitted_at),
            member_ids=member_ids,
            quantity=quantity,
            covered_member_ids=active,
            primary_member_id=primary,
            now=now,
            max_copies=ctx.settings.id_card_max_copies,
            time_zone=ctx.settings.display_time_zone,
        )
        card_request = await create_cards(
            uow,
            producer_id=producer_id,
            requested_by=principal.user_id,
            account=account,
            policy=policy,
            kind=kind,
            lines=lines,
            source="producer",
            now=now,
        )
        audit.record(
            uow,
            now=now,
            request=request,
            action=f"id_card.{kind}_requested",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="account",
            target_id=account_number,
            details={"policy_id": policy.id, "cards": len(lines)},
        )
        if card_request.status == "Generated":  # a temporary card is ready at once; permanent ones are mailed
            await ctx.webhooks.emit(
                uow,
                producer_id=producer_id,
                event_type=EventType.id_card_ready,
                data={
                    "id_card_request_id": card_request.id,
                    "account_number": account_number,
                    "requested_at": now.isoformat(),
                },
            )
        await uow.commit()
        items = (await uow.servicing.card_items([card_request.id]))[card_request.id]
        return CardRequestView(card_request, account, policy, items)


async def get_request(*, ctx: IdCardPorts, principal: Principal, request_id: int) -> CardRequestView:
    producer_id = principal.book_id
    async with ctx.uow() as uow:
        found = await uow.servicing.card_request(producer_id, request_id)
        if found is None:
            raise NotFound(f"ID card request {request_id} not found.")
        req, account, policy, _plan = found
        return CardRequestView(req, account, policy, (await uow.servicing.card_items([req.id]))[req.id])


async def list_requests(
    *, ctx: IdCardPorts, principal: Principal, account_number: str | None, page: int, page_size: int
) -> tuple[list[CardRequestView], int]:
    producer_id = principal.book_id
    async with ctx.uow() as uow:
        rows, total = await uow.servicing.list_card_requests(
            producer_id, account_number=account_number, page=page, page_size=page_size
        )
        items = await uow.servicing.card_items([r.id for r, _, _ in rows])
        return [CardRequestView(r, a, p, items[r.id]) for r, a, p in rows], total


async def temporary_card_pdf(
    *, ctx: IdCardPorts, principal: Principal, request_id: int, request: RequestContext
) -> tuple[bytes, str]:
    """R-ID-5: one page per card; a PHI read, so audit-logged (R-MEM-6). Returns (pdf, file name)."""
    ctx.pdf.check_capacity()  # issue 19: a full render pool answers 429 before any database work
    producer_id = principal.book_id
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        found = await uow.servicing.card_request(producer_id, request_id)
        if found is None:
            raise NotFound(f"ID card request {request_id} not found.")
        req, account, policy, plan = found
        if req.kind != "temporary":
            raise Conflict("Permanent cards are mailed; only temporary cards have a PDF.", code="id_card.not_temporary")
        items = (await uow.servicing.card_items([req.id]))[req.id]
        pcps = (
            await uow.servicing.current_pcp_for(policy.id, [m.id for _, m in items], now.date())
            if policy.requires_pcp
            else {}
        )
        cards = [
            _card(account, policy, plan, member, pcps.get(member.id))
            for item, member in items
            for _ in range(item.quantity)
        ]
        audit.record(
            uow,
            now=now,
            request=request,
            action="member.id_card_pdf",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="account",
            target_id=account.account_number,
            details={"id_card_request_id": req.id, "pages": len(cards)},
        )
        await uow.commit()
    pdf = await ctx.pdf.render(render_cards, cards)  # issue 19: in a worker process
    return pdf, f"temporary-id-card-{account.account_number}-{req.id}.pdf"


def _card(account: Account, policy: Policy, plan: Plan, member: Member, pcp) -> CardData:  # type: ignore[no-untyped-def]
    return CardData(
        carrier=carrier_for(plan.state),
        plan_name=policy.product_name,
        network_type=policy.network_type,
        coverage=policy.coverage,
        member_name=f"{member.first_name} {member.last_name}",
        member_id=f"{account.account_number}-{member.suffix}",
        relationship=member.relationship,
        group_number=policy.group_number,
        effective_date=policy.coverage_effective_date,
        customer_service_phone=plan.customer_service_phone,
        pcp_name=pcp.physician_name if pcp else None,
        pcp_group=pcp.medical_group_number if pcp else None,
        pcp_phone=pcp.phone if pcp else None,
        rx_bin=plan.rx_bin,
        rx_pcn=plan.rx_pcn,
        rx_group=plan.rx_group,
    )
