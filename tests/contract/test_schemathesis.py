"""Schemathesis over every operation of a real server (uvicorn, SQLite, demo data).

Checks: no 5xx, status codes / content types / headers / bodies as documented, schema-invalid input
rejected with 4xx, protected operations refuse calls without credentials. Runs as a producer, as an
admin and anonymously (logout runs anonymously only, or it would end the session under test).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.contract
BIN = Path(sys.executable).parent
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance,negative_data_rejection,ignored_auth")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    port = _free_port()
    db = tmp_path_factory.mktemp("st") / "schemathesis.db"
    env = {**os.environ, "PORT": str(port), "DATABASE_URL": f"sqlite+aiosqlite:///{db}",
           "PORTAL_AUTH_RATE_LIMIT_PER_MINUTE": "100000", "PORTAL_AUTH_RATE_LIMIT_BURST": "100000",
           "PORTAL_LOG_LEVEL": "WARNING", "PORTAL_MODE": "demo", "PORTAL_SMTP_HOST": ""}
    env.pop("PORTAL_TEST_DATABASE", None)
    proc = subprocess.Popen([str(BIN / "portal"), "serve"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read().decode() if proc.stdout else "server died")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
        assert "Traceback" not in output, output[-4000:]


def _token(base: str, username: str, password: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": password})
    r.raise_for_status()
    return str(r.json()["access_token"])


def _run(base: str, *extra: str) -> None:
    cmd = [str(BIN / "st"), "run", f"{base}/openapi.json", "--checks", CHECKS, "--max-examples", "25",
           "--seed", "20261122", "--no-color", "--phases", "examples,coverage,fuzzing",
           "--suppress-health-check", "all", "--warnings", "off", "--workers", "1",
           "--generation-database", "none", *extra]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=ROOT)
    tail = (result.stdout + result.stderr)[-6000:]
    assert result.returncode == 0, tail


def test_schemathesis_as_a_producer(server: str) -> None:
    _run(server, "-H", f"Authorization: Bearer {_token(server, 'demoagent', 'Demo1234')}",
         "--exclude-operation-id", "logout", "--exclude-tag", "admin")


def test_schemathesis_as_an_admin(server: str) -> None:
    _run(server, "-H", f"Authorization: Bearer {_token(server, 'admin', 'Admin123')}",
         "--exclude-operation-id", "logout", "--include-tag", "admin")


def test_schemathesis_anonymous(server: str) -> None:
    _run(server)
