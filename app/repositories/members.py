"""Member search and client detail: SQL-first read queries over the caller's book (R-BOOK-1, R-MEM-2..5).

Hot paths: Core statements on an AUTOCOMMIT connection, one query per search page (the total comes
from a window count), a fixed number of queries per client detail whatever the family size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.domain.members import MemberQuery, prefix_upper_bound
from app.repositories.orm import (
    Account,
    Application,
    AuditEvent,
    ContactInfoChange,
    MedicalGroup,
    Member,
    PcpAssignment,
    Policy,
    PolicyMember,
)

OPEN_ENDED = date(9999, 12, 31)

a = Account.__table__
p = Policy.__table__
m = Member.__table__
pm = PolicyMember.__table__
pcp = PcpAssignment.__table__
mg = MedicalGroup.__table__
cic = ContactInfoChange.__table__
ap = Application.__table__
# Criteria an application can answer (it has no account, phones, email or zip yet).
APPLICATION_CRITERIA = {"first_name_prefix", "last_name_prefix", "ssn_last4", "date_of_birth", "client_app_id",
                        "producer_number", "e_app_number"}

PRODUCT_TYPE = case((p.c.exchange == "on", literal("ON-EXCHANGE")), else_=literal("OFF-EXCHANGE"))
RECORD_TYPE = literal("Policy")
SORT_COLUMNS: dict[str, Any] = {
    "last_name": a.c.last_name_key,
    "first_name": a.c.first_name_key,
    "record_type": RECORD_TYPE,
    "e_app_number": p.c.e_app_number,
    "client_app_id": p.c.client_app_id,
    "member_count": p.c.member_count,
    "group_number": p.c.group_number,
    "account_number": a.c.account_number,
    "status": p.c.status,
    "product_type": PRODUCT_TYPE,
    "product_name": p.c.product_name,
    "coverage_effective_date": p.c.coverage_effective_date,
    "paid_to_date": p.c.paid_to_date,
    "termed_date": p.c.termination_date,
    "producer_number": p.c.producer_number,
    "coverage": p.c.coverage,
}


@dataclass(frozen=True)
class SearchRow:
    last_name: str
    first_name: str
    record_type: str
    e_app_number: str | None
    client_app_id: str | None
    member_count: int
    group_number: str
    account_number: str
    status: str
    product_type: str
    product_name: str
    coverage: str
    coverage_effective_date: date
    paid_to_date: date | None
    termed_date: date | None
    producer_number: str
    policy_id: int


def _criteria(q: MemberQuery) -> list[ColumnElement[bool]]:
    """R-MEM-2/3: every criterion is about the primary insured (the account row) or its policies."""
    where: list[ColumnElement[bool]] = []
    if q.account_number:
        where.append(a.c.account_number == q.account_number)
    if q.ssn_last4:
        where.append(a.c.ssn_last4 == q.ssn_last4)
    if q.date_of_birth:
        where.append(a.c.date_of_birth == q.date_of_birth)
    if q.last_name_prefix:
        where.append(and_(a.c.last_name_key >= q.last_name_prefix,
                          a.c.last_name_key < prefix_upper_bound(q.last_name_prefix)))
    if q.first_name_prefix:
        where.append(and_(a.c.first_name_key >= q.first_name_prefix,
                          a.c.first_name_key < prefix_upper_bound(q.first_name_prefix)))
    if q.email:
        where.append(a.c.email_key == q.email)
    if q.zip_code:
        where.append(a.c.zip_code == q.zip_code)
    if q.phone:
        where.append(or_(a.c.phone_home == q.phone, a.c.phone_cell == q.phone, a.c.phone_work == q.phone))
    for name in ("e_app_number", "client_app_id", "exchange_assigned_id", "pending_application_id",
                 "producer_number"):
        value = getattr(q, name)
        if value:
            where.append(p.c[name] == value)
    f = q.filters
    if "status" in f:
        where.append(func.lower(p.c.status) == f["status"].lower())
    if "product_type" in f:
        where.append(PRODUCT_TYPE == f["product_type"].upper())
    if "coverage" in f:
        where.append(p.c.coverage == f["coverage"].lower())
    if "group_number" in f:
        where.append(p.c.group_number == f["group_number"].upper())
    if "product_name" in f:
        where.append(func.lower(p.c.product_name).contains(f["product_name"].lower(), autoescape=True))
    if "record_type" in f and f["record_type"].lower() != "policy":
        where.append(literal(False))
    return where


def _application_criteria(q: MemberQuery) -> list[ColumnElement[bool]] | None:
    """R-ENR-15: submitted applications answer searches by the applicant; None when a criterion cannot match."""
    if set(q.criteria_names()) - APPLICATION_CRITERIA:
        return None
    where: list[ColumnElement[bool]] = [ap.c.status == "submitted"]
    if q.last_name_prefix:
        where.append(and_(ap.c.applicant_last_name_key >= q.last_name_prefix,
                          ap.c.applicant_last_name_key < prefix_upper_bound(q.last_name_prefix)))
    if q.first_name_prefix:
        where.append(func.lower(ap.c.applicant_first_name).startswith(q.first_name_prefix, autoescape=True))
    if q.ssn_last4:
        where.append(ap.c.applicant_ssn_last4 == q.ssn_last4)
    if q.date_of_birth:
        where.append(ap.c.applicant_date_of_birth == q.date_of_birth)
    if q.client_app_id:
        where.append(ap.c.client_app_id == q.client_app_id)
    if q.producer_number:
        where.append(ap.c.producer_number == q.producer_number)
    if q.e_app_number:
        where.append(ap.c.record_number == f"A-{q.e_app_number}")
    f = q.filters
    if "status" in f and f["status"].lower() != "submitted":
        return None
    if "record_type" in f and f["record_type"].lower() != "application":
        return None
    if "product_type" in f and f["product_type"].upper() != "OFF-EXCHANGE":
        return None
    if "coverage" in f:
        where.append(ap.c.coverage == f["coverage"].lower())
    if "group_number" in f:
        return None
    if "product_name" in f:
        where.append(func.lower(ap.c.product_name).contains(f["product_name"].lower(), autoescape=True))
    return where


def search_statement(producer_id: int, q: MemberQuery, *, sort: tuple[tuple[str, bool], ...], limit: int,
                     offset: int) -> Select[Any]:
    """One statement: the page of rows plus the total (window count), scoped to the book first. Policies,
    and submitted applications as record type "Application" (R-ENR-15)."""
    policies = (
        select(
            a.c.last_name, a.c.first_name, RECORD_TYPE.label("record_type"), p.c.e_app_number, p.c.client_app_id,
            p.c.member_count, p.c.group_number, a.c.account_number, p.c.status, PRODUCT_TYPE.label("product_type"),
            p.c.product_name, p.c.coverage, p.c.coverage_effective_date, p.c.paid_to_date,
            p.c.termination_date.label("termed_date"), p.c.producer_number, p.c.id.label("policy_id"),
            a.c.last_name_key.label("last_name_key"), a.c.first_name_key.label("first_name_key"),
        )
        .select_from(a.join(p, p.c.account_id == a.c.id))
        # R-BOOK-1 / R-MEM-3: the book comes first, in every index used.
        .where(a.c.producer_id == producer_id, p.c.producer_id == producer_id, *_criteria(q))
    )
    app_where = _application_criteria(q)
    if app_where is None:
        return _policy_only(producer_id, q, sort=sort, limit=limit, offset=offset)
    applications = select(
        ap.c.applicant_last_name, ap.c.applicant_first_name, literal("Application"), ap.c.record_number,
        ap.c.client_app_id, ap.c.member_count, literal(""), literal(""), literal("Submitted"),
        literal("OFF-EXCHANGE"), ap.c.product_name, ap.c.coverage, ap.c.effective_date, literal(None),
        literal(None), ap.c.producer_number, (-ap.c.id).label("policy_id"), ap.c.applicant_last_name_key,
        func.lower(ap.c.applicant_first_name),
    ).where(ap.c.producer_id == producer_id, *app_where)
    both = policies.union_all(applications).subquery("results")
    sort_cols = {**{k: both.c[k] for k in ("record_type", "e_app_number", "client_app_id", "member_count",
                                             "group_number", "account_number", "status", "product_type",
                                             "product_name", "coverage_effective_date", "paid_to_date",
                                             "termed_date", "producer_number", "coverage")},
                 "last_name": both.c.last_name_key, "first_name": both.c.first_name_key}
    order = [(sort_cols[n].desc() if desc else sort_cols[n].asc()) for n, desc in sort]
    order.append(both.c.policy_id.asc())
    return (select(*[both.c[k] for k in (
        "last_name", "first_name", "record_type", "e_app_number", "client_app_id", "member_count", "group_number",
        "account_number", "status", "product_type", "product_name", "coverage", "coverage_effective_date",
        "paid_to_date", "termed_date", "producer_number", "policy_id")], func.count().over().label("total"))
        .order_by(*order).limit(limit).offset(offset))


def _policy_only(producer_id: int, q: MemberQuery, *, sort: tuple[tuple[str, bool], ...], limit: int,
                 offset: int) -> Select[Any]:
    """The hot path: policy rows only, straight on the indexed tables."""
    order = []
    for name, desc in sort:
        col = SORT_COLUMNS[name]
        order.append(col.desc() if desc else col.asc())
    order.append(p.c.id.asc())
    return (
        select(
            a.c.last_name, a.c.first_name, RECORD_TYPE.label("record_type"), p.c.e_app_number, p.c.client_app_id,
            p.c.member_count, p.c.group_number, a.c.account_number, p.c.status, PRODUCT_TYPE.label("product_type"),
            p.c.product_name, p.c.coverage, p.c.coverage_effective_date, p.c.paid_to_date,
            p.c.termination_date.label("termed_date"), p.c.producer_number, p.c.id.label("policy_id"),
            func.count().over().label("total"),
        )
        .select_from(a.join(p, p.c.account_id == a.c.id))
        # R-BOOK-1 / R-MEM-3: the book comes first, in every index used.
        .where(a.c.producer_id == producer_id, p.c.producer_id == producer_id, *_criteria(q))
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )


async def search(conn: AsyncConnection, producer_id: int, q: MemberQuery, *, sort: tuple[tuple[str, bool], ...],
                 page: int, page_size: int) -> tuple[list[SearchRow], int]:
    rows = (await conn.execute(search_statement(producer_id, q, sort=sort, limit=page_size,
                                                offset=(page - 1) * page_size))).all()
    if rows:
        total = int(rows[0].total)
    elif page > 1:
        count = select(func.count()).select_from(search_statement(producer_id, q, sort=sort, limit=10**9, offset=0)
                                                 .subquery())
        total = int((await conn.execute(count)).scalar_one())
    else:
        total = 0
    return [SearchRow(**{k: v for k, v in r._mapping.items() if k != "total"}) for r in rows], total


async def record_reads(conn: AsyncConnection, events: list[dict[str, Any]]) -> None:
    """R-MEM-6: the audit rows of a PHI read, written in the same connection (AUTOCOMMIT)."""
    if events:
        await conn.execute(insert(AuditEvent), events)


# --- client detail (R-MEM-5) ---------------------------------------------------------------------------------

async def account_by_number(conn: AsyncConnection, producer_id: int, account_number: str) -> Any | None:
    stmt = select(a).where(a.c.account_number == account_number, a.c.producer_id == producer_id)
    return (await conn.execute(stmt)).first()


async def policies_with_members(conn: AsyncConnection, account_id: int, producer_id: int) -> list[Any]:
    """Every policy of the account with each covered member: one query whatever the family size."""
    stmt = (
        select(p.c.id.label("policy_id"), p.c.product_name, p.c.coverage, p.c.network_type, p.c.requires_pcp,
               p.c.status, p.c.exchange, p.c.group_number, p.c.coverage_effective_date, p.c.paid_to_date,
               p.c.termination_date, p.c.plan_id, p.c.e_app_number, p.c.client_app_id,
               p.c.exchange_assigned_id, p.c.pending_application_id, p.c.producer_number, p.c.grandfathered,
               p.c.temporary_plan, p.c.member_count, p.c.application_submitted_at,
               m.c.id.label("member_id"), m.c.suffix, m.c.relationship, m.c.first_name, m.c.middle_initial,
               m.c.last_name, m.c.date_of_birth, m.c.sex, pm.c.coverage_start, pm.c.coverage_end)
        .select_from(p.join(pm, pm.c.policy_id == p.c.id).join(m, m.c.id == pm.c.member_id))
        .where(p.c.account_id == account_id, p.c.producer_id == producer_id)
        .order_by(p.c.coverage_effective_date.desc(), p.c.id, m.c.suffix)
    )
    return list((await conn.execute(stmt)).all())


async def current_pcps(conn: AsyncConnection, account_id: int, today: date) -> list[Any]:
    """The PCP assignment in force today for each member and policy of the account (one query)."""
    stmt = (
        select(pcp.c.member_id, pcp.c.policy_id, pcp.c.effective_date, pcp.c.term_date, pcp.c.reason,
               mg.c.medical_group_number, mg.c.medical_group_name, mg.c.pcp_number, mg.c.physician_name,
               mg.c.phone)
        .select_from(pcp.join(mg, mg.c.id == pcp.c.medical_group_id).join(m, m.c.id == pcp.c.member_id))
        .where(m.c.account_id == account_id, pcp.c.term_date >= today)
        .order_by(pcp.c.effective_date)
    )
    return list((await conn.execute(stmt)).all())


async def contact_changes(conn: AsyncConnection, account_id: int) -> list[Any]:
    stmt = (select(cic).where(cic.c.account_id == account_id, cic.c.status == "pending")
            .order_by(cic.c.requested_at, cic.c.id))
    return list((await conn.execute(stmt)).all())


# --- writes (ORM session, inside a unit of work) ---------------------------------------------------------------

class ContactChangeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def account_for_update(self, producer_id: int, account_number: str) -> Account | None:
        stmt = (select(Account).where(Account.account_number == account_number, Account.producer_id == producer_id)
                .with_for_update())
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def members_of(self, account_id: int) -> list[Member]:
        stmt = select(Member).where(Member.account_id == account_id).order_by(Member.suffix)
        return list((await self.session.execute(stmt)).scalars().all())

    async def pending_for(self, account_id: int) -> list[ContactInfoChange]:
        stmt = (select(ContactInfoChange)
                .where(ContactInfoChange.account_id == account_id, ContactInfoChange.status == "pending")
                .order_by(ContactInfoChange.requested_at, ContactInfoChange.id).with_for_update())
        return list((await self.session.execute(stmt)).scalars().all())

    async def due(self, now: datetime, limit: int = 500) -> list[ContactInfoChange]:
        stmt = (select(ContactInfoChange)
                .where(ContactInfoChange.status == "pending", ContactInfoChange.effective_at <= now)
                .order_by(ContactInfoChange.effective_at, ContactInfoChange.id).limit(limit)
                .with_for_update(skip_locked=True))
        return list((await self.session.execute(stmt)).scalars().all())

    def add(self, change: ContactInfoChange) -> None:
        self.session.add(change)

    async def apply_to_account(self, account_id: int, values: dict[str, Any]) -> None:
        await self.session.execute(update(Account).where(Account.id == account_id).values(**values))
