"""Behind PgBouncer in transaction pooling mode (issue 18): a `portal serve` process whose DATABASE_URL is Debian's
pgbouncer, started by the test on a free loopback port in front of the test's own PostgreSQL database.

With `PORTAL_DB_PGBOUNCER=true` the server migrates, loads the demo data and serves a slice of the API through it:
sign in, member searches side by side and again (the statements a cache would reuse), a prospect written and read
back, a report page, sign out. Without the setting the same server fails on the same slice: asyncpg and
SQLAlchemy's asyncpg dialect keep named prepared statements per client connection, and PgBouncer hands the next
transaction another server connection ("prepared statement "__asyncpg_stmt_N__" does not exist", a 500).

PostgreSQL leg only (`-m db`); skipped where /usr/sbin/pgbouncer is not installed (Debian's `pgbouncer` package).
"""

from __future__ import annotations

import asyncio
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db import make_database
from app.repositories.orm import AuditEvent, AuthSession, Prospect
from tests.faults.conftest import PortalServer, free_port, needs_postgres

PGBOUNCER = Path(os.environ.get("PORTAL_TEST_PGBOUNCER", "/usr/sbin/pgbouncer"))
pytestmark = [
    pytest.mark.db,
    needs_postgres,
    pytest.mark.skipif(
        not PGBOUNCER.exists(), reason=f"{PGBOUNCER} is not installed (Debian: apt-get install pgbouncer)"
    ),
]

ACCOUNT = "730075112"  # the demo book's Michael Alvarez (api.md's example)
SEARCHERS = 6  # searches side by side: several client connections, fewer server connections behind PgBouncer
ROUNDS = 3


class PgBouncer:
    """pgbouncer in transaction pooling mode on a free loopback port, trusting user `postgres`, in front of one
    database. PgBouncer refuses to run as root: as root it is started with `-u` (the `postgres` user, else
    `nobody`), so its folder must be that user's."""

    def __init__(self, database_url: str) -> None:
        target = urlsplit(database_url)
        self.database = target.path.lstrip("/")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="portal-pgbouncer-"))
        self.user = _unprivileged_user() if os.geteuid() == 0 else None
        users = self.dir / "userlist.txt"
        users.write_text('"postgres" ""\n')
        (self.dir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"{self.database} = host={target.hostname or '127.0.0.1'} port={target.port or 5432} "
            f"dbname={self.database}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {users}\n"
            "pool_mode = transaction\n"
            # Fewer server connections than the app opens client connections: transactions move between them.
            "default_pool_size = 3\n"
            "max_client_conn = 200\n"
            f"pidfile = {self.dir / 'pgbouncer.pid'}\n"
            f"logfile = {self.dir / 'pgbouncer.log'}\n"
        )
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            for path in (self.dir, users, self.dir / "pgbouncer.ini"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self, timeout: float = 15) -> PgBouncer:
        args = [str(PGBOUNCER), *(["-u", self.user] if self.user else []), str(self.dir / "pgbouncer.ini")]
        with (self.dir / "stdout.log").open("ab") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pgbouncer exited on start:\n{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"pgbouncer did not listen within {timeout}s:\n{self.output()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def output(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-3000:]
            for p in (self.dir / "stdout.log", self.dir / "pgbouncer.log")
            if p.exists()
        )


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.skip("pgbouncer will not run as root and there is no postgres or nobody user to run it as")


@pytest.fixture
def pgbouncer(fresh_database: str) -> Iterator[PgBouncer]:
    bouncer = PgBouncer(fresh_database).start()
    try:
        yield bouncer
    finally:
        bouncer.stop()


def _server_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PORTAL_ARGON2_MEMORY_KIB": "64",
        "PORTAL_ARGON2_TIME_COST": "1",
        "PORTAL_STORAGE_DIR": str(tmp_path / "uploads"),  # /readyz writes its probe there, not in the checkout
    }


async def _searches(client: httpx.AsyncClient, auth: dict[str, str]) -> list[httpx.Response]:
    """ROUNDS rounds of SEARCHERS member searches side by side: the same statements again and again, from several
    of the server's pooled connections at once."""
    found: list[httpx.Response] = []
    for _ in range(ROUNDS):
        found += await asyncio.gather(
            *(client.get("/api/v1/members", params={"account_number": ACCOUNT}, headers=auth) for _ in range(SEARCHERS))
        )
    return found


