"""Migration 0008 (issue 12 #1): the payments a database already has are brought to one live payment per
application before the unique index is built; a client charged twice stops the upgrade with the ids to refund."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.cli import _alembic_config
from app.config import Settings
from app.db import make_engine

NOW = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)


async def _old_database(tmp_path: Path, payments: list[tuple[int, int, str]], payment_status: dict[int, str]) -> str:
    """A database at 0007 with one producer, the applications of `payment_status` and the given payments."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(command.upgrade, _alembic_config(url), "0007")
    engine = make_engine(Settings(DATABASE_URL=url))  # type: ignore[call-arg]
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO users (id, role, username, password_hash, first_name, last_name, status, "
                    "failed_sign_ins, must_change_password, created_at, updated_at) VALUES "
                    "(1, 'producer', 'olduser', 'x', 'O', 'U', 'active', 0, 0, :now, :now)"
                ),
                {"now": NOW},
            )
            for app_id, status in payment_status.items():
                await conn.execute(
                    text(
                        "INSERT INTO applications (id, producer_id, created_by_id, status, version, sections, "
                        "payment_status, created_at, updated_at, expires_at) VALUES "
                        "(:id, 1, 1, 'submitted', 2, '{}', :ps, :now, :now, :now)"
                    ),
                    {"id": app_id, "ps": status, "now": NOW},
                )
            for pid, app_id, status in payments:
                await conn.execute(
                    text(
                        "INSERT INTO payments (id, application_id, producer_id, method, amount, payment_date, autopay, "
                        "status, processor_token, last4, confirmation_number, created_at) VALUES "
                        "(:id, :app, 1, 'card', 10, '2026-01-01', 0, :status, 'tok', '4242', :conf, :now)"
                    ),
                    {"id": pid, "app": app_id, "status": status, "conf": f"PC{pid}", "now": NOW},
                )
    finally:
        await engine.dispose()
    return url


async def test_trust_1_migration_0008_keeps_one_live_payment_per_application(tmp_path: Path) -> None:
    url = await _old_database(
        tmp_path,
        [
            (1, 10, "Pending"),
            (2, 10, "Declined"),
            (3, 10, "Pending"),  # two waiting: the newest stays
            (4, 11, "Successful"),
            (5, 11, "Pending"),
            (6, 11, "Declined"),  # paid, then a declined duplicate
            (7, 12, "Pending"),  # already fine
        ],
        {10: "Pending", 11: "Declined", 12: "Pending"},
    )
    await asyncio.to_thread(command.upgrade, _alembic_config(url), "0008")
    engine = make_engine(Settings(DATABASE_URL=url))  # type: ignore[call-arg]
    try:
        async with engine.connect() as conn:
            payments = dict((await conn.execute(text("SELECT id, status FROM payments"))).all())
            apps = dict((await conn.execute(text("SELECT id, payment_status FROM applications"))).all())
        assert payments == {
            1: "Cancelled",
            2: "Declined",
            3: "Pending",
            4: "Successful",
            5: "Cancelled",
            6: "Declined",
            7: "Pending",
        }
        assert apps == {10: "Pending", 11: "Successful", 12: "Pending"}
        async with engine.connect() as conn:  # and the index holds from now on
            with pytest.raises(IntegrityError, match="UNIQUE"):
                await conn.execute(
                    text(
                        "INSERT INTO payments (id, application_id, producer_id, method, amount, payment_date, autopay, "
                        "status, processor_token, last4, confirmation_number, created_at) VALUES "
                        "(8, 12, 1, 'card', 10, '2026-01-01', 0, 'Pending', 'tok', '4242', 'PC8', :now)"
                    ),
                    {"now": NOW},
                )
    finally:
        await engine.dispose()
    await asyncio.to_thread(command.downgrade, _alembic_config(url), "0007")


async def test_trust_1_migration_0008_stops_on_a_client_charged_twice(tmp_path: Path) -> None:
    url = await _old_database(
        tmp_path, [(1, 10, "Successful"), (2, 10, "Successful"), (3, 11, "Pending")], {10: "Successful", 11: "Pending"}
    )
    with pytest.raises(RuntimeError, match=r"application 10: payments 1, 2"):
        await asyncio.to_thread(command.upgrade, _alembic_config(url), "0008")
