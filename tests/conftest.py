"""Test fixtures: a migrated database per session (SQLite or PostgreSQL), a fresh app per test.

`PORTAL_TEST_DATABASE=sqlite|postgresql` picks the leg (scripts/test-legs.sh runs both).
Tests marked `db` run in both legs; the rest only in the SQLite leg.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import sqlite3
import sys
import traceback
import uuid
import warnings
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import greenlet
import httpx
import pytest
from aiosmtpd.controller import Controller
from asgi_lifespan import LifespanManager
from pydantic import SecretStr
from sqlalchemy import delete, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import Pool

from app.adapters.notifier import RecordingSmsGateway, SmtpTransport
from app.cli import db_upgrade
from app.clock import FrozenClock
from app.config import Settings
from app.demo.seed import seed_demo
from app.error_codes import CATALOG
from app.main import create_app
from app.repositories.orm import Base
from app.repositories.uow import SqlUnitOfWork

BACKEND = os.environ.get("PORTAL_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# A port nothing listens on: the "Redis is down" URL of the fail-closed tests.
UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"
START = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
TEST_ARGON2_MEMORY_KIB = 64


def pytest_report_header(config: pytest.Config) -> str:
    return f"database leg: {BACKEND}" + (f" ({POSTGRES_URL.rsplit('@', 1)[-1]})" if BACKEND != "sqlite" else "")


# Modules whose tests take tens of seconds each (a real server and the Schemathesis CLI, or fault scenarios):
# under pytest-xdist they are handed out first, one test at a time (`--dist load --maxschedchunk 1`), so that the
# workers run them side by side and the many short tests fill in around them instead of trailing after them.
LONG_FIRST = ("tests/contract/test_schemathesis.py", "tests/faults/")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/api/" in str(item.fspath) or "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.db)
    if os.environ.get("PYTEST_XDIST_WORKER"):  # every worker sorts its identical collection the same way
        items.sort(key=lambda item: not item.nodeid.startswith(LONG_FIRST))


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://"), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new database, migrated to head with Alembic (so the migrations are tested too)."""
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("db") / "portal-test.db"
        url = f"sqlite+aiosqlite:///{path}"
        db_upgrade(Settings(DATABASE_URL=url))  # type: ignore[call-arg]
        with sqlite3.connect(path) as migrated, sqlite3.connect(_template(path)) as template:
            migrated.backup(template)  # the empty, migrated database each test starts from (`_fresh_sqlite`)
        migrated.close()
        template.close()
        yield url
        return
    name = f"portal_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        db_upgrade(Settings(DATABASE_URL=url))  # type: ignore[call-arg]
        yield url
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class MailSink:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []
        self.fail_next = 0

    async def handle_DATA(self, server, session, envelope):
        if self.fail_next:
            self.fail_next -= 1
            return "451 Temporary failure, try again later"
        from email import message_from_bytes

        msg = message_from_bytes(envelope.content)
        body = msg.get_payload(decode=True) or b""
        self.messages.append(
            {"to": ",".join(envelope.rcpt_tos), "subject": str(msg["Subject"]), "body": body.decode(errors="replace")}
        )
        return "250 OK"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[MailSink, int]]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


