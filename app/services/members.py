"""Member search, client detail and contact-information changes (R-MEM-2 .. R-MEM-7, R-CIC-1 .. R-CIC-5)."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from app.domain.accounts import AccountStatus, Principal, Role
from app.domain.errors import NotFound
from app.domain.members import (
    AccountAddress,
    AccountPhones,
    ClientDetail,
    ContactChangeView,
    ContactSnapshot,
    CoveredMember,
    MemberQuery,
    PcpView,
    PhoneInput,
    PolicyDetail,
    contact_change_effective_at,
    minor_uses_primary_contact,
    plan_contact_change,
    product_type,
)
from app.domain.text import name_key
from app.domain.webhooks import EventType
from app.ports import HasClock, HasSettings, HasWebhooks, UnitsOfWork
from app.repositories.members import AuditedSearch, SearchRow
from app.repositories.orm import Account, ContactInfoChange
from app.repositories.uow import UnitOfWork
from app.services import audit
from app.services.audit import RequestContext


class MemberPorts(UnitsOfWork, HasClock, HasSettings, HasWebhooks, Protocol):
    """What the member services use."""


NOT_IN_BOOK = "No client with account number {} in your book of business."
PHONE_SLOTS = ("home", "cell", "work", "spouse_cell", "fax")


def _audit_row(
    ctx: MemberPorts,
    principal: Principal,
    request: RequestContext,
    action: str,
    target_id: str | None,
    details: dict[str, Any] | None,
) -> dict[str, Any]:
    return audit.event_row(
        now=ctx.clock.now(),
        request=request,
        action=action,
        actor_user_id=principal.user_id,
        actor_username=principal.username,
        on_behalf_of_user_id=audit.on_behalf_of(principal),
        target_type="account" if target_id else None,
        target_id=target_id,
        details=details,
    )


async def search_members(
    *,
    ctx: MemberPorts,
    principal: Principal,
    query: MemberQuery,
    sort: tuple[tuple[str, bool], ...],
    page: int,
    page_size: int,
    request: RequestContext,
) -> tuple[list[SearchRow], int]:
    """R-MEM-2/3/4: the book first, then the criteria; every read is audit-logged (R-MEM-6)."""
    producer_id = principal.book_id
    # The producer of record is the caller: a producer-name criterion either matches everything or nothing.
    mismatch = (query.producer_first_name and query.producer_first_name != name_key(principal.first_name)) or (
        query.producer_last_name and query.producer_last_name != name_key(principal.last_name)
    )
    async with ctx.reads() as reads:
        rows: list[SearchRow]
        if mismatch:
            rows, total = [], 0
        else:
            rows, total = await reads.members.search(producer_id, query, sort=sort, page=page, page_size=page_size)
        await reads.audit.insert_rows(
            [
                _audit_row(
                    ctx,
                    principal,
                    request,
                    "member.search",
                    None,
                    {
                        "criteria": query.criteria_names(),
                        "results": total,
                        "accounts": sorted({r.account_number for r in rows}),
                    },
                )
            ]
        )
    return rows, total


def one_statement_reads(ctx: MemberPorts) -> bool:
    """Whether a search's session check, query and audit row can be one statement (issue 19): on PostgreSQL
    without a read replica (the replica cannot take the audit row). SQLite keeps the three statements."""
    return not ctx.settings.is_sqlite and not ctx.settings.read_database_url


async def search_members_in_one_statement(
    *,
    ctx: MemberPorts,
    user_id: int,
    session_id: str,
    query: MemberQuery,
    sort: tuple[tuple[str, bool], ...],
    page_size: int,
    request: RequestContext,
) -> AuditedSearch | None:
    """R-MEM-2/3/4 and R-MEM-6, first page, one round trip (`one_statement_reads`): the session of the access
    token checked, the book searched, the audit row written and durable - or None, nothing read or written, when the
    session may not search (the caller answers through `search_members` and the principal checks then)."""
    now = ctx.clock.now()
    async with ctx.reads() as reads:
        return await reads.members.search_audited(
            user_id,
            query,
            sort=sort,
            page_size=page_size,
            session_id=session_id,
            now=now,
            # who may search (R-MEM-2, R-DEL-9): an active producer; the statement also wants the session live
            # and the password settled, as `app.deps.CurrentProducer` does
            role=Role.producer.value,
            status=AccountStatus.active.value,
            audit={
                "occurred_at": now,
                "ip": request.ip,
                "user_agent": request.user_agent,
                "request_id": request.request_id,
                "criteria": query.criteria_names(),
            },
        )


def _snapshot(account: Any) -> ContactSnapshot:
    return ContactSnapshot(
        phones={s: getattr(account, f"phone_{s}") for s in PHONE_SLOTS},
        email=account.email,
        details=dict(account.phone_details or {}),
    )


def contact_change_view(change: Any) -> ContactChangeView:
    """A change request (a row or a `ContactInfoChange`) as shown: its state and both snapshots."""
    return ContactChangeView(
        id=change.id,
        status=change.status,
        requested_at=change.requested_at,
        effective_at=change.effective_at,
        current=change.changes.get("current"),
        updated=change.changes.get("updated"),
    )


def _pcp_view(assigned: Any) -> PcpView:
    return PcpView(
        medical_group_number=assigned.medical_group_number,
        medical_group_name=assigned.medical_group_name,
        pcp_number=assigned.pcp_number,
        physician_name=assigned.physician_name,
        phone=assigned.phone,
        effective_date=assigned.effective_date,
        term_date=assigned.term_date,
    )


def _policy_detail(r: Any) -> PolicyDetail:
    return PolicyDetail(
        policy_id=str(r.policy_id),
        product_name=r.product_name,
        coverage=r.coverage,
        product_type=product_type(r.exchange),
        network_type=r.network_type,
        requires_pcp=r.requires_pcp,
        status=r.status,
        exchange=r.exchange,
        group_number=r.group_number,
        coverage_effective_date=r.coverage_effective_date,
        paid_to_date=r.paid_to_date,
        termination_date=r.termination_date,
        plan_id=r.plan_id,
        e_app_number=r.e_app_number,
        client_app_id=r.client_app_id,
        exchange_assigned_id=r.exchange_assigned_id,
        pending_application_id=r.pending_application_id,
        producer_number=r.producer_number,
        grandfathered=r.grandfathered,
        temporary_plan=r.temporary_plan,
        member_count=r.member_count,
    )


def _covered_member(r: Any, account_number: str, pcp: PcpView | None, today: date) -> CoveredMember:
    return CoveredMember(
        member_id=str(r.member_id),
        member_number=f"{account_number}-{r.suffix}",
        first_name=r.first_name,
        middle_initial=r.middle_initial,
        last_name=r.last_name,
        relationship=r.relationship,
        date_of_birth=r.date_of_birth,
        sex=r.sex,
        coverage_start=r.coverage_start,
        coverage_end=r.coverage_end,
        uses_primary_contact=minor_uses_primary_contact(r.relationship, r.date_of_birth, today),
        pcp=pcp,
    )


async def get_client_detail(
    *, ctx: MemberPorts, principal: Principal, account_number: str, request: RequestContext
) -> ClientDetail:
    """R-MEM-5: demographics, policies with members and current PCP, pending contact changes.

    A fixed number of queries whatever the family size: account, policies x members, PCPs, changes.
    """
    producer_id = principal.book_id
    now = ctx.clock.now()
    today = now.date()

    async def load(reads: UnitOfWork) -> tuple[Any, list[Any]]:
        account = await reads.members.account_by_number(producer_id, account_number)
        if account is None:
            raise NotFound(NOT_IN_BOOK.format(account_number))
        return account, await reads.members.pending_contact_changes(account.id)

    async def rest(reads: UnitOfWork, account_id: int) -> tuple[list[Any], list[Any]]:
        rows = await reads.members.policies_with_members(account_id, producer_id)
        pcps = await reads.members.current_pcps(account_id, today)
        await reads.audit.insert_rows([_audit_row(ctx, principal, request, "member.detail", account_number, None)])
        return rows, pcps

    # One session in the usual case; changes that came due first go through their own write transaction.
    async with ctx.reads() as reads:
        account, changes = await load(reads)
        due = any(c.effective_at <= now for c in changes)
        if not due:
            rows, pcps = await rest(reads, account.id)
    if due:
        await apply_due_contact_changes(ctx=ctx, account_id=account.id)
        async with ctx.reads(primary=True) as reads:  # read-after-write: not from a replica that may lag
            account, changes = await load(reads)
            rows, pcps = await rest(reads, account.id)
    current_pcp: dict[tuple[int, int], Any] = {}
    for row in pcps:
        if row.effective_date <= today or (row.member_id, row.policy_id) not in current_pcp:
            current_pcp[(row.member_id, row.policy_id)] = row
    policies: list[PolicyDetail] = []
    by_policy: dict[int, PolicyDetail] = {}
    for r in rows:
        policy = by_policy.get(r.policy_id)
        if policy is None:
            policy = by_policy[r.policy_id] = _policy_detail(r)
            policies.append(policy)
        assigned = current_pcp.get((r.member_id, r.policy_id)) if r.requires_pcp else None
        pcp = None if assigned is None else _pcp_view(assigned)
        policy.members.append(_covered_member(r, account.account_number, pcp, today))
    return ClientDetail(
        account_number=account.account_number,
        first_name=account.first_name,
        middle_initial=account.middle_initial,
        last_name=account.last_name,
        date_of_birth=account.date_of_birth,
        ssn_last4=account.ssn_last4,
        address=account_address(account),
        email=account.email,
        phones=AccountPhones(**{slot: getattr(account, f"phone_{slot}") for slot in PHONE_SLOTS}),
        policies=policies,
        pending_contact_changes=[contact_change_view(c) for c in changes],
    )


async def request_contact_change(
    *,
    ctx: MemberPorts,
    principal: Principal,
    account_number: str,
    member_id: int | None,
    phones: list[PhoneInput],
    email: str | None,
    request: RequestContext,
) -> ContactInfoChange:
    """R-CIC-1..4: accepted as pending; applied to the record after the configured delay."""
    producer_id = principal.book_id
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        account = await uow.contact_changes.account_for_update(producer_id, account_number)
        if account is None:
            raise NotFound(NOT_IN_BOOK.format(account_number))
        is_primary = True
        if member_id is not None:
            members = {mem.id: mem for mem in await uow.contact_changes.members_of(account.id)}
            if member_id not in members:
                raise NotFound(f"Member {member_id} is not on account {account_number}.", field="member_id")
            is_primary = members[member_id].relationship == "primary"
        current = _snapshot(account)
        expected = current
        for pending in await uow.contact_changes.pending_for(account.id):
            upd = pending.changes["updated"]
            expected = ContactSnapshot(phones=upd["phones"], email=upd["email"], details=upd.get("details") or {})
        updated = plan_contact_change(expected, phones, email, is_primary=is_primary)
        change = ContactInfoChange(
            account_id=account.id,
            producer_id=producer_id,
            requested_by_id=principal.user_id,
            requested_at=now,
            effective_at=contact_change_effective_at(now, ctx.settings.contact_change_delay_minutes),
            status="pending",
            changes={"current": current.as_dict(), "updated": updated.as_dict()},
        )
        uow.contact_changes.add(change)
        audit.record(
            uow,
            now=now,
            request=request,
            action="member.contact_change_requested",
            actor_user_id=principal.user_id,
            actor_username=principal.username,
            target_type="account",
            target_id=account_number,
        )
        await uow.commit()
        return change


async def apply_due_contact_changes(*, ctx: MemberPorts, account_id: int | None = None) -> int:
    """R-CIC-4: write the changes whose time has come to the account records. Returns how many."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        due = await uow.contact_changes.due(now, account_id=account_id)
        for change in due:
            upd = change.changes["updated"]
            values: dict[str, Any] = {f"phone_{slot}": upd["phones"].get(slot) for slot in PHONE_SLOTS}
            values.update(
                email=upd["email"],
                email_key=(upd["email"] or "").lower() or None,
                phone_details=upd.get("details") or {},
                updated_at=now,
            )
            await uow.contact_changes.apply_to_account(change.account_id, values)
            change.status, change.applied_at = "applied", now
        numbers = await uow.contact_changes.account_numbers([c.account_id for c in due])
        for change in due:  # issue 17: the producer's endpoints hear of it, in the same transaction
            await ctx.webhooks.emit(
                uow,
                producer_id=change.producer_id,
                event_type=EventType.contact_change_applied,
                data={
                    "contact_change_id": change.id,
                    "account_number": numbers[change.account_id],
                    "applied_at": now.isoformat(),
                },
            )
        await uow.commit()
        return len(due)


def account_address(account: Account | Any) -> AccountAddress:
    return AccountAddress(
        address1=account.address1,
        address2=account.address2,
        city=account.city,
        state=account.state,
        zip_code=account.zip_code,
        county=account.county,
    )
