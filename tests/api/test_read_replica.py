"""Read-replica routing (issue 18, PORTAL_READ_DATABASE_URL): member search, client detail and report queries read
the replica; writes, audit rows, session checks and reads right after a write stay on the primary.

No streaming replica here: the first test points the read URL at a *second database* whose content differs from
the primary's (both legs: another PostgreSQL database, or another SQLite file), so an answer shows which one it
came from; the second (PostgreSQL leg) points it at the *same* PostgreSQL database through a second connection URL,
as a replica that is never behind would be, and checks the whole flow through the replica engine's own pool.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from app.cli import db_upgrade
from app.config import Settings
from app.context import AppContext
from app.repositories.orm import Account, AuditEvent, User
from app.repositories.uow import SqlUnitOfWork
from tests.conftest import BACKEND, POSTGRES_URL, _pg_admin
from tests.factories import make_family

SEARCH = "/api/v1/members"


@pytest.fixture
def replica_url(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second database, migrated to head, empty: it stands in for a replica that holds other data. With the
    `same_database` mark: the primary's own database through a second connection URL (its own engine and pool)."""
    if request.node.get_closest_marker("same_database"):
        yield f"{database_url}?prepared_statement_cache_size=100"  # a different URL, the same PostgreSQL database
        return
    if BACKEND == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'replica.db'}"
        db_upgrade(Settings(DATABASE_URL=url))  # type: ignore[call-arg]
        yield url
        return
    name = f"portal_replica_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
        db_upgrade(Settings(DATABASE_URL=url))  # type: ignore[call-arg]
        yield url
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(settings: Settings, replica_url: str) -> Settings:
    return settings.model_copy(update={"read_database_url": replica_url})


async def test_search_and_detail_read_the_replica_audit_and_sessions_stay_on_the_primary(
    app, client, producer, demo
) -> None:  # type: ignore[no-untyped-def]
    ctx: AppContext = app.state.ctx
    assert ctx.db.replica_sessionmaker is not None
    # The replica knows demoagent (same id) and one family the primary does not have; it has no sessions at all.
    async with ctx.uow() as uow:
        me = (await uow.session.execute(select(User).where(User.username == "demoagent"))).scalar_one()
        row = {c.key: getattr(me, c.key) for c in User.__mapper__.column_attrs}
        in_primary = (await uow.session.execute(select(func.count()).select_from(Account))).scalar_one()
    assert in_primary > 0  # the demo book
    async with SqlUnitOfWork(ctx.db.replica_sessionmaker) as replica:
        await replica.session.execute(insert(User), [row])
        family = await make_family(replica, me.id, last_name="Qreplica", ssn_last4="0999", dob=date(1970, 3, 3))
        await replica.commit()

    r = await client.get(SEARCH, params={"last_name": "qreplica"}, headers=producer)  # the session check: primary
    assert r.status_code == 200, r.text
    assert [i["account_number"] for i in r.json()["items"]] == [family.account_number] * r.json()["total"]
    assert r.json()["total"] >= 1
    demo_account = (await client.get(SEARCH, params={"account_number": "730075112"}, headers=producer)).json()
    assert demo_account["total"] == 0  # in the primary's demo book, not in the replica
    detail = await client.get(f"{SEARCH}/{family.account_number}", headers=producer)
    assert detail.status_code == 200 and detail.json()["last_name"] == "Qreplica", detail.text

    async with ctx.uow() as uow:  # every read was audited on the primary (R-MEM-6)
        actions = (
            await uow.session.execute(
                select(AuditEvent.action, AuditEvent.target_id)
                .where(AuditEvent.action.in_(("member.search", "member.detail")))
                .order_by(AuditEvent.id)
            )
        ).all()
        assert await uow.members.account_by_number(me.id, family.account_number) is None  # primary: no such account
    assert actions == [("member.search", None), ("member.search", None), ("member.detail", family.account_number)]
    async with SqlUnitOfWork(ctx.db.replica_sessionmaker) as replica:
        assert (await replica.session.execute(select(func.count()).select_from(AuditEvent))).scalar_one() == 0

    # A read right after a write (client detail after applying due contact changes) asks the primary.
    async with ctx.reads() as reads:
        assert await reads.members.account_by_number(me.id, family.account_number) is not None
    async with ctx.reads(primary=True) as reads:
        assert await reads.members.account_by_number(me.id, family.account_number) is None


@pytest.mark.skipif(BACKEND != "postgresql", reason="a second URL to the same PostgreSQL database")
@pytest.mark.same_database
async def test_a_second_url_to_the_same_database_serves_the_whole_flow(app, client, producer, demo) -> None:  # type: ignore[no-untyped-def]
    ctx: AppContext = app.state.ctx
    assert ctx.db.replica_engine is not None and ctx.db.replica_engine is not ctx.db.engine
    r = await client.get(SEARCH, params={"account_number": "730075112"}, headers=producer)
    assert r.status_code == 200 and r.json()["total"] >= 1, r.text
    assert {i["last_name"] for i in r.json()["items"]} == {"Alvarez"}
    detail = await client.get(f"{SEARCH}/730075112", headers=producer)
    assert detail.status_code == 200 and detail.json()["first_name"] == "Michael", detail.text
    assert ctx.db.replica_engine.sync_engine.pool.checkedin() >= 1  # the reads went through the replica's pool
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
