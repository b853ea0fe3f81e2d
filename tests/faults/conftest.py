"""Fault tests (quality.md "Reliability"). The outage and kill tests run real `portal serve` processes on a fresh
database each (a connection to cut, a server process to kill). The outage test needs a network connection to the
database to cut, so it is skipped on the SQLite leg; the kill test runs on both legs (a fresh SQLite file there),
and so do the retry tests, which use the in-process app. PostgreSQL leg:
`PORTAL_TEST_DATABASE=postgresql pytest -m db tests/faults`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.conftest import BACKEND, POSTGRES_URL, ROOT, _pg_admin

BIN = Path(sys.executable).parent
needs_postgres = pytest.mark.skipif(
    BACKEND != "postgresql", reason="fault tests need PostgreSQL (PORTAL_TEST_DATABASE=postgresql)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PortalServer:
    """`portal serve` in a subprocess (one uvicorn worker), its output in a file (a pipe could fill and stall it)."""

    def __init__(self, database_url: str, log: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {
            **os.environ,
            "PORT": str(self.port),
            "DATABASE_URL": database_url,
            "PORTAL_MODE": "demo",
            "PORTAL_AUTH_RATE_LIMIT_PER_MINUTE": "100000",
            "PORTAL_AUTH_RATE_LIMIT_BURST": "100000",
            "PORTAL_LOG_LEVEL": "INFO",
            "PORTAL_SMTP_HOST": "",
            "PORTAL_WORKERS": "1",
            **env,
        }
        self.env.pop("PORTAL_TEST_DATABASE", None)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60, *args: str) -> PortalServer:
        """Migrate, load the demo sign-ins on first start, serve; returns once /readyz answers 200."""
        return self.launch(*args).wait_ready(timeout)

    def launch(self, *args: str) -> PortalServer:
        """Start `portal serve ARGS` without waiting (start several side by side, then `wait_ready` each)."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(BIN / "portal"), "serve", *args], env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        return self

    def wait_ready(self, timeout: float = 60) -> PortalServer:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server died on start:\n{self.output()[-4000:]}")
            time.sleep(0.1)
        raise RuntimeError(f"the server was not ready within {timeout}s:\n{self.output()[-4000:]}")

    def kill(self) -> None:
        """kill -9: no shutdown, no rollback from the server's side; the kernel closes its sockets."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the leg (the server migrates it on start): a PostgreSQL database, dropped
    afterwards, or on the SQLite leg a new file."""
    if BACKEND == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fault.db'}"
        return
    name = f"portal_fault_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def pg(fresh_database: str) -> AsyncIterator[AsyncEngine]:
    """The test's own connection to the database (on PostgreSQL straight to it, never through a proxy), to check
    state."""
    engine = create_async_engine(fresh_database, pool_size=2)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[PortalServer]]:
    """Servers a test starts are stopped afterwards; none of them may have answered a 500."""
    started: list[PortalServer] = []
    yield started
    for server in started:
        server.stop()
    for server in started:
        out = server.output()
        assert '"unhandled error"' not in out, out[-6000:]


def sign_in(base: str, username: str = "demoagent", password: str = "Demo1234") -> dict[str, str]:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": password}, timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def assert_unavailable(r: httpx.Response) -> dict[str, Any]:
    """503 as a problem document that tells the client to come back."""
    assert r.status_code == 503, (r.request.method, r.request.url.path, r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    assert int(r.headers["retry-after"]) > 0
    body: dict[str, Any] = r.json()
    assert body["status"] == 503 and body["code"] == "service_unavailable" and body["detail"], body
    assert body["instance"] == r.request.url.path and body["request_id"] == r.headers["x-request-id"], body
    return body
