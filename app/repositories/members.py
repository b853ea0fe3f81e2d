"""Member search and client detail: SQL-first read queries over the caller's book (R-BOOK-1, R-MEM-2..5).

Hot paths (`MemberQueries`, the read role of the unit of work): Core statements on a session of the AUTOCOMMIT
read engine, one query per search page (the total comes from a window count), a fixed number of queries per
client detail whatever the family size. Contact-information changes (`ContactChangeRepository`): ORM, in a
write unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by

from app.domain.members import MemberQuery, applications_can_match, policies_can_match, prefix_upper_bound
from app.repositories.base import RepositoryBase
from app.repositories.like import contains_pattern, like_bound, prefix_pattern
from app.repositories.orm import (
    Account,
    Application,
    AuditEvent,
    AuthSession,
    ContactInfoChange,
    MedicalGroup,
    Member,
    PcpAssignment,
    Policy,
    PolicyMember,
    User,
)

a = Account.__table__
p = Policy.__table__
m = Member.__table__
pm = PolicyMember.__table__
pcp = PcpAssignment.__table__
mg = MedicalGroup.__table__
cic = ContactInfoChange.__table__
ap = Application.__table__
au = cast(Table, AuditEvent.__table__)
sess = AuthSession.__table__
usr = User.__table__

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
    policy_id: int | None  # a policy row (record type "Policy")
    application_id: int | None = None  # a submitted application (record type "Application", R-ENR-15)


# Statements are built once per shape (which criteria, filters and order) with every value a bind parameter:
# building a Select costs more than running the indexed query (docs/benchmarks.md), and the shapes are few.
Binds = dict[str, Any]
Sort = tuple[tuple[str, bool], ...]
_EXACT = (
    "account_number",
    "ssn_last4",
    "date_of_birth",
    "email",
    "zip_code",
    "phone",
    "e_app_number",
    "client_app_id",
    "exchange_assigned_id",
    "pending_application_id",
    "producer_number",
)
_POLICY_EXACT = ("e_app_number", "client_app_id", "exchange_assigned_id", "pending_application_id", "producer_number")
_SHAPES: dict[tuple[Any, ...], Select[Any]] = {}


def search_binds(producer_id: int, q: MemberQuery, *, limit: int, offset: int) -> Binds:
    """The values of a search, named as the statement's bind parameters; which names are present is the shape."""
    b: Binds = {"producer_id": producer_id, "limit": limit, "offset": offset}
    for name in _EXACT:
        value = getattr(q, name)
        if value:
            b[name] = value
    if q.last_name_prefix:
        b["last_lo"], b["last_hi"] = q.last_name_prefix, prefix_upper_bound(q.last_name_prefix)
    if q.first_name_prefix:
        b["first_lo"], b["first_hi"] = q.first_name_prefix, prefix_upper_bound(q.first_name_prefix)
        b["first_like"] = prefix_pattern(q.first_name_prefix)
    if q.e_app_number:  # issue 14: an application's record number is its e-app number (one digit format)
        b["app_record_number"] = q.e_app_number
    f = q.filters
    if f.status is not None:
        b["f_status"] = f.status.lower()
    if f.product_type is not None:
        b["f_product_type"] = f.product_type.upper()
    if f.coverage is not None:
        b["f_coverage"] = f.coverage.lower()
    if f.group_number is not None:
        b["f_group_number"] = f.group_number.upper()
    if f.product_name is not None:
        b["f_product_name"] = contains_pattern(f.product_name.lower())
    return b


