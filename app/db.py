"""Engines and session factory, built in the app's lifespan (never at import time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from app.config import Settings


@dataclass
class Database:
    engine: AsyncEngine
    read_engine: AsyncEngine  # AUTOCOMMIT, no reset-on-return: for hot read paths (quality.md "Speed")
    sessionmaker: async_sessionmaker[Any]

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    _sqlite_common(cur)


def _sqlite_pragmas_for_migrations(dbapi_conn: Any, _record: Any) -> None:
    # Batch migrations rebuild tables (copy, drop, rename): with foreign keys on, dropping the old
    # table would cascade-delete every referencing row. SQLite's own advice: keys off while altering.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=OFF")
    _sqlite_common(cur)


def _sqlite_common(cur: Any) -> None:
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(settings: Settings, *, for_migrations: bool = False) -> AsyncEngine:
    url = settings.database_url
    # No pre-ping: it is one more round trip on every checkout (measured in docs/benchmarks.md). A connection
    # that died with the server fails its first statement instead; SQLAlchemy sees the disconnect, invalidates
    # the whole pool, that request answers 503 and the next ones connect afresh (tests/faults/).
    kwargs: dict[str, Any] = {"pool_pre_ping": settings.db_pool_pre_ping}
    if settings.is_sqlite:
        path = settings.sqlite_path()
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 5}
    else:
        kwargs.update(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_timeout_seconds,
            connect_args={"timeout": settings.db_timeout_seconds, "command_timeout": 30},
        )
    engine = create_async_engine(url, **kwargs)
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect",
                     _sqlite_pragmas_for_migrations if for_migrations else _sqlite_pragmas)
    return engine


def make_database(settings: Settings) -> Database:
    engine = make_engine(settings)
    read_engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    return Database(
        engine=engine,
        read_engine=read_engine,
        sessionmaker=async_sessionmaker(engine, expire_on_commit=False, autoflush=False),
    )
