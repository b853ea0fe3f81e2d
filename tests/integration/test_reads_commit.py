"""The read role behind PgBouncer (PORTAL_DB_PGBOUNCER, issue 18): a transaction instead of AUTOCOMMIT, committed when
the unit of work ends, so what a read writes (its audit row, R-MEM-6) is kept as AUTOCOMMIT keeps it - also when the
use case then refuses the request - and not after a failed statement."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.config import Settings
from app.db import make_database
from app.domain.errors import NotFound
from app.repositories.orm import AuditEvent
from app.repositories.uow import SqlUnitOfWork
from tests.conftest import START


def audit_row(action: str) -> dict[str, Any]:
    columns = [c.name for c in AuditEvent.__table__.columns if c.name != "id"]
    return {**dict.fromkeys(columns), "occurred_at": START, "action": action, "outcome": "success"}


async def count(db, action: str) -> int:  # type: ignore[no-untyped-def]
    async with db.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)))


async def test_r_mem_6_audit_rows_of_a_transactional_read_role_are_committed_at_its_end(database_url: str) -> None:
    db = make_database(Settings(DATABASE_URL=database_url))  # type: ignore[call-arg]
    kept, refused, failed, plain = (f"test.{uuid.uuid4().hex[:12]}" for _ in range(4))
    try:
        async with SqlUnitOfWork(db.sessionmaker, role="read", commit_on_exit=True) as reads:
            await reads.audit.insert_rows([audit_row(kept)])
        assert await count(db, kept) == 1

        with pytest.raises(NotFound):
            async with SqlUnitOfWork(db.sessionmaker, role="read", commit_on_exit=True) as reads:
                await reads.audit.insert_rows([audit_row(refused)])
                raise NotFound("No such client.")
        assert await count(db, refused) == 1  # refused after the read: its audit row stays, as with AUTOCOMMIT

        with pytest.raises(DBAPIError):
            async with SqlUnitOfWork(db.sessionmaker, role="read", commit_on_exit=True) as reads:
                await reads.audit.insert_rows([audit_row(failed)])
                await reads.session.execute(text("SELECT * FROM no_such_table"))
        assert await count(db, failed) == 0  # a failed statement: nothing to commit (PostgreSQL aborted it)

        async with SqlUnitOfWork(db.sessionmaker, role="read") as reads:  # without: the usual roll back on close
            await reads.audit.insert_rows([audit_row(plain)])
        assert await count(db, plain) == 0
    finally:
        await db.dispose()