def _criteria(names: frozenset[str], policies_match: bool) -> list[ColumnElement[bool]]:
    """R-MEM-2/3: every criterion is about the primary insured (the account row) or its policies."""
    where: list[ColumnElement[bool]] = []
    for name in ("account_number", "ssn_last4", "date_of_birth", "zip_code"):
        if name in names:
            where.append(a.c[name] == bindparam(name))
    if "last_lo" in names:
        where.append(and_(a.c.last_name_key >= bindparam("last_lo"), a.c.last_name_key < bindparam("last_hi")))
    if "first_lo" in names:
        where.append(and_(a.c.first_name_key >= bindparam("first_lo"), a.c.first_name_key < bindparam("first_hi")))
    if "email" in names:
        where.append(a.c.email_key == bindparam("email"))
    if "phone" in names:
        phone = bindparam("phone", type_=String())
        where.append(or_(a.c.phone_home == phone, a.c.phone_cell == phone, a.c.phone_work == phone))
    for name in _POLICY_EXACT:
        if name in names:
            where.append(p.c[name] == bindparam(name))
    if "f_status" in names:
        where.append(func.lower(p.c.status) == bindparam("f_status", type_=String()))
    if "f_product_type" in names:
        where.append(PRODUCT_TYPE == bindparam("f_product_type", type_=String()))
    if "f_coverage" in names:
        where.append(p.c.coverage == bindparam("f_coverage"))
    if "f_group_number" in names:
        where.append(p.c.group_number == bindparam("f_group_number"))
    if "f_product_name" in names:
        where.append(like_bound(func.lower(p.c.product_name), "f_product_name"))
    if not policies_match:
        where.append(literal(False))
    return where


def _application_criteria(names: frozenset[str]) -> list[ColumnElement[bool]]:
    """R-ENR-15: submitted applications answer searches by the applicant, until the carrier approves them (issue 14:
    their policies answer then, with the same e-app number)."""
    where: list[ColumnElement[bool]] = [ap.c.status == "submitted", ap.c.decision.is_(None)]
    if "last_lo" in names:
        where.append(
            and_(
                ap.c.applicant_last_name_key >= bindparam("last_lo"),
                ap.c.applicant_last_name_key < bindparam("last_hi"),
            )
        )
    if "first_like" in names:
        where.append(like_bound(func.lower(ap.c.applicant_first_name), "first_like"))
    if "ssn_last4" in names:
        where.append(ap.c.applicant_ssn_last4 == bindparam("ssn_last4"))
    if "date_of_birth" in names:
        where.append(ap.c.applicant_date_of_birth == bindparam("date_of_birth"))
    if "client_app_id" in names:
        where.append(ap.c.client_app_id == bindparam("client_app_id"))
    if "producer_number" in names:
        where.append(ap.c.producer_number == bindparam("producer_number"))
    if "app_record_number" in names:
        where.append(ap.c.record_number == bindparam("app_record_number"))
    if "f_coverage" in names:
        where.append(ap.c.coverage == bindparam("f_coverage"))
    if "f_product_name" in names:
        where.append(like_bound(func.lower(ap.c.product_name), "f_product_name"))
    return where


def search_statement(q: MemberQuery, binds: Binds, *, sort: Sort, numbered: bool = False) -> Select[Any]:
    """One statement: the page of rows plus the total (window count), scoped to the book first. Policies,
    and submitted applications as record type "Application" (R-ENR-15). Cached per shape. `numbered` adds each
    row's place in the order as `ord` (for a statement that selects from this one as a CTE)."""
    names = frozenset(binds)
    policies_match, applications_match = policies_can_match(q), applications_can_match(q)
    key = (names, policies_match, applications_match, sort, numbered)
    stmt = _SHAPES.get(key)
    if stmt is None:
        stmt = _build(names, policies_match, applications_match, sort, numbered)
        if len(_SHAPES) < 4096:
            _SHAPES[key] = stmt
    return stmt


def _page(stmt: Select[Any]) -> Select[Any]:
    return stmt.limit(bindparam("limit", type_=Integer())).offset(bindparam("offset", type_=Integer()))


