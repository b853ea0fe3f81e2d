"""Synthetic book of business for benchmarks (quality.md "bulk load"): `portal seed --members N`.

N members (covered people) spread over P producers `synth00001`.. (password "Synth1234", active in IL and TX
with agent ids 5xxxxxxxx), with accounts 8xxxxxxxx-9xxxxxxxx (never the demo book's 73/74 ranges), policies,
policy members and PCP assignments drawn from `demo.book_data.Distribution`. Deterministic for a seed, a load
day and the database's starting ids. Running it again adds another N members to the same producers.

PostgreSQL: one transaction on one asyncpg connection. Ids come from a block reserved above the tables' largest
ids (the sequences are moved past it at the end), rows are streamed with COPY in chunks, and on a load at
least as large as what the tables hold, secondary indexes and foreign keys are dropped first and rebuilt
(and the keys validated) before commit; then VACUUM (ANALYZE). SQLite: executemany batches in one transaction.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.adapters.hashing import PasswordHasher
from app.demo import book_data as bd
from app.demo.book import load_reference_data, reference_years, reserve_ids
from app.demo.book_data import AccountDraft, BookGenerator
from app.domain.text import name_key
from app.repositories.orm import Registration, StateRegistration, User

SYNTH_PASSWORD = "Synth1234"
DEFAULT_SEED = 20261122
CHUNK_MEMBERS = 50_000
BOOK_TABLES = ("accounts", "members", "policies", "policy_members", "pcp_assignments")
_ACCOUNT_MULT = 2_654_435_761  # coprime with 2 * 10**8: account id -> account number is one-to-one


def default_producers(members: int) -> int:
    return max(20, members // 5000)


def account_number(account_id: int) -> str:
    """9 digits from 800000000 to 999999999, distinct for distinct ids below 2 * 10**8."""
    return str(800_000_000 + (account_id * _ACCOUNT_MULT + 7_919) % 200_000_000)


def producer_username(k: int) -> str:
    return f"synth{k:05d}"


def producer_numbers(k: int) -> dict[str, str]:
    return {"IL": f"5{2 * k - 1:08d}", "TX": f"5{2 * k:08d}"}


ACCOUNT_COLUMNS = (
    "id",
    "account_number",
    "producer_id",
    "first_name",
    "middle_initial",
    "last_name",
    "first_name_key",
    "last_name_key",
    "date_of_birth",
    "sex",
    "ssn_last4",
    "address1",
    "address2",
    "city",
    "state",
    "zip_code",
    "county",
    "email",
    "email_key",
    "phone_home",
    "phone_cell",
    "phone_work",
    "phone_spouse_cell",
    "phone_fax",
    "created_at",
    "updated_at",
)
MEMBER_COLUMNS = (
    "id",
    "account_id",
    "producer_id",
    "suffix",
    "relationship",
    "first_name",
    "middle_initial",
    "last_name",
    "date_of_birth",
    "sex",
    "ssn_last4",
)
POLICY_COLUMNS = (
    "id",
    "account_id",
    "producer_id",
    "producer_number",
    "plan_id",
    "product_name",
    "coverage",
    "network_type",
    "requires_pcp",
    "exchange",
    "group_number",
    "e_app_number",
    "client_app_id",
    "exchange_assigned_id",
    "pending_application_id",
    "grandfathered",
    "temporary_plan",
    "status",
    "coverage_effective_date",
    "paid_to_date",
    "termination_date",
    "app_signature_date",
    "eapp_start_date",
    "application_status",
    "application_submitted_at",
    "initial_payment_received",
    "member_count",
    "created_at",
)
POLICY_MEMBER_COLUMNS = ("policy_id", "member_id", "coverage_start", "coverage_end")
PCP_COLUMNS = (
    "id",
    "member_id",
    "policy_id",
    "medical_group_id",
    "effective_date",
    "term_date",
    "reason",
    "end_reason",
    "assigned_by",
    "request_received_date",
    "created_at",
)
COLUMNS = dict(
    zip(BOOK_TABLES, (ACCOUNT_COLUMNS, MEMBER_COLUMNS, POLICY_COLUMNS, POLICY_MEMBER_COLUMNS, PCP_COLUMNS), strict=True)
)


@dataclass(frozen=True)
class Producer:
    user_id: int
    numbers: dict[str, str]


@dataclass
class SyntheticResult:
    producers: int
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BOOK_TABLES, 0))
    seconds: float = 0.0
    rebuilt_indexes: bool = False


Chunks = Callable[["_Ids"], Iterator["_Rows"]]


class _Ids:
    """Client-side ids from a reserved block per table."""

    def __init__(self, starts: dict[str, int]) -> None:
        self.next = dict(starts)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


class _Rows:
    """Rows of one chunk, per table, as tuples in COLUMNS order."""

    def __init__(self) -> None:
        self.tables: dict[str, list[tuple[Any, ...]]] = {t: [] for t in BOOK_TABLES}
        self.members = 0

    def add(self, draft: AccountDraft, producer: Producer, ids: _Ids, group_ids: dict[str, int], now: datetime) -> None:
        t = self.tables
        account_id = ids.take("accounts")
        p = draft.primary
        county = draft.county
        created = min(datetime.combine(min(pol.app_signature_date for pol in draft.policies), bd.NOON_UTC), now)
        t["accounts"].append(
            (
                account_id,
                account_number(account_id),
                producer.user_id,
                p.first_name,
                p.middle_initial,
                p.last_name,
                name_key(p.first_name),
                name_key(p.last_name),
                p.date_of_birth,
                p.sex,
                p.ssn_last4 or "0000",
                draft.address1,
                draft.address2,
                county.city,
                draft.state,
                county.zip_code,
                county.name,
                draft.email,
                draft.email,
                draft.phone_home,
                draft.phone_cell,
                draft.phone_work,
                draft.phone_spouse_cell,
                draft.phone_fax,
                created,
                created,
            )
        )
        member_ids = []
        for m in draft.members:
            member_id = ids.take("members")
            member_ids.append(member_id)
            t["members"].append(
                (
                    member_id,
                    account_id,
                    producer.user_id,
                    m.suffix,
                    m.relationship,
                    m.first_name,
                    m.middle_initial,
                    m.last_name,
                    m.date_of_birth,
                    m.sex,
                    m.ssn_last4,
                )
            )
        self.members += len(draft.members)
        number = producer.numbers[draft.state]
        for pol in draft.policies:
            policy_id = ids.take("policies")
            plan = pol.plan
            t["policies"].append(
                (
                    policy_id,
                    account_id,
                    producer.user_id,
                    number,
                    plan.plan_id,
                    plan.name,
                    plan.coverage,
                    plan.network_type,
                    plan.requires_pcp,
                    plan.exchange,
                    plan.group_number,
                    pol.e_app_number,
                    pol.client_app_id,
                    pol.exchange_assigned_id,
                    pol.pending_application_id,
                    pol.grandfathered,
                    pol.temporary_plan,
                    pol.status,
                    pol.coverage_effective_date,
                    pol.paid_to_date,
                    pol.termination_date,
                    pol.app_signature_date,
                    pol.eapp_start_date,
                    pol.application_status,
                    pol.application_submitted_at,
                    pol.initial_payment_received,
                    len(pol.covered),
                    pol.application_submitted_at,
                )
            )
            start, end = pol.coverage_effective_date, pol.termination_date
            t["policy_members"].extend((policy_id, member_ids[i], start, end) for i in pol.covered)
            for a in pol.pcps:
                t["pcp_assignments"].append(
                    (
                        ids.take("pcp_assignments"),
                        member_ids[a.member_index],
                        policy_id,
                        group_ids[a.medical_group_number],
                        a.effective_date,
                        a.term_date,
                        a.reason,
                        a.end_reason,
                        a.assigned_by,
                        a.request_received_date,
                        now,
                    )
                )


async def seed_synthetic(
    engine: AsyncEngine,
    *,
    hasher: PasswordHasher,
    members: int,
    producers: int | None = None,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> SyntheticResult:
    """Load a synthetic book of `members` covered people over `producers` producers; returns row counts."""
    if members < 1:
        raise ValueError("members must be at least 1")
    now = now or datetime.now(UTC)
    n_producers = producers or default_producers(members)
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    today = now.date()
    years = reference_years(today)

    async with AsyncSession(engine, expire_on_commit=False) as session:
        group_ids = await load_reference_data(session, years=years)
        book = await ensure_producers(session, n_producers, hasher=hasher, now=now)
        await session.commit()
    say(f"reference data and {n_producers} producers ready ({time.perf_counter() - started:.1f}s)")

    plans = [p for year in years for p in bd.plan_catalogue(year)]
    groups = bd.medical_groups()
    quotas = bd.split_members(members, n_producers, random.Random(seed))
    result = SyntheticResult(producers=n_producers)

    def chunks(ids: _Ids) -> Iterator[_Rows]:
        """Rows in chunks of about CHUNK_MEMBERS members, producer by producer."""
        rows = _Rows()
        for k, (producer, quota) in enumerate(zip(book, quotas, strict=True)):
            gen = BookGenerator(
                random.Random(seed * 1_000_003 + k),
                today=today,
                now=now,
                plans=plans,
                groups=groups,
                serial_start=ids.next["policies"] - 1,
            )  # e-app serial = policy id
            remaining = quota
            while remaining > 0:
                size = bd.fit_family_size(gen.family_size(), remaining)
                draft = gen.account(people=gen.family(size=size))
                rows.add(draft, producer, ids, group_ids, now)
                remaining -= size
                if rows.members >= CHUNK_MEMBERS:
                    yield rows
                    rows = _Rows()
        if rows.members:
            yield rows

    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            result.rebuilt_indexes = await _load_postgresql(conn, chunks, members, result, say, started)
        else:
            await _load_generic(conn, chunks, members, result, say, started)
    result.seconds = time.perf_counter() - started
    say(
        f"done: {members:,} members in {result.seconds:.1f}s " + ", ".join(f"{t} {n:,}" for t, n in result.rows.items())
    )
    return result


async def ensure_producers(
    session: AsyncSession, count: int, *, hasher: PasswordHasher, now: datetime
) -> list[Producer]:
    """Producers synth00001..synth{count}: existing ones are reused, missing ones created (active, IL and TX)."""
    names = [producer_username(k) for k in range(1, count + 1)]
    existing = {
        username: user_id
        for username, user_id in await session.execute(select(User.username, User.id).where(User.username.in_(names)))
    }
    missing = [k for k in range(1, count + 1) if producer_username(k) not in existing]
    if missing:
        password_hash = hasher.hash_sync(SYNTH_PASSWORD)  # once: every synthetic producer shares it
        rng = random.Random(7)
        user_ids = await reserve_ids(session, User, len(missing))
        reg_ids = await reserve_ids(session, Registration, len(missing))
        users, regs, states = [], [], []
        for k, user_id, reg_id in zip(missing, user_ids, reg_ids, strict=True):
            sex = rng.choice(("female", "male"))
            first, last = bd.pick_first_name(rng, sex), bd.pick_last_name(rng)
            email = f"{producer_username(k)}@agency.example"
            users.append(
                {
                    "id": user_id,
                    "role": "producer",
                    "username": producer_username(k),
                    "password_hash": password_hash,
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "status": "active",
                    "failed_sign_ins": 0,
                    "must_change_password": False,
                    "created_at": now,
                    "updated_at": now,
                    "password_changed_at": now,
                    "activated_at": now,
                }
            )
            regs.append(
                {
                    "id": reg_id,
                    "user_id": user_id,
                    "kind": "new_account",
                    "status": "active",
                    "created_at": now,
                    "decided_at": now,
                }
            )
            for state, number in producer_numbers(k).items():
                city, zip_code, area = ("Chicago", "60601", "312") if state == "IL" else ("Dallas", "75201", "214")
                states.append(
                    {
                        "user_id": user_id,
                        "registration_id": reg_id,
                        "state": state,
                        "company_name": f"{last} Insurance Group {k}",
                        "address1": f"{100 + k} Main St",
                        "address2": None,
                        "city": city,
                        "address_state": state,
                        "zip_code": zip_code,
                        "agent_unique_id": number,
                        "phone": f"{area}555{k % 10000:04d}",
                        "email": email,
                        "status": "active",
                        "created_at": now,
                        "activated_at": now,
                    }
                )
        for model, rows in ((User, users), (Registration, regs), (StateRegistration, states)):
            await session.execute(insert(model).execution_options(render_nulls=True), rows)
        existing.update({producer_username(k): user_id for k, user_id in zip(missing, user_ids, strict=True)})
    return [Producer(existing[producer_username(k)], producer_numbers(k)) for k in range(1, count + 1)]


# --- PostgreSQL: COPY in one transaction ---------------------------------------------------------------------


@dataclass
class _Rebuild:
    """What was dropped before the load and is put back after it."""

    indexes: list[tuple[str, str]] = field(default_factory=list)  # (name, CREATE INDEX ...)
    constraints: list[tuple[str, str, str]] = field(default_factory=list)  # (table, name, definition)


async def _load_postgresql(
    conn: AsyncConnection,
    chunks: Chunks,
    members: int,
    result: SyntheticResult,
    say: Callable[[str], None],
    started: float,
) -> bool:
    raw = await conn.get_raw_connection()
    pg: Any = raw.driver_connection
    async with pg.transaction():
        await pg.execute("SET LOCAL synchronous_commit = off; SET LOCAL maintenance_work_mem = '256MB'")
        await pg.execute(f"LOCK TABLE {', '.join(BOOK_TABLES)} IN SHARE ROW EXCLUSIVE MODE")
        existing = await pg.fetchval("SELECT count(*) FROM members")
        rebuild = members >= existing
        dropped = await _drop_secondary(pg) if rebuild else _Rebuild()
        starts = {}
        for table in ("accounts", "members", "policies", "pcp_assignments"):
            starts[table] = await pg.fetchval(
                f"SELECT GREATEST((SELECT COALESCE(max(id), 0) + 1 FROM {table}), "  # noqa: S608 - fixed names
                f"nextval(pg_get_serial_sequence('{table}', 'id')))"
            )
        ids = _Ids(starts)
        for rows in chunks(ids):
            for table in BOOK_TABLES:
                if rows.tables[table]:
                    await pg.copy_records_to_table(table, records=rows.tables[table], columns=COLUMNS[table])
                    result.rows[table] += len(rows.tables[table])
            _report(say, result, members, started)
        for table in ("accounts", "members", "policies", "pcp_assignments"):
            await pg.execute("SELECT setval(pg_get_serial_sequence($1, 'id'), $2)", table, ids.next[table] - 1)
        if rebuild:
            say(
                f"rebuilding {len(dropped.indexes)} indexes and {len(dropped.constraints)} constraints "
                f"({time.perf_counter() - started:.1f}s)"
            )
            await _restore(pg, dropped)
    say(f"committed ({time.perf_counter() - started:.1f}s); vacuum and analyze")
    # Statistics for the planner, and the visibility map for index-only scans (cannot run in a transaction).
    await pg.execute(f"VACUUM (ANALYZE) {', '.join(BOOK_TABLES)}")
    return rebuild


async def _drop_secondary(pg: Any) -> _Rebuild:
    """Drop the book tables' foreign keys, and their indexes other than primary keys and those a foreign key of
    another table relies on; returns how to put them back."""
    dropped = _Rebuild()
    fks = await pg.fetch(
        "SELECT c.conrelid::regclass::text AS tbl, c.conname, pg_get_constraintdef(c.oid) AS def "
        "FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = ANY($1::regclass[])",
        list(BOOK_TABLES),
    )
    for fk in fks:
        await pg.execute(f'ALTER TABLE {fk["tbl"]} DROP CONSTRAINT "{fk["conname"]}"')
        dropped.constraints.append((fk["tbl"], fk["conname"], fk["def"]))
    indexes = await pg.fetch(
        "SELECT t.relname AS tbl, i.relname AS name, pg_get_indexdef(x.indexrelid) AS def, "
        "       con.conname AS constraint_name, pg_get_constraintdef(con.oid) AS constraint_def "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.contype IN ('u', 'x') "
        "WHERE x.indrelid = ANY($1::regclass[]) AND NOT x.indisprimary "
        "  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = x.indexrelid)",
        list(BOOK_TABLES),
    )
    for ix in indexes:
        if ix["constraint_name"]:
            await pg.execute(f'ALTER TABLE {ix["tbl"]} DROP CONSTRAINT "{ix["constraint_name"]}"')
            dropped.constraints.insert(0, (ix["tbl"], ix["constraint_name"], ix["constraint_def"]))
        else:
            await pg.execute(f'DROP INDEX "{ix["name"]}"')
            dropped.indexes.append((ix["name"], ix["def"]))
    return dropped


async def _restore(pg: Any, dropped: _Rebuild) -> None:
    for _name, definition in dropped.indexes:
        await pg.execute(definition)
    # Unique constraints first (inserted at the front), then the foreign keys, validated against the new rows.
    for table, name, definition in dropped.constraints:
        await pg.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


# --- SQLite (and anything else): executemany batches ---------------------------------------------------------


async def _load_generic(
    conn: AsyncConnection,
    chunks: Chunks,
    members: int,
    result: SyntheticResult,
    say: Callable[[str], None],
    started: float,
) -> None:
    from app.repositories.orm import Base

    tables = {name: Base.metadata.tables[name] for name in BOOK_TABLES}
    async with conn.begin():
        starts = {}
        for name in ("accounts", "members", "policies", "pcp_assignments"):
            starts[name] = (await conn.execute(select(func.coalesce(func.max(tables[name].c.id), 0)))).scalar_one() + 1
        for rows in chunks(_Ids(starts)):
            for name in BOOK_TABLES:
                records = rows.tables[name]
                if records:
                    columns = COLUMNS[name]
                    await conn.execute(tables[name].insert(), [dict(zip(columns, r, strict=True)) for r in records])
                    result.rows[name] += len(records)
            _report(say, result, members, started)


def _report(say: Callable[[str], None], result: SyntheticResult, members: int, started: float) -> None:
    done = result.rows["members"]
    say(f"members {done:,}/{members:,} ({100 * done // members}%) {time.perf_counter() - started:.1f}s")
