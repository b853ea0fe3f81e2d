"""Database gone during load (quality.md "Reliability"): 503 problem documents, quickly, while PostgreSQL is
unreachable; `/readyz` fails; the same server process serves again once it is back; no partial writes.

A real server talks to PostgreSQL through `TcpProxy`; "the database goes away" is the proxy cutting every
connection and refusing new ones (the shared PostgreSQL server itself is never touched).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app.repositories.orm import AuditEvent, Prospect, User
from tests.faults.conftest import PortalServer, assert_unavailable, needs_postgres, sign_in
from tests.faults.proxy import TcpProxy

pytestmark = [pytest.mark.db, pytest.mark.faults, needs_postgres]

ANSWER_BOUND = 2.0  # seconds: the longest any request may take, before, during or after it (seen: ~0.1 s)
RECOVERY_BOUND = 5.0  # seconds from "the database is back" until a read and a write have succeeded
CLIENTS = 4


@dataclass
class Call:
    kind: str  # "read" or "write"
    tag: str
    started: float
    ended: float
    status: int | None  # None: no answer (transport error or the client's timeout)
    response: httpx.Response | None
    error: str = ""

    @property
    def elapsed(self) -> float:
        return self.ended - self.started


class Load:
    """CLIENTS signed-in clients, each alternating a prospect search and a prospect create (a unique last name
    per create, so the database can be checked request by request)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.calls: list[Call] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(n)) for n in range(CLIENTS)]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def _run(self, n: int) -> None:
        seq = 0
        while not self._stop.is_set():
            seq += 1
            tag = f"Outage-{n}-{seq}"
            kind = "write" if seq % 2 else "read"
            started = time.monotonic()
            try:
                if kind == "write":
                    r = await self.client.post(
                        "/api/v1/prospects",
                        json={
                            "first_name": "Fault",
                            "last_name": tag,
                            "state": "IL",
                            "zip_code": "60601",
                            "city": "Chicago",
                            "email": f"{tag.lower()}@example.com",
                        },
                    )
                else:
                    r = await self.client.get("/api/v1/prospects", params={"last_name": "Outage", "page_size": 5})
                self.calls.append(Call(kind, tag, started, time.monotonic(), r.status_code, r))
            except httpx.HTTPError as exc:
                self.calls.append(Call(kind, tag, started, time.monotonic(), None, None, repr(exc)))
            await asyncio.sleep(0.02)

    def first_success_after(self, kind: str, t: float) -> Call | None:
        ok = [c for c in self.calls if c.kind == kind and c.started >= t and c.status in (200, 201)]
        return min(ok, key=lambda c: c.ended) if ok else None


def _check_success(call: Call) -> None:
    assert call.response is not None, call
    if call.kind == "write":
        assert call.status == 201, call.response.text
        body = call.response.json()
        assert body["last_name"] == call.tag and body["first_name"] == "Fault" and body["id"] > 0, body
        assert call.response.headers["location"] == f"/api/v1/prospects/{body['id']}"
    else:
        assert call.status == 200, call.response.text
        body = call.response.json()
        assert set(body) >= {"items", "total", "page", "page_size"} and body["page_size"] == 5, body


async def _wait_for_recovery(load: Load, since: float) -> float:
    while time.monotonic() - since < RECOVERY_BOUND + ANSWER_BOUND:
        if load.first_success_after("read", since) and load.first_success_after("write", since):
            break
        await asyncio.sleep(0.05)
    read, write = load.first_success_after("read", since), load.first_success_after("write", since)
    assert read is not None and write is not None, "no successful read and write after the database came back"
    recovered = max(read.ended, write.ended)
    assert recovered - since < RECOVERY_BOUND, f"serving again took {recovered - since:.2f}s"
    return recovered