@pytest.fixture
def mail(smtp_server: tuple[MailSink, int]) -> MailSink:
    sink = smtp_server[0]
    sink.messages.clear()
    sink.fail_next = 0
    return sink


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The local Redis of the shared-rate-limit tests (issue 18). In CI it must answer; on a developer's machine
    without one those tests are skipped with a notice."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            raise RuntimeError(f"CI needs Redis at {REDIS_URL}: {exc}") from exc
        pytest.skip(f"no Redis answers at {REDIS_URL} (PORTAL_TEST_REDIS_URL): {exc}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own, so parallel tests (and runs) never share a bucket; its keys are removed
    afterwards."""
    import redis

    prefix = f"portal-test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@dataclass(frozen=True)
class S3Server:
    """A real S3-protocol server on loopback (moto's), with one bucket; `client` is a plain boto3 client of it."""

    endpoint_url: str
    bucket: str
    client: Any

    def settings_update(self, prefix: str) -> dict[str, Any]:
        return {
            "storage_url": f"s3://{self.bucket}/{prefix}",
            "storage_endpoint_url": self.endpoint_url,
            "storage_region": "us-east-1",
            "storage_access_key_id": "portal-test",
            "storage_secret_access_key": SecretStr("portal-test-secret"),
        }


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server in a thread on a free loopback port (issue 18), started once per test process."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="portal-test",
        aws_secret_access_key="portal-test-secret",
    )
    client.create_bucket(Bucket="portal-documents")
    try:
        yield S3Server(endpoint, "portal-documents", client)
    finally:
        server.stop()


@pytest.fixture
def s3_prefix() -> str:
    """A key prefix of this test's own in the bucket."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture(scope="session")
def upload_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the suite's uploaded documents go (never the checkout's ./var/uploads)."""
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture
def settings(database_url: str, smtp_server: tuple[MailSink, int], upload_root: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        DATABASE_URL=database_url,
        storage_dir=str(upload_root),
        smtp_host="127.0.0.1",
        smtp_port=smtp_server[1],
        auth_rate_limit_per_minute=6000,
        auth_rate_limit_burst=1000,
        log_level="WARNING",
        outbox_retry_seconds=60,
        # Cheap argon2id for the suite (production cost is ~20 ms a hash, and a test signs in several times);
        # the production parameters are asserted where they matter (tests/unit/test_infrastructure.py).
        argon2_memory_kib=TEST_ARGON2_MEMORY_KIB,
        argon2_time_cost=1,
        # The simulated carrier decides only when a test runs its job (app.services.carrier.decide_due) with the clock
        # moved on: no background pass changes an application under a test.
        carrier_poll_seconds=0,
        # PDFs render in a thread: a worker-process pool takes ~0.5 s to start (issue 19);
        # tests/api/test_pdf_processes.py and tests/unit/test_pdf_pool.py run the pool itself.
        pdf_processes=0,
    )


# Which test checked out each pooled connection still out, and from where: when a test's setup finds the SQLite write
# lock held, the failure names the holder instead of leaving "database is locked" to guesswork.
_CHECKED_OUT: dict[int, tuple[str, traceback.StackSummary]] = {}


@event.listens_for(Pool, "checkout")
def _on_checkout(_dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
    # SQLAlchemy's asyncio layer checks out inside a greenlet: the awaiting coroutines are the parent's frames
    parent = greenlet.getcurrent().parent
    frame = parent.gr_frame if parent is not None else sys._getframe()
    _CHECKED_OUT[id(record)] = (os.environ.get("PYTEST_CURRENT_TEST", "?"), traceback.extract_stack(frame, limit=40))


@event.listens_for(Pool, "checkin")
def _on_checkin(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
    _CHECKED_OUT.pop(id(record), None)


def _in_transaction(conn: sqlite3.Connection) -> bool:
    try:
        return conn.in_transaction
    except sqlite3.ProgrammingError:  # closed
        return False


def _lock_holders() -> str:
    lines = [f"{len(_CHECKED_OUT)} pooled connection(s) checked out in this process:"]
    for test, stack in _CHECKED_OUT.values():
        frames = [f for f in stack if "/app/" in f.filename or "/tests/" in f.filename]
        lines.append(f"- checked out during {test}")
        lines.extend(f"    {f.filename.rsplit('/', 2)[-2:]}:{f.lineno} {f.name}" for f in frames[-12:])
    open_txn = [o for o in gc.get_objects() if isinstance(o, sqlite3.Connection) and _in_transaction(o)]
    lines.append(f"{len(open_txn)} sqlite3 connection(s) in a transaction")
    return "\n".join(lines)


def _template(path: Path) -> Path:
    return path.with_name(path.name + ".template")


def _fresh_sqlite(settings: Settings) -> None:
    """SQLite: the test's database file becomes a copy of the empty migrated one (a new file, renamed over the old
    one, its WAL and shared-memory files removed). Whatever an earlier test left open on the old file - its lock
    included - stays with that file and cannot reach this test; `_report_leaks` names such leftovers."""
    path = Path(str(settings.sqlite_path()))
    staged = path.with_name(path.name + ".next")
    shutil.copyfile(_template(path), staged)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    os.replace(staged, path)


def _report_leaks(test: str) -> None:
    """After a test's app has stopped, no pooled connection the test took may still be out: one left out (in a
    transaction, it holds SQLite's write lock for good) is written to the diagnostics file with where it was taken,
    which scripts/test-legs.sh prints after the legs."""
    left = [(t, stack) for t, stack in _CHECKED_OUT.values() if t.startswith(test)]
    if not left:
        return
    lines = [f"{test}: {len(left)} pooled connection(s) still checked out after the app stopped"]
    for _t, stack in left:
        frames = [f for f in stack if "/app/" in f.filename or "/tests/" in f.filename]
        lines.extend(f"    {'/'.join(f.filename.rsplit('/', 2)[-2:])}:{f.lineno} {f.name}" for f in frames[-12:])
    with open(os.environ.get("PORTAL_TEST_DIAGNOSTICS", os.devnull), "a") as out:
        out.write("\n".join(lines) + "\n\n")
    warnings.warn(lines[0], stacklevel=1)


async def _clear(app_ctx) -> None:  # type: ignore[no-untyped-def]
    async with app_ctx.db.engine.begin() as conn:
        try:
            for table in reversed(Base.metadata.sorted_tables):
                await conn.execute(delete(table))
        except OperationalError as exc:
            if "locked" in str(exc):
                report = f"the SQLite write lock is held at setup\n{_lock_holders()}"
                # scripts/test-legs.sh prints this file after the legs, where a CI log's tail shows it
                with open(os.environ.get("PORTAL_TEST_DIAGNOSTICS", os.devnull), "a") as out:
                    out.write(f"{os.environ.get('PYTEST_CURRENT_TEST', '?')}: {report}\n\n")
                raise AssertionError(report) from exc
            raise


def make_app(settings: Settings, clock: FrozenClock, sms: RecordingSmsGateway | None = None):  # type: ignore[no-untyped-def]
    return create_app(
        settings,
        clock=clock,
        email_transport=SmtpTransport(
            host=settings.smtp_host, port=settings.smtp_port, sender=settings.mail_from, timeout=5
        ),
        sms_gateway=sms or RecordingSmsGateway(),
        configure_logs=False,
    )


class _Current:
    """Forwards to the current test's object (a clock, an SMS gateway): an app is shared by the tests with the same
    settings, but every test gets its own FrozenClock and RecordingSmsGateway."""

    def __init__(self) -> None:
        self.target: object = None

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.target, name)

    def now(self) -> datetime:  # the Clock protocol, spelled out for type checkers and speed
        return self.target.now()  # type: ignore[attr-defined]


class _SharedApp:
    def __init__(self, settings: Settings) -> None:
        self.clock, self.sms = _Current(), _Current()
        self.app = make_app(settings, self.clock, self.sms)  # type: ignore[arg-type]
        self.shape = _shape(self.app)


def _shape(application) -> tuple:  # type: ignore[no-untyped-def, type-arg]
    """What a test could change on an app object (it is then not reused)."""
    return (
        tuple(map(id, application.router.routes)),
        len(application.user_middleware),
        tuple(application.exception_handlers),
        tuple(sorted(k for k in application.state._state if k != "ctx")),
        bool(application.dependency_overrides),
    )


def _settings_key(settings: Settings) -> str:
    return repr(sorted((k, v.get_secret_value() if hasattr(v, "get_secret_value") else v) for k, v in settings))


# Building an app is cheap, but FastAPI resolves each included router's routes (dependencies, models) on the first
# request an app answers, ~0.15 s an app. Tests with equal settings therefore share one app object; each test runs
# its lifespan anew (a fresh AppContext: engine, hasher, outbox, rate limiter), with its own clock and SMS gateway
# and a cleared database. A test that changes the app (routes, overrides, state) leaves it behind: it is not reused.
_APPS: OrderedDict[str, _SharedApp] = OrderedDict()


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator:  # type: ignore[type-arg]
    key = _settings_key(settings)
    shared = _APPS.pop(key, None) or _SharedApp(settings)
    shared.clock.target, shared.sms.target = clock, RecordingSmsGateway()
    application = shared.app
    application.openapi_schema = None
    # The intermittent shutdown overrun of the issue 8 note had its root cause in the outbox dispatcher (Python
    # 3.11's wait_for swallowed the cancellation when a message was enqueued as the app stopped; see
    # tests/unit/test_outbox_stop.py). The bound stays as a net: an overrun is reported as a warning instead of
    # failing the test that already passed.
    test = os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" ", 1)[0]
    if settings.is_sqlite:
        _fresh_sqlite(settings)
    manager = LifespanManager(application, shutdown_timeout=10)
    await manager.__aenter__()
    try:
        if not settings.is_sqlite:
            await _clear(application.state.ctx)
        yield application
    finally:
        try:
            await manager.__aexit__(None, None, None)
        except TimeoutError:
            warnings.warn("app lifespan shutdown overran 10 s", stacklevel=1)
        _report_leaks(test)
        if _shape(application) == shared.shape:
            _APPS[key] = shared
            while len(_APPS) > 4:
                _APPS.popitem(last=False)


async def check_problem_codes(response: httpx.Response) -> None:
    """Every problem an API test receives carries codes of the error catalog (app/error_codes.py, issue 16): codes
    made at run time are checked here, the literal ones also by tests/contract/test_error_catalog.py."""
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return
    body = json.loads(await response.aread())
    codes = [body.get("code")] + [e.get("code") for e in body.get("errors") or []]
    unknown = [c for c in codes if c not in CATALOG]
    assert not unknown, f"problem code(s) {unknown} are not in app/error_codes.py CATALOG: {body}"


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", event_hooks={"response": [check_problem_codes]}
    ) as c:
        yield c


@pytest.fixture
async def demo(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The demo sign-ins of api.md: admin, demoagent, otheragent (+ newagent, pending)."""
    ctx = app.state.ctx
    return await seed_demo(SqlUnitOfWork(ctx.db.sessionmaker), ctx.hasher, ctx.clock)


ROOT = Path(__file__).resolve().parent.parent