def _policy_row() -> list[Any]:
    """The columns of a policy's search row, in the order both search statements select them."""
    return [
        a.c.last_name,
        a.c.first_name,
        RECORD_TYPE.label("record_type"),
        p.c.e_app_number,
        p.c.client_app_id,
        p.c.member_count,
        p.c.group_number,
        a.c.account_number,
        p.c.status,
        PRODUCT_TYPE.label("product_type"),
        p.c.product_name,
        p.c.coverage,
        p.c.coverage_effective_date,
        p.c.paid_to_date,
        p.c.termination_date.label("termed_date"),
        p.c.producer_number,
        p.c.id.label("policy_id"),
    ]


def _build(
    names: frozenset[str], policies_match: bool, applications_match: bool, sort: Sort, numbered: bool
) -> Select[Any]:
    producer = bindparam("producer_id", type_=Integer())
    if not applications_match:
        return _policy_only(names, policies_match, producer, sort, numbered)
    policies = (
        select(
            *_policy_row(),
            null().label("application_id"),
            a.c.last_name_key.label("last_name_key"),
            a.c.first_name_key.label("first_name_key"),
        )
        .select_from(a.join(p, p.c.account_id == a.c.id))
        # R-BOOK-1 / R-MEM-3: the book comes first, in every index used.
        .where(a.c.producer_id == producer, p.c.producer_id == producer, *_criteria(names, policies_match))
    )
    applications = select(
        ap.c.applicant_last_name,
        ap.c.applicant_first_name,
        literal("Application"),
        ap.c.record_number,
        ap.c.client_app_id,
        ap.c.member_count,
        literal(""),
        literal(""),
        literal("Submitted"),
        literal("OFF-EXCHANGE"),
        ap.c.product_name,
        ap.c.coverage,
        ap.c.effective_date,
        literal(None),
        literal(None),
        ap.c.producer_number,
        null(),
        ap.c.id,
        ap.c.applicant_last_name_key,
        func.lower(ap.c.applicant_first_name),
    ).where(ap.c.producer_id == producer, *_application_criteria(names))
    both = policies.union_all(applications).subquery("results")
    sort_cols = {
        **{
            k: both.c[k]
            for k in (
                "record_type",
                "e_app_number",
                "client_app_id",
                "member_count",
                "group_number",
                "account_number",
                "status",
                "product_type",
                "product_name",
                "coverage_effective_date",
                "paid_to_date",
                "termed_date",
                "producer_number",
                "coverage",
            )
        },
        "last_name": both.c.last_name_key,
        "first_name": both.c.first_name_key,
    }
    order = [(sort_cols[n].desc() if desc else sort_cols[n].asc()) for n, desc in sort]
    # Ties: policies by id, after the applications by id descending (one order over both kinds of record).
    order.append(func.coalesce(both.c.policy_id, -both.c.application_id).asc())
    return _page(
        select(
            *[
                both.c[k]
                for k in (
                    "last_name",
                    "first_name",
                    "record_type",
                    "e_app_number",
                    "client_app_id",
                    "member_count",
                    "group_number",
                    "account_number",
                    "status",
                    "product_type",
                    "product_name",
                    "coverage",
                    "coverage_effective_date",
                    "paid_to_date",
                    "termed_date",
                    "producer_number",
                    "policy_id",
                    "application_id",
                )
            ],
            func.count().over().label("total"),
            *_ordinal(order, numbered),
        ).order_by(*order)
    )


def _ordinal(order: list[Any], numbered: bool) -> list[Any]:
    return [func.row_number().over(order_by=order).label("ord")] if numbered else []


def _policy_only(names: frozenset[str], policies_match: bool, producer: Any, sort: Sort, numbered: bool) -> Select[Any]:
    """The hot path: policy rows only, straight on the indexed tables."""
    order = []
    for name, desc in sort:
        col = SORT_COLUMNS[name]
        order.append(col.desc() if desc else col.asc())
    order.append(p.c.id.asc())
    return _page(
        select(
            *_policy_row(),
            func.count().over().label("total"),
            *_ordinal(order, numbered),
        )
        .select_from(a.join(p, p.c.account_id == a.c.id))
        # R-BOOK-1 / R-MEM-3: the book comes first, in every index used.
        .where(a.c.producer_id == producer, p.c.producer_id == producer, *_criteria(names, policies_match))
        .order_by(*order)
    )


