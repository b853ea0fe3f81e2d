"""The fake unit of work keeps the port's promises the service tests rely on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.repositories.orm import AuditEvent, OutboxMessage, User
from app.repositories.uow import UnitOfWork
from tests.fakes import FakeStore, FakeUnitOfWork

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def event(action: str) -> AuditEvent:
    return AuditEvent(occurred_at=NOW, action=action, outcome="success")


async def test_changes_are_visible_on_commit_and_discarded_without_it() -> None:
    store = FakeStore()
    async with store.uow() as uow:
        assert isinstance(uow, UnitOfWork) and isinstance(uow, FakeUnitOfWork)
        uow.audit.add(event("kept"))
        await uow.commit()
    async with store.uow() as uow:
        uow.audit.add(event("dropped"))
        await uow.flush()
    assert [e.action for e in store.rows(AuditEvent)] == ["kept"] and store.commits == 1


async def test_ids_and_defaults_on_flush_and_queries_see_flushed_rows_only() -> None:
    store = FakeStore()
    async with store.uow() as uow:
        user = uow.users.add(
            User(
                role="producer",
                username="a1",
                password_hash="x",
                first_name="A",
                last_name="B",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        assert user.id is None and await uow.users.get_by_username("a1") is None  # no autoflush
        await uow.flush()
        assert user.id == 1 and (user.status, user.failed_sign_ins) == ("pending", 0)
        assert await uow.users.get_by_username("a1") is user  # one object per row in a unit of work
        await uow.commit()


async def test_units_of_work_are_isolated_until_commit() -> None:
    store = FakeStore()
    user = store.seed(
        User(
            role="producer",
            username="a1",
            password_hash="x",
            first_name="A",
            last_name="B",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    async with store.uow() as first, store.uow() as second:
        mine = await first.users.get(user.id)
        mine.failed_sign_ins = 3
        assert (await second.users.get(user.id)).failed_sign_ins == 0
        await first.commit()
    assert store.one(User).failed_sign_ins == 3


async def test_after_commit_callbacks_run_once_and_only_on_commit() -> None:
    store, calls = FakeStore(), []
    async with store.uow() as uow:
        uow.after_commit(lambda: calls.append("no"))
    async with store.uow() as uow:
        uow.after_commit(lambda: calls.append("yes"))
        await uow.commit()
    assert calls == ["yes"]


async def test_a_repository_method_not_faked_fails_loudly() -> None:
    async with FakeStore().uow() as uow:
        with pytest.raises(NotImplementedError, match="FakeOutboxRepository"):
            await uow.outbox.list_messages(to=None, page=1, page_size=10)
        assert uow.outbox.add(OutboxMessage()) is not None
