"""PORTAL_DB_PGBOUNCER (issue 18): the engines `make_database` builds for a PgBouncer in transaction pooling mode.
No server is reached here (engines connect lazily); tests/faults/test_pgbouncer.py runs the API through a real one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db import make_database, make_engine, pgbouncer_connect_args

PG = "postgresql+asyncpg://portal@127.0.0.1:1/portal"


class _Stop(Exception):
    pass


async def connect_args(engine: AsyncEngine) -> dict[str, Any]:
    """The keyword arguments the engine would hand asyncpg.connect, caught before any connection is tried."""
    seen: dict[str, Any] = {}

    def catch(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        seen.update(cparams)
        raise _Stop

    event.listen(engine.sync_engine, "do_connect", catch)
    with pytest.raises(_Stop):
        async with engine.connect():
            pass
    return seen


def test_the_setting_is_off_by_default_and_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().db_pgbouncer is False
    monkeypatch.setenv("PORTAL_DB_PGBOUNCER", "true")
    assert Settings().db_pgbouncer is True


def test_statement_caches_off_and_every_prepared_statement_named_uniquely() -> None:
    args = pgbouncer_connect_args()
    assert (args["statement_cache_size"], args["prepared_statement_cache_size"]) == (0, 0)
    names = {args["prepared_statement_name_func"]() for _ in range(1000)}
    assert len(names) == 1000 and all(n.startswith("__asyncpg_") and n.endswith("__") for n in names)


async def test_the_engine_hands_asyncpg_the_pgbouncer_arguments_only_with_the_setting() -> None:
    plain = make_engine(Settings(DATABASE_URL=PG))  # type: ignore[call-arg]
    bounced = make_engine(Settings(DATABASE_URL=PG, db_pgbouncer=True))  # type: ignore[call-arg]
    try:
        without, with_ = await connect_args(plain), await connect_args(bounced)
    finally:
        await plain.dispose()
        await bounced.dispose()
    assert "statement_cache_size" not in without and "prepared_statement_name_func" not in without
    assert without["command_timeout"] == with_["command_timeout"] == 30  # the usual arguments stay
    assert with_["statement_cache_size"] == 0 and with_["prepared_statement_cache_size"] == 0
    assert with_["prepared_statement_name_func"]() != with_["prepared_statement_name_func"]()


async def test_behind_pgbouncer_the_read_role_is_transactional_and_commits_at_its_end() -> None:
    plain = make_database(Settings(DATABASE_URL=PG, read_database_url=PG))  # type: ignore[call-arg]
    bounced = make_database(Settings(DATABASE_URL=PG, read_database_url=PG, db_pgbouncer=True))  # type: ignore[call-arg]
    try:
        assert plain.reads_commit is False
        assert plain.read_engine.get_execution_options()["isolation_level"] == "AUTOCOMMIT"
        assert plain.replica_sessionmaker is not None
        assert plain.replica_sessionmaker.kw["bind"].get_execution_options()["isolation_level"] == "AUTOCOMMIT"

        assert bounced.reads_commit is True
        assert "isolation_level" not in bounced.read_engine.get_execution_options()  # the primary's own engine
        assert bounced.read_engine is bounced.engine
        assert bounced.replica_sessionmaker is not None
        assert "isolation_level" not in bounced.replica_sessionmaker.kw["bind"].get_execution_options()
    finally:
        await plain.dispose()
        await bounced.dispose()


async def test_sqlite_ignores_the_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = make_database(Settings(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", db_pgbouncer=True))  # type: ignore[call-arg]
    try:
        assert db.reads_commit is False
        assert db.read_engine.get_execution_options()["isolation_level"] == "AUTOCOMMIT"
    finally:
        await db.dispose()
