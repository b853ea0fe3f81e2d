"""Alembic migrations on the leg's database: the schema at head matches the models, and they run twice."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.cli import _alembic_config, db_upgrade
from app.config import Settings
from app.db import make_engine
from app.repositories.orm import Base


async def test_schema_at_head_matches_the_models(database_url: str) -> None:
    engine = make_engine(Settings(DATABASE_URL=database_url))  # type: ignore[call-arg]
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}),
                                              Base.metadata))
            tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    finally:
        await engine.dispose()
    assert diff == []
    assert {"users", "registrations", "state_registrations", "auth_sessions", "refresh_tokens", "outbox",
            "audit_events", "alembic_version"} <= tables


def test_upgrade_is_idempotent_and_downgrade_works(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    settings = Settings(DATABASE_URL=url)  # type: ignore[call-arg]
    db_upgrade(settings)
    db_upgrade(settings)  # an up-to-date database is left alone
    command.downgrade(_alembic_config(url), "base")
    db_upgrade(settings)


async def test_upgrading_an_older_database_keeps_its_rows(tmp_path) -> None:
    """0001 -> head rebuilds `users` on SQLite (batch mode): referencing rows must survive."""
    import asyncio
    from datetime import UTC, datetime

    from sqlalchemy import text

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(command.upgrade, _alembic_config(url), "0001")
    now = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
    engine = make_engine(Settings(DATABASE_URL=url))  # type: ignore[call-arg]
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO users (id, role, username, password_hash, first_name, last_name, status, "
                "failed_sign_ins, must_change_password, created_at, updated_at) VALUES "
                "(1, 'producer', 'olduser', 'x', 'O', 'U', 'active', 0, 0, :now, :now)"), {"now": now})
            await conn.execute(text(
                "INSERT INTO auth_sessions (id, user_id, created_at, expires_at) VALUES ('s1', 1, :now, :now)"),
                {"now": now})
        await asyncio.to_thread(command.upgrade, _alembic_config(url), "head")
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM auth_sessions"))).scalar_one() == 1
            assert (await conn.execute(text("SELECT username, producer_id FROM users"))).one() == ("olduser", None)
    finally:
        await engine.dispose()
