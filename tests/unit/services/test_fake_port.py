"""The fake unit of work provides the whole port: a repository the port gains must be faked before a service
using it can be unit tested, and this is where that shows (not as an AttributeError deep in a service test).
Also the fake idempotency repository keeps the unique key and the conditional statements of the SQL one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal, get_args, get_origin, get_type_hints

import pytest
from sqlalchemy import select

from app.repositories.base import RepositoryBase
from app.repositories.idempotency import IN_PROGRESS
from app.repositories.orm import IdempotencyKey
from app.repositories.outbox import OutboxRepository
from app.repositories.uow import Role, UnitOfWork
from tests.fakes import FakeRepository, FakeStore, FakeUnitOfWork

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def port_problems(port: type, uow: FakeUnitOfWork) -> list[str]:
    """What `uow` (entered) lacks of what `port` annotates: each repository must be a fake (so an unfaked method
    fails loudly) that is an instance of the annotated class; the role one of the Literal's values."""
    problems = []
    for name, hint in get_type_hints(port).items():
        value = getattr(uow, name, None)
        if isinstance(hint, type):
            if not isinstance(value, hint) or not isinstance(value, FakeRepository):
                problems.append(f"{name}: {type(value).__name__} is not a fake {hint.__name__}")
        elif get_origin(hint) is Literal:
            if value not in get_args(hint):
                problems.append(f"{name}: {value!r} is not one of {get_args(hint)}")
        else:
            problems.append(f"{name}: no check for a port attribute annotated {hint!r}")
    return problems


class GrownPort(UnitOfWork):
    """The port after a repository was added to it and not yet to the fake."""

    widgets: OutboxRepository
    mode: Role


@pytest.mark.parametrize("role", ["write", "read"])
async def test_the_fake_builds_every_attribute_the_port_annotates(role: Role) -> None:
    hints = get_type_hints(UnitOfWork)
    assert {"users", "payments", "idempotency", "members", "reports", "session_checks", "role"} <= hints.keys()
    async with FakeUnitOfWork(FakeStore(), role=role) as uow:
        assert port_problems(UnitOfWork, uow) == []


async def test_the_check_fails_for_an_attribute_the_fake_does_not_build() -> None:
    async with FakeStore().uow() as uow:
        assert port_problems(GrownPort, uow) == [
            "widgets: NoneType is not a fake OutboxRepository",
            "mode: None is not one of ('write', 'read')",
        ]


async def test_every_fake_repository_fails_loudly_on_a_method_not_faked() -> None:
    async with FakeStore().uow() as uow:
        for name, hint in get_type_hints(UnitOfWork).items():
            repo = getattr(uow, name)
            if isinstance(hint, type) and isinstance(repo, RepositoryBase):
                with pytest.raises(NotImplementedError, match=type(repo).__name__):
                    await repo.page(select(repo.model), page=1, page_size=10)


# --- the fake idempotency repository -----------------------------------------------------------------------------


async def claim(uow: UnitOfWork, user_id: int = 1, key: str = "k1", *, now: datetime = NOW) -> bool:
    return await uow.idempotency.claim(
        user_id=user_id,
        key=key,
        method="POST",
        path="/documents",
        request_hash="h",
        now=now,
        expires_at=now + timedelta(hours=24),
    )


async def test_claim_is_refused_by_the_unique_key_including_a_row_another_unit_of_work_committed() -> None:
    store = FakeStore()
    async with store.uow() as first, store.uow() as second:
        assert await second.idempotency.find(1, "k1") is None
        assert await claim(first)
        assert not await claim(first)  # flushed in this transaction
        await first.commit()
        assert not await claim(second)  # committed by the other one since `second` looked
        assert await claim(second, user_id=2) and await claim(second, key="k2")  # the key is (user_id, key)
        await second.commit()
    assert [(r.user_id, r.key, r.status_code) for r in store.rows(IdempotencyKey)] == [
        (1, "k1", IN_PROGRESS),
        (2, "k1", IN_PROGRESS),
        (1, "k2", IN_PROGRESS),
    ]


async def test_a_forgotten_row_frees_its_key_in_the_same_transaction() -> None:
    store = FakeStore()
    old = store.seed(
        IdempotencyKey(
            user_id=1,
            key="k1",
            method="POST",
            path="/documents",
            request_hash="h",
            status_code=201,
            response_body={},
            created_at=NOW - timedelta(days=2),
            expires_at=NOW - timedelta(days=1),
        )
    )
    async with store.uow() as uow:
        record = await uow.idempotency.find(1, "k1")
        assert record is not None
        await uow.idempotency.forget(record)
        assert await claim(uow)
        await uow.commit()
    assert [(r.id, r.created_at) for r in store.rows(IdempotencyKey)] == [(old.id + 1, NOW)]


async def test_of_two_retries_taking_over_a_lapsed_claim_only_one_wins() -> None:
    store = FakeStore()
    async with store.uow() as uow:
        assert await claim(uow)
        await uow.commit()
    lapsed, later = NOW + timedelta(seconds=1), NOW + timedelta(seconds=61)
    async with store.uow() as first, store.uow() as second:
        mine, theirs = await first.idempotency.find(1, "k1"), await second.idempotency.find(1, "k1")
        assert mine is not None and theirs is not None
        assert await first.idempotency.take_over(mine.id, lapsed=lapsed, now=later)
        await first.commit()
        # `second` loaded the row before `first` took it over; its UPDATE sees the committed row all the same.
        assert not await second.idempotency.take_over(theirs.id, lapsed=lapsed, now=later)
    assert store.one(IdempotencyKey).created_at == later


async def test_release_drops_only_the_claim_made_at_that_time_and_still_in_progress() -> None:
    store = FakeStore()
    async with store.uow() as uow:
        assert await claim(uow) and await claim(uow, key="k2")
        await uow.commit()
    async with store.uow() as uow:
        await uow.idempotency.release(1, "k1", claimed_at=NOW - timedelta(seconds=1))  # taken over since
        await uow.idempotency.store_answer(1, "k2", status_code=201, body={"id": 7})
        await uow.idempotency.release(1, "k2", claimed_at=NOW)  # answered: not a claim any more
        await uow.commit()
    assert [(r.key, r.status_code, r.response_body) for r in store.rows(IdempotencyKey)] == [
        ("k1", IN_PROGRESS, None),
        ("k2", 201, {"id": 7}),
    ]
    async with store.uow() as uow:
        await uow.idempotency.release(1, "k1", claimed_at=NOW)
        await uow.commit()
    assert [r.key for r in store.rows(IdempotencyKey)] == ["k2"]


async def test_issue_19_the_sql_unit_of_work_makes_every_repository_of_the_port_on_first_use() -> None:
    """SqlUnitOfWork builds its repositories lazily (issue 19): each one the port annotates is in its tables, of the
    annotated class, made once and on the unit of work's session."""
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from app.repositories.uow import SqlUnitOfWork

    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    try:
        async with SqlUnitOfWork(async_sessionmaker(engine)) as uow:
            for name, hint in get_type_hints(UnitOfWork).items():
                if isinstance(hint, type):
                    repository = getattr(uow, name)
                    assert isinstance(repository, hint), name
                    assert getattr(uow, name) is repository and repository.session is uow.session, name
            with pytest.raises(AttributeError):
                uow.no_such_repository  # noqa: B018
    finally:
        await engine.dispose()
