"""Engines and session factory, built in the app's lifespan (never at import time)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from app.config import Settings

# aiosqlite logs every statement with its parameters at DEBUG: PHI in the log whenever the level is lowered.
logging.getLogger("aiosqlite").setLevel(logging.WARNING)


@dataclass
class Database:
    engine: AsyncEngine
    read_engine: (
        AsyncEngine  # AUTOCOMMIT, no reset-on-return: for hot read paths (quality.md "Speed"); see reads_commit
    )
    sessionmaker: async_sessionmaker[Any]
    read_sessionmaker: async_sessionmaker[Any]  # sessions on read_engine (the read role of the unit of work)
    # The replica (PORTAL_READ_DATABASE_URL; its sessions AUTOCOMMIT) for the lag-tolerant queries of the read role:
    # member search, client detail, reports. None: they read on the primary's read engine.
    replica_engine: AsyncEngine | None = None
    replica_sessionmaker: async_sessionmaker[Any] | None = None
    # PORTAL_DB_PGBOUNCER: the read role runs in transactions, not AUTOCOMMIT, and commits when its unit of work ends
    # (`make_database` says why).
    reads_commit: bool = False

    async def ping(self) -> None:
        """A trivial query on the read engine (and the replica, when there is one): the database answers."""
        for engine in (self.read_engine, self.replica_engine):
            if engine is not None:
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.replica_engine is not None:
            await self.replica_engine.dispose()


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


# --- SQLite: a transaction that will write takes the write lock before it reads --------------------------------
# PostgreSQL serialises read-then-write with `SELECT ... FOR UPDATE` (a row lock held to the end of the
# transaction). SQLite has no row locks and drops FOR UPDATE; the sqlite3 driver only opens a (deferred)
# transaction in front of the first INSERT/UPDATE/DELETE, so every read before it runs unlocked and two requests
# can both read "not submitted yet" and both submit. Here the first statement of a transaction that locks rows
# (FOR UPDATE) or writes opens it with BEGIN IMMEDIATE: SQLite's one write lock, held to commit or rollback, so
# whatever the transaction read under it cannot change before it commits - the FOR UPDATE reasoning holds.
# Other writers wait for it (busy_timeout); readers do not (WAL). Plain reads before it stay unlocked, as they are
# on PostgreSQL (read committed); the AUTOCOMMIT read engine never takes the lock.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _takes_write_lock(statement: str, context: Any) -> bool:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    locking = getattr(getattr(getattr(context, "compiled", None), "statement", None), "_for_update_arg", None)
    if locking is not None:
        # SKIP LOCKED claims too (the outbox, due contact changes, carrier decisions): two processes on one SQLite
        # file must not both read a row as unclaimed. Every claim transaction is short - the outbox claims its
        # messages in one transaction and sends them after it commits (app/outbox.py) - so the lock is not held
        # across network I/O (issue 18).
        return True
    return statement.lstrip()[:7].upper().startswith(_WRITES)


def _sqlite_begin_immediate(
    conn: Any, cursor: Any, statement: str, _parameters: Any, context: Any, _executemany: bool
) -> None:
    if not _takes_write_lock(statement, context):
        return
    driver = conn.connection.driver_connection
    if driver is None or driver.isolation_level is None or driver.in_transaction:
        return  # autocommit (the read engine), or the transaction has begun (and holds the lock if it writes)
    cursor.execute("BEGIN IMMEDIATE")


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4().hex}__"


def pgbouncer_connect_args() -> dict[str, Any]:
    """asyncpg behind PgBouncer in transaction pooling mode (PORTAL_DB_PGBOUNCER, issue 18).

    PgBouncer (before 1.21, or without `max_prepared_statements`) hands each transaction whichever server connection
    is free, while asyncpg and SQLAlchemy's asyncpg dialect keep named prepared statements per client connection
    and reuse them: the next transaction finds "prepared statement ... does not exist" on its new server
    connection, or two clients' `__asyncpg_stmt_1__` meet on one server connection ("... already exists").
    So: no statement cache in asyncpg (its own queries use the unnamed statement), none in the dialect (every
    execution prepares afresh, within its transaction), and a unique name for each statement the dialect
    prepares, so that two clients never collide on one server connection. SQLAlchemy documents this set
    ("Prepared Statement Name with PGBouncer" in its asyncpg dialect notes).
    """
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": _unique_statement_name,
    }


def make_engine(settings: Settings, *, for_migrations: bool = False) -> AsyncEngine:
    url = settings.database_url
    # No pre-ping: it is one more round trip on every checkout (measured in docs/benchmarks.md). A connection
    # that died with the server fails its first statement instead; SQLAlchemy sees the disconnect, invalidates
    # the whole pool, that request answers 503 and the next ones connect afresh (tests/faults/).
    # hide_parameters: a failing statement's error (and so any log line) never carries its bind values (PHI).
    kwargs: dict[str, Any] = {"pool_pre_ping": settings.db_pool_pre_ping, "hide_parameters": True}
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
        if settings.db_pgbouncer and url.startswith("postgresql+asyncpg"):
            kwargs["connect_args"].update(pgbouncer_connect_args())
    engine = create_async_engine(url, **kwargs)
    if settings.is_sqlite:
        event.listen(
            engine.sync_engine, "connect", _sqlite_pragmas_for_migrations if for_migrations else _sqlite_pragmas
        )
        if not for_migrations:
            event.listen(engine.sync_engine, "before_cursor_execute", _sqlite_begin_immediate)
    return engine


def make_database(settings: Settings) -> Database:
    engine = make_engine(settings)
    # Behind PgBouncer in transaction pooling mode the read role cannot be AUTOCOMMIT: SQLAlchemy's asyncpg dialect
    # prepares every statement (Parse ... Sync) and then runs it (Bind, Execute ... Sync); outside a transaction
    # PgBouncer may hand those two steps to different server connections, and the second finds no such prepared
    # statement (sqlalchemy/sqlalchemy#12836). Inside a transaction both stay on one server connection. So there the
    # read role takes the primary's transactional engine and its unit of work commits at the end what AUTOCOMMIT
    # would have committed statement by statement (the audit rows of reads): one BEGIN/COMMIT more per read.
    transactional_reads = settings.db_pgbouncer and not settings.is_sqlite
    read_engine = engine if transactional_reads else engine.execution_options(isolation_level="AUTOCOMMIT")
    replica_engine = replica_sessionmaker = None
    if settings.read_database_url:
        replica_engine = make_engine(settings.model_copy(update={"database_url": settings.read_database_url}))
        replica_sessionmaker = async_sessionmaker(
            replica_engine if transactional_reads else replica_engine.execution_options(isolation_level="AUTOCOMMIT"),
            expire_on_commit=False,
            autoflush=False,
        )
    return Database(
        engine=engine,
        read_engine=read_engine,
        sessionmaker=async_sessionmaker(engine, expire_on_commit=False, autoflush=False),
        read_sessionmaker=async_sessionmaker(read_engine, expire_on_commit=False, autoflush=False),
        replica_engine=replica_engine,
        replica_sessionmaker=replica_sessionmaker,
        reads_commit=transactional_reads,
    )