@dataclass(frozen=True)
class AuditedSearch:
    """A search page read in one statement with its session check and audit row (`search_audited`)."""

    first_name: str  # the caller's, for the rows' producer name
    last_name: str
    rows: list[SearchRow]
    total: int


SEARCH_ROW_FIELDS = tuple(SearchRow.__dataclass_fields__)
_AUDITED: dict[Any, Select[Any]] = {}


def audited_search_statement(q: MemberQuery, binds: Binds, *, sort: Sort) -> Select[Any]:
    """PostgreSQL (issue 19): the first page of a search, its caller's session check and its R-MEM-6 audit row in
    one statement - one round trip. A data-modifying CTE writes the audit row only when the session may search
    (the checks of `app.deps` `CurrentProducer`, in SQL: the session is live, the user of the role and status the
    service names (`a_role`, `a_status`) with a settled password, and the token's user the book searched); it runs
    to completion whether or not the rest reads it, in the statement's own (autocommit) transaction, so the row is
    durable when the rows arrive. Every answer row carries `usable`: false (or no row at all) and the caller
    answers through the ordinary path instead.
    """
    key = (frozenset(binds), policies_can_match(q), applications_can_match(q), sort)
    stmt = _AUDITED.get(key)
    if stmt is None:
        stmt = _build_audited(search_statement(q, binds, sort=sort, numbered=True))
        if len(_AUDITED) < 4096:
            _AUDITED[key] = stmt
    return stmt


def _build_audited(search: Select[Any]) -> Select[Any]:
    results = search.cte("results")
    caller = (
        select(
            usr.c.id.label("user_id"),
            usr.c.username,
            usr.c.first_name,
            usr.c.last_name,
            and_(
                sess.c.revoked_at.is_(None),
                sess.c.expires_at > bindparam("a_now", type_=sess.c.expires_at.type),
                usr.c.status == bindparam("a_status", type_=String()),
                usr.c.must_change_password.is_(false()),
                usr.c.role == bindparam("a_role", type_=String()),
                usr.c.id == bindparam("producer_id", type_=Integer()),
            ).label("usable"),
        )
        .select_from(sess.join(usr, usr.c.id == sess.c.user_id))
        .where(sess.c.id == bindparam("a_session_id", type_=String()), sess.c.user_id == bindparam("a_user_id"))
        .cte("caller")
    )
    found = select(results.c.account_number).distinct().subquery("found")
    details = func.jsonb_build_object(
        literal("criteria"),
        bindparam("a_criteria", type_=postgresql.JSONB()),
        literal("results"),
        func.coalesce(select(func.max(results.c.total)).scalar_subquery(), 0),
        literal("accounts"),
        func.coalesce(
            select(func.jsonb_agg(aggregate_order_by(found.c.account_number, found.c.account_number)))
            .select_from(found)
            .scalar_subquery(),
            func.jsonb_build_array(),
        ),
    )
    audit = (
        insert(au)
        .from_select(
            [
                "occurred_at",
                "action",
                "outcome",
                "actor_user_id",
                "actor_username",
                "ip",
                "user_agent",
                "request_id",
                "details",
            ],
            select(
                bindparam("a_occurred_at", type_=au.c.occurred_at.type),
                literal("member.search"),
                literal("success"),
                caller.c.user_id,
                caller.c.username,
                bindparam("a_ip", type_=String()),
                bindparam("a_user_agent", type_=String()),
                bindparam("a_request_id", type_=String()),
                details,
            ).where(caller.c.usable),
        )
        .returning(au.c.id)
        .cte("audit")
    )
    return (
        select(
            caller.c.usable,
            caller.c.first_name.label("caller_first_name"),
            caller.c.last_name.label("caller_last_name"),
            select(func.count()).select_from(audit).scalar_subquery().label("audited"),
            results.c.total,
            results.c.ord,
            *[results.c[name] if name in results.c else null().label(name) for name in SEARCH_ROW_FIELDS],
        )
        .select_from(caller.outerjoin(results, true()))
        .order_by(results.c.ord)
    )


