"""Two instances, one service (issue 18): two `portal serve` processes on different ports share one PostgreSQL
database, one Redis and the upload folder, as two machines behind a load balancer would.

- a session signed out on one is refused on the other;
- the sign-in rate limit is global: the burst is spent across both, and the next attempt gets 429 on either;
- a document uploaded through one is listed and deleted through the other;
- outbox messages enqueued on both, with both dispatchers polling, reach the SMTP sink exactly once each;
- webhook events written on both, with both webhook dispatchers polling, reach a receiver exactly once each (issue 17).

PostgreSQL leg only (`-m db`): SQLite is a single-machine database.
"""

from __future__ import annotations

import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cli import _seed_demo, db_upgrade
from app.config import Settings
from app.repositories.orm import Document, OutboxMessage, WebhookDelivery
from tests.faults.conftest import PortalServer, needs_postgres, sign_in

pytestmark = [pytest.mark.db, needs_postgres]

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
BURST = 10
MESSAGES = 6


def problem(r: httpx.Response, status: int, code: str) -> dict:  # type: ignore[type-arg]
    assert r.status_code == status, (r.request.url, r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == code and body["detail"], body
    return body  # type: ignore[no-any-return]


async def test_two_instances_share_sessions_rate_limits_documents_and_the_outbox(
    fresh_database: str,
    pg: AsyncEngine,
    servers: list[PortalServer],
    tmp_path: Path,
    redis_url: str,
    redis_prefix: str,
    smtp_server,  # type: ignore[no-untyped-def]
    mail,  # type: ignore[no-untyped-def]
) -> None:
    uploads = tmp_path / "uploads"
    shared = {
        "PORTAL_REDIS_URL": redis_url,
        "PORTAL_REDIS_KEY_PREFIX": redis_prefix,
        "PORTAL_AUTH_RATE_LIMIT_PER_MINUTE": "1",  # no token comes back during the test
        "PORTAL_AUTH_RATE_LIMIT_BURST": str(BURST),
        "PORTAL_TRUST_FORWARDED_FOR": "true",  # each part of the test is its own client address
        "PORTAL_STORAGE_DIR": str(uploads),
        "PORTAL_SMTP_HOST": "127.0.0.1",
        "PORTAL_SMTP_PORT": str(smtp_server[1]),
        "PORTAL_OUTBOX_RETRY_SECONDS": "0.2",  # both dispatchers poll all the time: they compete for every row
        "PORTAL_WEBHOOK_DISPATCH_SECONDS": "0.2",  # so do both webhook dispatchers
        "PORTAL_ARGON2_MEMORY_KIB": "64",
        "PORTAL_ARGON2_TIME_COST": "1",
    }
    # As a release would: migrate and load the demo sign-ins once, then start both instances side by side with
    # --no-migrate (two instances migrating one database at once is not a supported start).
    prepared = Settings(DATABASE_URL=fresh_database, argon2_memory_kib=64, argon2_time_cost=1)  # type: ignore[call-arg]
    await asyncio.to_thread(db_upgrade, prepared)
    assert "demoagent" in await _seed_demo(prepared)
    a = PortalServer(fresh_database, tmp_path / "a.log", **shared).launch("--no-migrate")
    servers.append(a)
    b = PortalServer(fresh_database, tmp_path / "b.log", **shared).launch("--no-migrate")
    servers.append(b)
    a.wait_ready()
    b.wait_ready()
    assert a.port != b.port
    for server in (a, b):
        ready = httpx.get(f"{server.base}/readyz", timeout=5)
        assert ready.json() == {"status": "ready", "database": "ok", "storage": "ok", "redis": "ok"}

    # -- a session signed out on A is refused on B ---------------------------------------------------------------
    tokens = httpx.post(
        f"{a.base}/api/v1/auth/token", data={"username": "demoagent", "password": "Demo1234"}, timeout=10
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert httpx.get(f"{b.base}/api/v1/me", headers=auth, timeout=10).json()["username"] == "demoagent"
    assert httpx.post(f"{a.base}/api/v1/auth/logout", headers=auth, timeout=10).status_code == 204
    problem(httpx.get(f"{b.base}/api/v1/me", headers=auth, timeout=10), 401, "session_revoked")
    refreshed = httpx.post(f"{b.base}/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, timeout=10)
    assert refreshed.status_code == 401, refreshed.text

    # -- the rate limit is global: the burst spent alternately on A and B, then 429 on either ------------------------
    client = {"X-Forwarded-For": "203.0.113.77"}
    codes = []
    for n in range(BURST):
        server = (a, b)[n % 2]
        r = httpx.post(
            f"{server.base}/api/v1/auth/token",
            data={"username": f"nobody{n}", "password": "Wrong123"},
            headers=client,
            timeout=10,
        )
        codes.append(r.status_code)
    assert codes == [401] * BURST
    for server in (a, b):
        r = httpx.post(
            f"{server.base}/api/v1/auth/token",
            data={"username": "demoagent", "password": "Demo1234"},  # even the right password waits
            headers=client,
            timeout=10,
        )
        problem(r, 429, "rate_limited")
        assert 30 <= int(r.headers["retry-after"]) <= 60  # 1 a minute, less what refilled meanwhile
    # another client address still signs in (its own bucket)
    other = httpx.post(
        f"{b.base}/api/v1/auth/token",
        data={"username": "demoagent", "password": "Demo1234"},
        headers={"X-Forwarded-For": "203.0.113.78"},
        timeout=10,
    )
    assert other.status_code == 200, other.text

    # -- a document uploaded through A is listed and deleted through B -----------------------------------------------
    auth = sign_in(a.base)
    up = httpx.post(
        f"{a.base}/api/v1/documents",
        headers=auth,
        files={"file": ("card.png", PNG, "image/png")},
        data={"document_type": "other_documents"},
        timeout=10,
    )
    assert up.status_code == 201, up.text
    tracking = up.json()["tracking_number"]
    listed = httpx.get(f"{b.base}/api/v1/documents", headers=auth, timeout=10).json()["items"]
    assert [(d["tracking_number"], d["file_name"], d["size_bytes"]) for d in listed] == [
        (tracking, "card.png", len(PNG))
    ]
    stored = [p for p in uploads.rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].read_bytes() == PNG  # one file in the shared folder
    assert httpx.delete(f"{b.base}/api/v1/documents/{tracking}", headers=auth, timeout=10).status_code == 204
    assert httpx.get(f"{a.base}/api/v1/documents", headers=auth, timeout=10).json()["items"] == []
    problem(httpx.delete(f"{a.base}/api/v1/documents/{tracking}", headers=auth, timeout=10), 404, "not_found")
    async with pg.connect() as conn:
        deleted_at = (await conn.execute(select(Document.deleted_at).where(Document.tracking_number == tracking))).one()
    assert deleted_at[0] is not None  # R-DOC-4: the row leaves the history, the carrier keeps the file

    # -- outbox: messages enqueued on both instances are each sent exactly once --------------------------------------
    for n in range(MESSAGES):
        server = (a, b)[n % 2]
        r = httpx.post(
            f"{server.base}/api/v1/auth/forgot-username",
            json={"agent_unique_id": "220002580", "email": "demoagent@agency.example"},
            headers={"X-Forwarded-For": f"198.51.100.{n + 1}"},
            timeout=10,
        )
        assert r.status_code == 202, r.text
    deadline = time.monotonic() + 10
    while len(mail.messages) < MESSAGES and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # five more polls of each dispatcher: a second send would show now
    reminders = [m for m in mail.messages if m["to"] == "demoagent@agency.example"]
    assert len(reminders) == MESSAGES, [m["subject"] for m in mail.messages]
    assert all("demoagent" in m["body"] for m in reminders)
    async with pg.connect() as conn:
        rows = (
            await conn.execute(
                select(OutboxMessage.status, OutboxMessage.attempts).where(
                    OutboxMessage.to_key == "demoagent@agency.example"
                )
            )
        ).all()
    assert sorted(rows) == [("sent", 1)] * MESSAGES

    # -- webhooks: events written through both instances, both dispatchers polling, each delivered once -----------
    received: list[str] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            received.append(self.headers["webhook-id"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        hook = httpx.post(
            f"{a.base}/api/v1/webhook-endpoints",
            headers=auth,
            json={"url": f"http://127.0.0.1:{receiver.server_port}/hook", "event_types": ["document.received"]},
            timeout=10,
        )
        assert hook.status_code == 201, hook.text
        for n in range(MESSAGES):  # document.received events, written in the upload's transaction on A or B
            up = httpx.post(
                f"{(a, b)[n % 2].base}/api/v1/documents",
                headers=auth,
                files={"file": (f"card{n}.png", PNG, "image/png")},
                data={"document_type": "other_documents"},
                timeout=10,
            )
            assert up.status_code == 201, up.text
        deadline = time.monotonic() + 10
        while len(received) < MESSAGES and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # five more polls of each dispatcher: a second delivery would show now
    finally:
        receiver.shutdown()
    assert len(received) == MESSAGES and len(set(received)) == MESSAGES, received
    async with pg.connect() as conn:
        deliveries = (await conn.execute(select(WebhookDelivery.status, WebhookDelivery.attempts))).all()
    assert sorted(deliveries) == [("succeeded", 1)] * MESSAGES

    # Measured on the shared 2-CPU machine at load average ~10: 25-39 s, about half of it the two servers starting.
