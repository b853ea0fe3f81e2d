"""Member search, client detail and contact-information changes (R-MEM-2 .. R-MEM-7, R-CIC-1 .. R-CIC-5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.context import AppContext
from app.domain.accounts import Principal
from app.domain.errors import NotFound
from app.domain.members import (
    ContactSnapshot,
    MemberQuery,
    PhoneInput,
    contact_change_effective_at,
    minor_uses_primary_contact,
    plan_contact_change,
    product_type,
)
from app.domain.text import name_key
from app.repositories import members as member_queries
from app.repositories.members import SearchRow
from app.repositories.orm import Account, ContactInfoChange
from app.services import audit
from app.services.audit import RequestContext

NOT_IN_BOOK = "No client with account number {} in your book of business."
PHONE_SLOTS = ("home", "cell", "work", "spouse_cell", "fax")


def _audit_row(
    ctx: AppContext,
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
    ctx: AppContext,
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
    async with ctx.db.read_engine.connect() as conn:
        rows: list[SearchRow]
        if mismatch:
            rows, total = [], 0
        else:
            rows, total = await member_queries.search(
                conn, producer_id, query, sort=sort, page=page, page_size=page_size
            )
        await member_queries.record_reads(
            conn,
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
            ],
        )
    return rows, total


@dataclass
class ClientDetail:
    account: Any
    policies: list[dict[str, Any]] = field(default_factory=list)
    pending_contact_changes: list[dict[str, Any]] = field(default_factory=list)


def _snapshot(account: Any) -> ContactSnapshot:
    return ContactSnapshot(
        phones={s: getattr(account, f"phone_{s}") for s in PHONE_SLOTS},
        email=account.email,
        details=dict(account.phone_details or {}),
    )


def _change_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "requested_at": row.requested_at,
        "effective_at": row.effective_at,
        "current": row.changes.get("current"),
        "updated": row.changes.get("updated"),
    }


async def get_client_detail(
    *, ctx: AppContext, principal: Principal, account_number: str, request: RequestContext
) -> ClientDetail:
    """R-MEM-5: demographics, policies with members and current PCP, pending contact changes.

    A fixed number of queries whatever the family size: account, policies x members, PCPs, changes.
    """
    producer_id = principal.book_id
    now = ctx.clock.now()
    today = now.date()

    async def load(conn: Any) -> tuple[Any, list[Any]]:
        account = await member_queries.account_by_number(conn, producer_id, account_number)
        if account is None:
            raise NotFound(NOT_IN_BOOK.format(account_number))
        return account, await member_queries.contact_changes(conn, account.id)

    async def rest(conn: Any, account_id: int) -> tuple[list[Any], list[Any]]:
        rows = await member_queries.policies_with_members(conn, account_id, producer_id)
        pcps = await member_queries.current_pcps(conn, account_id, today)
        await member_queries.record_reads(
            conn, [_audit_row(ctx, principal, request, "member.detail", account_number, None)]
        )
        return rows, pcps

    # One connection in the usual case; changes that came due first go through their own write transaction.
    async with ctx.db.read_engine.connect() as conn:
        account, changes = await load(conn)
        due = any(c.effective_at <= now for c in changes)
        if not due:
            rows, pcps = await rest(conn, account.id)
    if due:
        await apply_due_contact_changes(ctx=ctx, account_id=account.id)
        async with ctx.db.read_engine.connect() as conn:
            account, changes = await load(conn)
            rows, pcps = await rest(conn, account.id)
    current_pcp: dict[tuple[int, int], Any] = {}
    for row in pcps:
        if row.effective_date <= today or (row.member_id, row.policy_id) not in current_pcp:
            current_pcp[(row.member_id, row.policy_id)] = row
    detail = ClientDetail(account=account, pending_contact_changes=[_change_view(c) for c in changes])
    by_policy: dict[int, dict[str, Any]] = {}
    for r in rows:
        policy = by_policy.get(r.policy_id)
        if policy is None:
            policy = by_policy[r.policy_id] = {
                "policy_id": str(r.policy_id),
                "product_name": r.product_name,
                "coverage": r.coverage,
                "product_type": product_type(r.exchange),
                "network_type": r.network_type,
                "requires_pcp": r.requires_pcp,
                "status": r.status,
                "exchange": r.exchange,
                "group_number": r.group_number,
                "coverage_effective_date": r.coverage_effective_date,
                "paid_to_date": r.paid_to_date,
                "termination_date": r.termination_date,
                "plan_id": r.plan_id,
                "e_app_number": r.e_app_number,
                "client_app_id": r.client_app_id,
                "exchange_assigned_id": r.exchange_assigned_id,
                "pending_application_id": r.pending_application_id,
                "producer_number": r.producer_number,
                "grandfathered": r.grandfathered,
                "temporary_plan": r.temporary_plan,
                "member_count": r.member_count,
                "members": [],
            }
            detail.policies.append(policy)
        assigned = current_pcp.get((r.member_id, r.policy_id)) if r.requires_pcp else None
        uses_primary = minor_uses_primary_contact(r.relationship, r.date_of_birth, today)
        policy["members"].append(
            {
                "member_id": str(r.member_id),
                "member_number": f"{account.account_number}-{r.suffix}",
                "first_name": r.first_name,
                "middle_initial": r.middle_initial,
                "last_name": r.last_name,
                "relationship": r.relationship,
                "date_of_birth": r.date_of_birth,
                "sex": r.sex,
                "coverage_start": r.coverage_start,
                "coverage_end": r.coverage_end,
                "uses_primary_contact": uses_primary,
                "pcp": None
                if assigned is None
                else {
                    "medical_group_number": assigned.medical_group_number,
                    "medical_group_name": assigned.medical_group_name,
                    "pcp_number": assigned.pcp_number,
                    "physician_name": assigned.physician_name,
                    "phone": assigned.phone,
                    "effective_date": assigned.effective_date,
                    "term_date": assigned.term_date,
                },
            }
        )
    return detail


async def request_contact_change(
    *,
    ctx: AppContext,
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


async def apply_due_contact_changes(*, ctx: AppContext, account_id: int | None = None) -> int:
    """R-CIC-4: write the changes whose time has come to the account records. Returns how many."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        due = await uow.contact_changes.due(now)
        if account_id is not None:
            due = [c for c in due if c.account_id == account_id]
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
        await uow.commit()
        return len(due)


def account_address(account: Account | Any) -> dict[str, Any]:
    return {
        "address1": account.address1,
        "address2": account.address2,
        "city": account.city,
        "state": account.state,
        "zip_code": account.zip_code,
        "county": account.county,
    }