async def test_the_api_works_behind_pgbouncer_in_transaction_mode(
    fresh_database: str, pg: AsyncEngine, pgbouncer: PgBouncer, servers: list[PortalServer], tmp_path: Path
) -> None:
    # Everything through PgBouncer: the migrations, the demo data and the requests.
    server = PortalServer(pgbouncer.url, tmp_path / "serve.log", PORTAL_DB_PGBOUNCER="true", **_server_env(tmp_path))
    servers.append(server)
    server.start()

    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        ready = await client.get("/readyz")
        assert ready.json() == {"status": "ready", "database": "ok", "storage": "ok", "redis": None}
        signed_in = await client.post("/api/v1/auth/token", data={"username": "demoagent", "password": "Demo1234"})
        assert signed_in.status_code == 200, signed_in.text
        auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}

        searches = await _searches(client, auth)
        assert [r.status_code for r in searches] == [200] * (SEARCHERS * ROUNDS), [r.text for r in searches]
        for r in searches:
            body = r.json()
            assert body["total"] >= 1 and {i["last_name"] for i in body["items"]} == {"Alvarez"}, body
            assert {i["account_number"] for i in body["items"]} == {ACCOUNT}

        created = await client.post(
            "/api/v1/prospects",
            json={"first_name": "Bouncer", "last_name": "Pooled", "state": "IL", "zip_code": "60601"},
            headers=auth,
        )
        assert created.status_code == 201, created.text
        prospect = created.json()
        assert created.headers["location"] == f"/api/v1/prospects/{prospect['id']}"
        read_back = await client.get(f"/api/v1/prospects/{prospect['id']}", headers=auth)  # read after write
        assert read_back.status_code == 200, read_back.text
        assert {k: read_back.json()[k] for k in ("id", "first_name", "last_name", "state", "zip_code")} == {
            "id": prospect["id"],
            "first_name": "Bouncer",
            "last_name": "Pooled",
            "state": "IL",
            "zip_code": "60601",
        }

        report = await client.get(
            "/api/v1/reports/policy_status", params={"policy_status": "all", "page_size": 5}, headers=auth
        )
        assert report.status_code == 200, report.text
        page = report.json()
        assert page["report_type"] == "policy_status" and page["total"] >= 1 and 1 <= len(page["items"]) <= 5, page

        signed_out = await client.post("/api/v1/auth/logout", headers=auth)
        assert signed_out.status_code == 204, signed_out.text
        refused = await client.get("/api/v1/me", headers=auth)
        assert refused.status_code == 401 and refused.json()["code"] == "session_revoked", refused.text

    # The database, read straight from PostgreSQL (not through PgBouncer), holds what the slice wrote.
    async with pg.connect() as conn:
        row = (
            await conn.execute(select(Prospect.last_name, Prospect.state).where(Prospect.id == prospect["id"]))
        ).one()
        searches_audited = await conn.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "member.search")
        )
        reports_audited = await conn.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "report.run")
        )
        sessions = (await conn.execute(select(AuthSession.revoked_at))).all()
    assert tuple(row) == ("Pooled", "IL")
    assert searches_audited == SEARCHERS * ROUNDS  # R-MEM-6: one audit row per search, each committed
    assert reports_audited == 1
    assert len(sessions) == 1 and sessions[0][0] is not None  # signed out: the one session is revoked


async def test_without_the_setting_the_same_slice_fails_behind_pgbouncer(
    fresh_database: str, pgbouncer: PgBouncer, servers: list[PortalServer], tmp_path: Path
) -> None:
    """The control: PgBouncer, the database and the requests as above, PORTAL_DB_PGBOUNCER left false."""
    prepared = PortalServer(
        pgbouncer.url, tmp_path / "prepare.log", PORTAL_DB_PGBOUNCER="true", **_server_env(tmp_path)
    )
    servers.append(prepared)
    prepared.start()  # migrate and load the demo data (through PgBouncer, with the setting)
    prepared.stop()

    plain = PortalServer(pgbouncer.url, tmp_path / "plain.log", PORTAL_DB_PGBOUNCER="false", **_server_env(tmp_path))
    answers: list[httpx.Response] = []
    try:
        plain.launch("--no-migrate")
        try:
            plain.wait_ready()  # /readyz's lone query passes as a rule; should it never, that is the same failure
        except RuntimeError:
            assert "_prepare_and_execute" in plain.output()
            return
        async with httpx.AsyncClient(base_url=plain.base, timeout=30) as client:
            for _ in range(3):  # sign-in and the searches side by side, until something fails
                signed_in = await client.post(
                    "/api/v1/auth/token", data={"username": "demoagent", "password": "Demo1234"}
                )
                answers.append(signed_in)
                if signed_in.status_code != 200:
                    break
                auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
                answers += await _searches(client, auth)
                if any(r.status_code != 200 for r in answers):
                    break
    finally:
        plain.stop()
    failed = [r for r in answers if r.status_code != 200]
    assert failed, f"the slice passed without the setting: {[r.status_code for r in answers]}"
    for r in failed:
        assert r.status_code == 500 and r.headers["content-type"].startswith("application/problem+json"), r.text
        assert r.json()["code"] == "internal_error"
    # The log names no statement (PHI); it shows where: SQLAlchemy's asyncpg dialect preparing a statement.
    assert "_prepare_and_execute" in plain.output()


@pytest.mark.parametrize("pgbouncer_setting", [False, True])
async def test_the_engine_settings_are_what_makes_the_difference(pgbouncer: PgBouncer, pgbouncer_setting: bool) -> None:
    """The cause, in process: the engines `portal serve` builds, through the same PgBouncer, transactions and
    AUTOCOMMIT-role reads side by side. Without the setting asyncpg's named statements are missing on (or clash
    with) the server connection PgBouncer picked; with it every round passes."""
    settings = Settings(DATABASE_URL=pgbouncer.url, db_pgbouncer=pgbouncer_setting)  # type: ignore[call-arg]
    db = make_database(settings)

    async def worker(n: int) -> None:
        for i in range(15):
            async with db.engine.begin() as conn:  # a write transaction's statements
                assert await conn.scalar(text("SELECT CAST(:i AS integer) + 1"), {"i": i}) == i + 1
            async with db.read_sessionmaker() as session:  # the read role (AUTOCOMMIT unless the setting is on)
                found = await session.scalar(text("SELECT count(*) FROM pg_class WHERE oid = :oid"), {"oid": n + i})
                assert found == 0
                await session.commit()

    try:
        outcomes = await asyncio.gather(*(worker(n) for n in range(SEARCHERS)), return_exceptions=True)
    finally:
        await db.dispose()
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    if pgbouncer_setting:
        assert failures == []
    else:
        assert failures and all(isinstance(f, DBAPIError) for f in failures), failures
        missing = re.compile(r'prepared statement "__asyncpg_stmt_[0-9a-f]+__" (does not|already) exist')
        assert all(missing.search(str(f)) for f in failures), failures
