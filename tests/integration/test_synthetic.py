"""The synthetic benchmark book (`portal seed --members N`) on the leg's database: counts, integrity, disjoint
books, ids that later inserts do not collide with, and (PostgreSQL) indexes and keys rebuilt as the models say."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.hashing import PasswordHasher
from app.config import Settings
from app.db import make_engine
from app.demo.synthetic import SYNTH_PASSWORD, account_number, seed_synthetic
from app.repositories.orm import (
    Account,
    Base,
    Member,
    PcpAssignment,
    Plan,
    Policy,
    PolicyMember,
    StateRegistration,
    User,
)

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
SYNTH = User.username.like("synth%")


async def _remove_synthetic(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        producers = select(User.id).where(SYNTH).scalar_subquery()
        await conn.execute(delete(Account).where(Account.producer_id.in_(producers)))  # cascades to the book
        await conn.execute(delete(User).where(SYNTH))  # cascades to registrations


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(Settings(DATABASE_URL=database_url))  # type: ignore[call-arg]
    await _remove_synthetic(engine)
    try:
        yield engine
    finally:
        await _remove_synthetic(engine)
        await engine.dispose()


@pytest.fixture
def hasher() -> PasswordHasher:
    return PasswordHasher(memory_kib=1024, time_cost=1, parallelism=1, workers=1, queue_limit=1)


async def fetch(engine: AsyncEngine, stmt: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(stmt)).all())


async def test_synthetic_book_has_the_members_asked_for_with_consistent_rows(engine, hasher) -> None:
    messages: list[str] = []
    result = await seed_synthetic(
        engine, hasher=hasher, members=2000, producers=5, seed=7, now=NOW, progress=messages.append
    )
    assert result.rows["members"] == 2000 and result.producers == 5
    assert messages and messages[-1].startswith("done: 2,000 members")

    producers = await fetch(engine, select(User).where(SYNTH).order_by(User.username))
    assert [p.username for p in producers] == [f"synth0000{k}" for k in range(1, 6)]
    assert all(p.role == "producer" and p.status == "active" for p in producers)
    assert len({p.password_hash for p in producers}) == 1
    assert hasher._context.verify(SYNTH_PASSWORD, producers[0].password_hash)
    ids = [p.id for p in producers]
    regs = await fetch(engine, select(StateRegistration).where(StateRegistration.user_id.in_(ids)))
    assert sorted((r.user_id, r.state) for r in regs) == sorted((i, s) for i in ids for s in ("IL", "TX"))
    assert all(r.agent_unique_id.startswith("5") and len(r.agent_unique_id) == 9 and r.status == "active" for r in regs)
    numbers = {(r.user_id, r.state): r.agent_unique_id for r in regs}

    accounts = await fetch(engine, select(Account).where(Account.producer_id.in_(ids)))
    members = await fetch(engine, select(Member).join(Account).where(Account.producer_id.in_(ids)))
    policies = await fetch(engine, select(Policy).join(Account).where(Account.producer_id.in_(ids)))
    covered = await fetch(engine, select(PolicyMember).join(Policy).join(Account).where(Account.producer_id.in_(ids)))
    pcps = await fetch(engine, select(PcpAssignment).join(Policy).join(Account).where(Account.producer_id.in_(ids)))
    assert (len(accounts), len(members), len(policies), len(covered), len(pcps)) == (
        result.rows["accounts"],
        2000,
        result.rows["policies"],
        result.rows["policy_members"],
        result.rows["pcp_assignments"],
    )
    assert {a.producer_id for a in accounts} == set(ids)  # every producer got a book

    # Account numbers: 9 digits in the 8xxxxxxxx-9xxxxxxxx range, unique, derived from the id.
    assert all(a.account_number == account_number(a.id) and a.account_number[0] in "89" for a in accounts)
    assert len({a.account_number for a in accounts}) == len(accounts)

    # Every account has exactly one primary insured, suffix 01, whose demographics the account repeats.
    account_of = {a.id: a for a in accounts}
    primaries = {m.account_id: m for m in members if m.relationship == "primary"}
    assert len(primaries) == len(accounts) == len({m.account_id for m in members if m.suffix == "01"})
    for account_id, m in primaries.items():
        a = account_of[account_id]
        assert (m.suffix, m.first_name, m.last_name, m.date_of_birth) == (
            "01",
            a.first_name,
            a.last_name,
            a.date_of_birth,
        )

    # Books are disjoint: a member and a policy belong to their account's producer; a policy carries the
    # producer's number for the state.
    assert all(m.producer_id == account_of[m.account_id].producer_id for m in members)
    member_account = {m.id: m.account_id for m in members}
    policy_of = {p.id: p for p in policies}
    for p in policies:
        a = account_of[p.account_id]
        assert p.producer_id == a.producer_id
        assert p.producer_number == numbers[(a.producer_id, a.state)]
    for pm in covered:
        assert member_account[pm.member_id] == policy_of[pm.policy_id].account_id
        assert pm.coverage_start == policy_of[pm.policy_id].coverage_effective_date
    per_policy: dict[int, int] = {}
    for pm in covered:
        per_policy[pm.policy_id] = per_policy.get(pm.policy_id, 0) + 1
    assert all(p.member_count == per_policy[p.id] for p in policies)

    # PCP assignments only on HMO/POS policies, for members that policy covers; one current each (R-PCP-6).
    covered_pairs = {(pm.policy_id, pm.member_id) for pm in covered}
    assert all(policy_of[a.policy_id].requires_pcp and (a.policy_id, a.member_id) in covered_pairs for a in pcps)
    current = [(a.policy_id, a.member_id) for a in pcps if a.term_date == date(9999, 12, 31)]
    assert sorted(current) == sorted(pair for pair in covered_pairs if policy_of[pair[0]].requires_pcp)
    plan_ids = {p for (p,) in await fetch(engine, select(Plan.plan_id))}
    assert {p.plan_id for p in policies} <= plan_ids


async def test_synthetic_ids_leave_room_for_ordinary_inserts_and_the_schema_intact(engine, hasher) -> None:
    await seed_synthetic(engine, hasher=hasher, members=300, producers=2, seed=1, now=NOW)
    again = await seed_synthetic(engine, hasher=hasher, members=200, producers=2, seed=2, now=NOW)
    assert again.rows["members"] == 200
    count = (
        await fetch(
            engine,
            select(func.count())
            .select_from(Member)
            .join(Account)
            .join(User, User.id == Account.producer_id)
            .where(SYNTH),
        )
    )[0][0]
    assert count == 500  # the second run added to the same two producers' books
    producer = (await fetch(engine, select(User.id).where(User.username == "synth00001")))[0][0]
    async with engine.begin() as conn:  # a row without an explicit id takes the next one from the sequence
        await conn.execute(
            insert(Account).values(
                account_number="100000001",
                producer_id=producer,
                first_name="Ordinary",
                last_name="Insert",
                first_name_key="ordinary",
                last_name_key="insert",
                date_of_birth=date(1980, 1, 1),
                sex="female",
                ssn_last4="1234",
                address1="1 Main St",
                city="Chicago",
                state="IL",
                zip_code="60601",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    if engine.dialect.name == "postgresql":  # indexes and keys dropped for the load are back, as the models say
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
        assert diff == []


async def test_same_seed_and_day_give_the_same_book(engine, hasher) -> None:
    async def content() -> list[tuple[Any, ...]]:
        stmt = (
            select(
                User.username,
                Member.suffix,
                Member.first_name,
                Member.last_name,
                Member.date_of_birth,
                Account.zip_code,
                Account.email,
            )
            .join(Account, Account.id == Member.account_id)
            .join(User, User.id == Account.producer_id)
            .where(SYNTH)
            .order_by(Member.id)
        )
        return [tuple(r) for r in await fetch(engine, stmt)]

    await seed_synthetic(engine, hasher=hasher, members=400, producers=3, seed=11, now=NOW)
    first = await content()
    await _remove_synthetic(engine)
    await seed_synthetic(engine, hasher=hasher, members=400, producers=3, seed=11, now=NOW)
    assert await content() == first and len(first) == 400