class MemberQueries(RepositoryBase[Account]):
    """The hot read queries of member search and client detail: Core statements, run on the read role's session."""

    model = Account

    async def search(
        self, producer_id: int, q: MemberQuery, *, sort: Sort, page: int, page_size: int
    ) -> tuple[list[SearchRow], int]:
        binds = search_binds(producer_id, q, limit=page_size, offset=(page - 1) * page_size)
        stmt = search_statement(q, binds, sort=sort)
        rows = (await self.session.execute(stmt, binds)).all()
        if rows:
            total = int(rows[0].total)
        elif page > 1:
            count = select(func.count()).select_from(stmt.subquery())
            total = int((await self.session.execute(count, {**binds, "limit": 10**9, "offset": 0})).scalar_one())
        else:
            total = 0
        return [SearchRow(**{k: v for k, v in r._mapping.items() if k != "total"}) for r in rows], total

    async def search_audited(
        self,
        producer_id: int,
        q: MemberQuery,
        *,
        sort: Sort,
        page_size: int,
        session_id: str,
        now: datetime,
        role: str,
        status: str,
        audit: dict[str, Any],
    ) -> AuditedSearch | None:
        """`audited_search_statement` (PostgreSQL, the primary): the first page, or None when the session may not
        search (nothing was written then). `audit` holds the row's `occurred_at`, `ip`, `user_agent`,
        `request_id` and `criteria`."""
        binds = search_binds(producer_id, q, limit=page_size, offset=0)
        stmt = audited_search_statement(q, binds, sort=sort)
        values = {
            **binds,
            "a_now": now,
            "a_session_id": session_id,
            "a_role": role,
            "a_status": status,
            "a_user_id": producer_id,
            **{f"a_{k}": v for k, v in audit.items()},
        }
        rows = (await self.session.execute(stmt, values)).all()
        if not rows or not rows[0].usable:
            return None
        if rows[0].audited != 1:
            raise RuntimeError("the search's audit row was not written")  # a read that cannot be audited fails
        found = [SearchRow(**{k: r._mapping[k] for k in SEARCH_ROW_FIELDS}) for r in rows if r.ord is not None]
        total = int(rows[0].total) if found else 0
        return AuditedSearch(rows[0].caller_first_name, rows[0].caller_last_name, found, total)

    # --- client detail (R-MEM-5) -----------------------------------------------------------------------------

    async def account_by_number(self, producer_id: int, account_number: str) -> Any | None:
        stmt = select(a).where(a.c.account_number == account_number, a.c.producer_id == producer_id)
        return (await self.session.execute(stmt)).first()

    async def policies_with_members(self, account_id: int, producer_id: int) -> list[Any]:
        """Every policy of the account with each covered member: one query whatever the family size."""
        stmt = (
            select(
                p.c.id.label("policy_id"),
                p.c.product_name,
                p.c.coverage,
                p.c.network_type,
                p.c.requires_pcp,
                p.c.status,
                p.c.exchange,
                p.c.group_number,
                p.c.coverage_effective_date,
                p.c.paid_to_date,
                p.c.termination_date,
                p.c.plan_id,
                p.c.e_app_number,
                p.c.client_app_id,
                p.c.exchange_assigned_id,
                p.c.pending_application_id,
                p.c.producer_number,
                p.c.grandfathered,
                p.c.temporary_plan,
                p.c.member_count,
                p.c.application_submitted_at,
                m.c.id.label("member_id"),
                m.c.suffix,
                m.c.relationship,
                m.c.first_name,
                m.c.middle_initial,
                m.c.last_name,
                m.c.date_of_birth,
                m.c.sex,
                pm.c.coverage_start,
                pm.c.coverage_end,
            )
            .select_from(p.join(pm, pm.c.policy_id == p.c.id).join(m, m.c.id == pm.c.member_id))
            .where(p.c.account_id == account_id, p.c.producer_id == producer_id)
            .order_by(p.c.coverage_effective_date.desc(), p.c.id, m.c.suffix)
        )
        return list((await self.session.execute(stmt)).all())

    async def current_pcps(self, account_id: int, today: date) -> list[Any]:
        """The PCP assignment in force today for each member and policy of the account (one query)."""
        stmt = (
            select(
                pcp.c.member_id,
                pcp.c.policy_id,
                pcp.c.effective_date,
                pcp.c.term_date,
                pcp.c.reason,
                mg.c.medical_group_number,
                mg.c.medical_group_name,
                mg.c.pcp_number,
                mg.c.physician_name,
                mg.c.phone,
            )
            .select_from(pcp.join(mg, mg.c.id == pcp.c.medical_group_id).join(m, m.c.id == pcp.c.member_id))
            .where(m.c.account_id == account_id, pcp.c.term_date >= today)
            .order_by(pcp.c.effective_date)
        )
        return list((await self.session.execute(stmt)).all())

    async def pending_contact_changes(self, account_id: int) -> list[Any]:
        stmt = (
            select(cic)
            .where(cic.c.account_id == account_id, cic.c.status == "pending")
            .order_by(cic.c.requested_at, cic.c.id)
        )
        return list((await self.session.execute(stmt)).all())