async def test_database_outage_gives_quick_503s_and_the_same_server_recovers_without_partial_writes(
    fresh_database: str, pg: AsyncEngine, servers: list[PortalServer], tmp_path: Path
) -> None:
    upstream = make_url(fresh_database)
    proxy = TcpProxy(upstream.host or "127.0.0.1", upstream.port or 5432).start()
    try:
        server = PortalServer(
            upstream.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
            tmp_path / "server.log",
        )
        servers.append(server)
        server.start()
        assert server.proc is not None
        pid = server.proc.pid
        headers = sign_in(server.base)
        async with httpx.AsyncClient(base_url=server.base, headers=headers, timeout=ANSWER_BOUND * 5) as client:
            load = Load(client)
            load.start()
            await asyncio.sleep(1.5)

            t_down = time.monotonic()
            assert await asyncio.to_thread(proxy.down) > 0  # the server's pooled connections are cut
            t_down_done = time.monotonic()
            await asyncio.sleep(1.0)
            started = time.monotonic()
            ready_down = await client.get("/readyz")
            ready_down_elapsed = time.monotonic() - started
            await asyncio.sleep(1.5)

            t_up = time.monotonic()
            await asyncio.to_thread(proxy.up)
            recovered = await _wait_for_recovery(load, t_up)
            await asyncio.sleep(1.5)
            await load.stop()
            ready_after = await client.get("/readyz")
        assert server.proc.poll() is None and server.proc.pid == pid  # served again without a restart
    finally:
        proxy.close()

    # /readyz fails fast during the outage and passes again afterwards
    body = assert_unavailable(ready_down)
    assert body["detail"] == "The database is not reachable." and ready_down_elapsed < ANSWER_BOUND
    assert body["checks"]["database"] != "ok" and "redis" not in body["checks"]  # no Redis configured
    assert ready_after.status_code == 200
    assert ready_after.json() == {"status": "ready", "database": "ok", "storage": "ok", "redis": None}

    calls = load.calls
    # never a hang, never a 500, never a dropped connection: every request got an answer within the bound
    assert all(c.status is not None for c in calls), [c for c in calls if c.status is None][:3]
    slow = [(c.kind, c.status, round(c.elapsed, 2)) for c in calls if c.elapsed >= ANSWER_BOUND]
    assert not slow, slow
    assert all(c.status in (200, 201, 503) for c in calls), {c.status for c in calls}

    before = [c for c in calls if c.ended < t_down]
    during = [c for c in calls if c.started >= t_down_done and c.ended < t_up]
    after = [c for c in calls if c.started >= recovered]
    assert len(before) >= 10 and len(during) >= 10 and len(after) >= 10, (len(before), len(during), len(after))
    for call in before + after:
        _check_success(call)
    for call in during:  # every request while the database is gone: a 503 problem document, quickly
        assert call.response is not None
        assert_unavailable(call.response)
    for call in calls:
        if call.status in (200, 201):
            _check_success(call)
        elif call.response is not None:
            assert_unavailable(call.response)

    # no partial writes: each 201 is in the database with its audit event; a failed create left nothing,
    # except possibly one cut mid-commit (the client cannot know; then it must be whole too)
    writes = [c for c in calls if c.kind == "write"]
    created = {c.tag: c.response.json()["id"] for c in writes if c.status == 201 and c.response is not None}
    in_doubt = {c.tag for c in writes if c.status != 201 and c.started < t_down_done and c.ended >= t_down}
    failed = {c.tag for c in writes if c.status != 201} - in_doubt
    assert created and failed, (len(created), len(failed))
    async with pg.connect() as conn:
        producer = (await conn.execute(select(User.id).where(User.username == "demoagent"))).scalar_one()
        rows = {
            r.last_name: r
            for r in (
                await conn.execute(
                    select(Prospect.id, Prospect.last_name, Prospect.producer_id, Prospect.email).where(
                        Prospect.last_name.like("Outage-%")
                    )
                )
            ).all()
        }
        audits: dict[str, int] = {
            str(t): int(n)
            for t, n in (
                await conn.execute(
                    select(AuditEvent.target_id, func.count())
                    .where(AuditEvent.action == "prospect.created")
                    .group_by(AuditEvent.target_id)
                )
            ).all()
        }
    for tag, prospect_id in created.items():
        row = rows.get(tag)
        assert row is not None, f"{tag} was answered 201 but is not in the database"
        assert (row.id, row.producer_id, row.email) == (prospect_id, producer, f"{tag.lower()}@example.com")
    assert not failed & set(rows), f"failed creates were stored: {sorted(failed & set(rows))}"
    assert set(rows) <= set(created) | in_doubt
    assert {str(r.id) for r in rows.values()} == set(audits) and set(audits.values()) == {1}

    # the server logged the outage as such (and, checked by the `servers` fixture, never an unhandled error)
    assert '"database unavailable"' in server.output()


async def test_tcp_proxy_refuses_while_down_and_forwards_again_when_up() -> None:
    """The fault tool itself: down means connection refused at once; up means PostgreSQL answers again."""
    import asyncpg

    from tests.conftest import POSTGRES_URL

    url = make_url(POSTGRES_URL)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    dsn = f"postgresql://{url.username}@127.0.0.1:{proxy.port}/{url.database}"
    try:
        conn = await asyncpg.connect(dsn, timeout=5)
        assert await conn.fetchval("SELECT 41 + 1") == 42
        assert proxy.down() == 1
        with pytest.raises(
            (asyncpg.exceptions.ConnectionDoesNotExistError, asyncpg.exceptions.InterfaceError, ConnectionError)
        ):
            await conn.fetchval("SELECT 1")
        started = time.monotonic()
        with pytest.raises(OSError):
            await asyncpg.connect(dsn, timeout=5)
        assert time.monotonic() - started < 0.5
        proxy.up()
        conn = await asyncpg.connect(dsn, timeout=5)
        assert await conn.fetchval("SELECT 'back'") == "back"
        await conn.close()
    finally:
        proxy.close()