# --- writes (ORM session, inside a unit of work) ---------------------------------------------------------------


class ContactChangeRepository(RepositoryBase[ContactInfoChange]):
    model = ContactInfoChange

    async def account_for_update(self, producer_id: int, account_number: str) -> Account | None:
        stmt = (
            select(Account)
            .where(Account.account_number == account_number, Account.producer_id == producer_id)
            .with_for_update()
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def members_of(self, account_id: int) -> list[Member]:
        stmt = select(Member).where(Member.account_id == account_id).order_by(Member.suffix)
        return list((await self.session.execute(stmt)).scalars().all())

    async def pending_for(self, account_id: int) -> list[ContactInfoChange]:
        stmt = (
            select(ContactInfoChange)
            .where(ContactInfoChange.account_id == account_id, ContactInfoChange.status == "pending")
            .order_by(ContactInfoChange.requested_at, ContactInfoChange.id)
            .with_for_update()
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def due(self, now: datetime, *, account_id: int | None = None, limit: int = 500) -> list[ContactInfoChange]:
        """Pending changes whose time has come (of one account, or all), claimed: rows another instance's pass has
        locked are skipped on PostgreSQL (SKIP LOCKED), and on SQLite the claim takes the write lock (app/db.py),
        so two instances never apply the same change (issue 18)."""
        stmt = select(ContactInfoChange).where(
            ContactInfoChange.status == "pending", ContactInfoChange.effective_at <= now
        )
        if account_id is not None:
            stmt = stmt.where(ContactInfoChange.account_id == account_id)
        stmt = (
            stmt.order_by(ContactInfoChange.effective_at, ContactInfoChange.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def account_numbers(self, account_ids: Sequence[int]) -> dict[int, str]:
        """account id -> account number, for the events of applied changes."""
        if not account_ids:
            return {}
        stmt = select(Account.id, Account.account_number).where(Account.id.in_(set(account_ids)))
        return {row.id: row.account_number for row in (await self.session.execute(stmt)).all()}

    async def apply_to_account(self, account_id: int, values: dict[str, Any]) -> None:
        await self.session.execute(update(Account).where(Account.id == account_id).values(**values))
