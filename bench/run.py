"""`make bench`: the scenarios of quality.md "Speed" against PostgreSQL-backed servers, as in production.

For each book size (10,000 and 1,000,000 members by default) it creates a database, loads a synthetic book with
`portal seed --members N` (timed: the bulk-load bar), starts the portal (`portal serve --workers 2`, uvloop +
httptools, production mode) and the baselines B0 (bare ASGI + asyncpg) and B1 (Starlette + asyncpg) running the
portal's own S2 statement, then drives the scenarios from a load generator on loopback:

- capacity, closed loop: wrk (Debian package `wrk`, installed when missing and root);
- latency, open loop: `bench.openloop` (requests on a fixed schedule, timed from the intended send time).

It also EXPLAIN ANALYZEs every statement the search, report and detail paths send (captured from the portal's
own code running in-process) and prints one table; the JSON of every figure goes to var/bench/.

    .venv/bin/python -m bench.run                   # both sizes, ~15 min
    .venv/bin/python -m bench.run --sizes 10000 --duration 5 --reuse
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "var" / "bench"
PG = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
PORTS = {"portal": 8801, "b0": 8802, "b1": 8803, "b2": 8804}
SEED = 20261122
SECRET = "bench-secret-key-0123456789abcdef0123456789"
FIELD_KEY = "bench-field-key-0123456789abcdef0123456789"


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ----------------------------------------------------------------------------------------------- processes


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing wrk (Debian package)")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is needed for the capacity runs: apt-get install wrk")
    return found


def portal_env(db: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": f"{PG.replace('postgresql://', 'postgresql+asyncpg://')}/{db}",
           "PORT": str(PORTS["portal"]), "PORTAL_MODE": "production", "PORTAL_SECRET_KEY": SECRET,
           "PORTAL_FIELD_ENCRYPTION_KEY": FIELD_KEY, "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": "9",
           "PORTAL_SEED_DEMO_ON_START": "false", "PORTAL_LOG_LEVEL": "WARNING",
           "PORTAL_ACCESS_TOKEN_MINUTES": "120",
           # one client (the load generator) signs in thousands of times: the per-client limit would stop it
           "PORTAL_AUTH_RATE_LIMIT_PER_MINUTE": "1000000", "PORTAL_AUTH_RATE_LIMIT_BURST": "1000000"}
    env.update(extra)
    env.pop("PORTAL_TEST_DATABASE", None)
    return env


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def rss_mib(self) -> float:
        """Resident memory of the server and its workers."""
        total = 0
        for pid in [self.proc.pid, *_children(self.proc.pid)]:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        return total / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server and its workers so far (/proc/<pid>/stat)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in [self.proc.pid, *_children(self.proc.pid)]:
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _children(pid: int) -> list[int]:
    out: list[int] = []
    with contextlib.suppress(OSError):
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            out += [int(child), *_children(int(child))]
    return out


def start(name: str, cmd: list[str], env: dict[str, str], url: str, ready: str, cwd: Path = ROOT) -> Server:
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / f"{name}.log"
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{name} exited: see {log}\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + ready, timeout=1).status_code < 500:
                return Server(name, proc, url, log)
        time.sleep(0.3)
    proc.kill()
    sys.exit(f"{name} did not become ready: see {log}")


PORTAL_DIR = ROOT  # --portal-dir: serve another checkout (an A/B of a fix) with this venv


def start_portal(db: str, workers: int, **extra: str) -> Server:
    url = f"http://127.0.0.1:{PORTS['portal']}"
    cmd = [sys.executable, "-m", "app.cli", "serve", "--workers", str(workers)]
    env = portal_env(db, **extra)
    env["PYTHONPATH"] = str(PORTAL_DIR)
    return start("portal", cmd, env, url, "/readyz", cwd=PORTAL_DIR)


def start_baseline(name: str, target: str, spec: Path, workers: int) -> Server:
    url = f"http://127.0.0.1:{PORTS[name]}"
    env = {**os.environ, "BENCH_BASELINE_SQL": str(spec), "PORTAL_SECRET_KEY": SECRET}  # B2 verifies the tokens
    cmd = [str(BIN / "uvicorn"), target, "--port", str(PORTS[name]), "--workers", str(workers), "--loop", "uvloop",
           "--http", "httptools", "--no-access-log", "--log-level", "warning"]
    return start(name, cmd, env, url, "/lookup?producer_id=0&account_number=0")


# ----------------------------------------------------------------------------------------------- database


async def prepare_database(size: int, reuse: bool) -> tuple[str, float | None]:
    """The book of `size` members in database portal_bench_<size>; the seconds its load took (None: reused)."""
    db = f"{os.environ.get('BENCH_DB_PREFIX', 'portal_bench')}_{size}"
    admin = await asyncpg.connect(f"{PG}/postgres")
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", db)
        if exists and reuse:
            conn = await asyncpg.connect(f"{PG}/{db}")
            try:
                have = await conn.fetchval("SELECT count(*) FROM members")
            except asyncpg.PostgresError:
                have = None
            finally:
                await conn.close()
            if have == size:
                say(f"reusing {db} ({have:,} members)")
                return db, None
        if exists:
            await admin.execute(f'DROP DATABASE "{db}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{db}"')
    finally:
        await admin.close()
    env = portal_env(db)
    portal = [sys.executable, "-m", "app.cli"]
    env["PYTHONPATH"] = str(PORTAL_DIR)
    subprocess.run([*portal, "db", "upgrade"], env=env, cwd=PORTAL_DIR, check=True, stdout=subprocess.DEVNULL)
    say(f"loading {size:,} members into {db}")
    t0 = time.perf_counter()
    # synthetic books are refused outside demo mode (a guard for production databases); same keys as the server
    subprocess.run([*portal, "seed", "--members", str(size), "--random-seed", str(SEED)],
                   env={**env, "PORTAL_MODE": "demo"}, cwd=PORTAL_DIR, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - t0
    say(f"loaded {size:,} members in {seconds:.1f} s")
    return db, seconds


# ----------------------------------------------------------------------------------------------- load drivers

Req = dict[str, Any]


def write_requests(name: str, reqs: list[Req]) -> tuple[Path, Path]:
    """The same requests as JSON lines (open loop) and as tab-separated lines (wrk)."""
    jsonl, tsv = OUT / f"{name}.jsonl", OUT / f"{name}.tsv"
    with jsonl.open("w") as j, tsv.open("w") as t:
        for r in reqs:
            j.write(json.dumps(r) + "\n")
            h = r.get("headers", {})
            t.write("\t".join([r["method"], r["path"], h.get("Authorization", "-"), h.get("Content-Type", "-"),
                               r.get("body") or "-"]) + "\n")
    return jsonl, tsv


def capacity(url: str, name: str, reqs: list[Req], *, duration: float, connections: int = 32) -> dict[str, Any]:
    """Closed loop (wrk): the most requests per second the server gives, with its latencies at that load."""
    _, tsv = write_requests(name, reqs)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{max(1, int(duration))}s", "--timeout", "10s",
                          "-s", str(ROOT / "bench" / "requests.lua"), url],
                         env={**os.environ, "BENCH_REQUESTS": str(tsv)}, capture_output=True, text=True, check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("BENCH_JSON "))
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    return result


def open_loop(url: str, name: str, reqs: list[Req], *, rate: float, duration: float,
              connections: int = 256) -> dict[str, Any]:
    """Open loop: `rate` requests per second on a fixed schedule; latency from the intended send time."""
    jsonl, _ = write_requests(name, reqs)
    out = subprocess.run([sys.executable, "-m", "bench.openloop", "--url", url, "--requests", str(jsonl),
                          "--rate", str(rate), "--duration", str(duration), "--connections", str(connections)],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@contextlib.contextmanager
def background_open_loop(url: str, name: str, reqs: list[Req], *, rate: float, duration: float) -> Iterator[
        dict[str, Any]]:
    """An open-loop load running while the body of the `with` measures something else."""
    jsonl, _ = write_requests(name, reqs)
    proc = subprocess.Popen([sys.executable, "-m", "bench.openloop", "--url", url, "--requests", str(jsonl),
                             "--rate", str(rate), "--duration", str(duration)], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    result: dict[str, Any] = {}
    time.sleep(1.0)
    try:
        yield result
    finally:
        stdout, _ = proc.communicate(timeout=duration + 60)
        result.update(json.loads(stdout.strip().splitlines()[-1]))


# ----------------------------------------------------------------------------------------------- fixtures


@dataclass
class Producer:
    k: int
    user_id: int
    username: str
    token: str = ""
    accounts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def producer_number(self) -> str:
        return f"5{2 * self.k - 1:08d}"  # IL (app.demo.synthetic.producer_numbers)


@dataclass
class Fixtures:
    producers: list[Producer]
    report_from: date
    report_to: date
    prospect_ids: list[int] = field(default_factory=list)
    id_card_pdfs: list[tuple[Producer, str]] = field(default_factory=list)
    application_pdfs: list[tuple[Producer, int]] = field(default_factory=list)


async def load_fixtures(db: str, url: str, how_many: int) -> Fixtures:
    conn = await asyncpg.connect(f"{PG}/{db}")
    try:
        rows = await conn.fetch("SELECT id, username FROM users WHERE username LIKE 'synth%' ORDER BY username "
                                "LIMIT $1", how_many)
        producers = [Producer(int(r["username"].removeprefix("synth")), r["id"], r["username"]) for r in rows]
        for p in producers:
            accounts = await conn.fetch(
                "SELECT a.account_number, a.ssn_last4, a.date_of_birth, a.phone_home, a.phone_cell, a.email, "
                "a.last_name_key FROM accounts a WHERE a.producer_id = $1 AND EXISTS (SELECT 1 FROM policies p "
                "WHERE p.account_id = a.id) ORDER BY md5(a.account_number) LIMIT 40", p.user_id)
            p.accounts = [dict(a) for a in accounts]
        busiest = await conn.fetchrow(
            "SELECT date_trunc('month', coverage_effective_date)::date AS m, count(*) AS n FROM policies "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
    finally:
        await conn.close()
    # a year of coverage effective dates ending with the busiest month (the report bar: one producer, a range)
    to = busiest["m"].replace(day=28)
    frm = date(to.year - 1, to.month, to.day) + timedelta(days=1)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        async def sign_in(p: Producer) -> None:
            for _ in range(20):  # a busy hash pool answers 429 with Retry-After: do as a client should
                r = await client.post("/api/v1/auth/token", data={"username": p.username, "password": "Synth1234"})
                if r.status_code != 429:
                    break
                await asyncio.sleep(float(r.headers.get("retry-after", "1")))
            r.raise_for_status()
            p.token = r.json()["access_token"]
        await asyncio.gather(*(sign_in(p) for p in producers))
    return Fixtures(producers, frm, to)


def search_requests(fx: Fixtures, kind: str) -> list[Req]:
    """S2 exact searches (account, SSN-4 + DOB, phone, email) or S3 last-name prefix pages."""
    out: list[Req] = []
    for p in fx.producers:
        for i, a in enumerate(p.accounts):
            if kind == "exact":
                shape = i % 4
                phone = a["phone_home"] or a["phone_cell"]
                q = ({"account_number": a["account_number"]} if shape == 0 else
                     {"ssn_last4": a["ssn_last4"], "date_of_birth": a["date_of_birth"].isoformat()} if shape == 1 else
                     {"phone": phone} if shape == 2 and phone
                     else {"email": a["email"]} if a["email"] else {"account_number": a["account_number"]})
            elif kind == "account":
                q = {"account_number": a["account_number"]}
            else:
                q = {"last_name": a["last_name_key"][:2], "page_size": 25}
            out.append({"method": "GET", "path": "/api/v1/members?" + urlencode(q), "headers": p.auth,
                        "label": kind})
    random.Random(SEED).shuffle(out)
    return out


def report_requests(fx: Fixtures, *, after: dict[int, str] | None = None, page: int = 1) -> list[Req]:
    out = []
    for p in fx.producers:
        if after is not None and p.k not in after:
            continue
        q: dict[str, Any] = {"date_from": fx.report_from.isoformat(), "date_to": fx.report_to.isoformat(),
                             "policy_status": "active", "page_size": 25, "page": page}
        if after is not None:
            q["after"] = after[p.k]
        out.append({"method": "GET", "path": "/api/v1/reports/coverage_effective_date?" + urlencode(q),
                    "headers": p.auth, "label": "report"})
    return out


def deep_cursors(url: str, fx: Fixtures, depth: int) -> tuple[dict[int, str], int]:
    """The `after` cursor of page `depth` (or the deepest page there is) for each producer."""
    cursors: dict[int, str] = {}
    reached = depth
    with httpx.Client(base_url=url, timeout=30) as client:
        for p in fx.producers[:10]:
            req = report_requests(Fixtures([p], fx.report_from, fx.report_to))[0]
            after, page = None, 1
            while page < depth:
                path = req["path"] + ("&" + urlencode({"after": after}) if after else "")
                body = client.get(path, headers=p.auth).raise_for_status().json()
                if not body["next_after"]:
                    break
                after, page = body["next_after"], page + 1
            if after:
                cursors[p.k] = after
                reached = min(reached, page)
    return cursors, reached


def detail_requests(fx: Fixtures) -> list[Req]:
    out = [{"method": "GET", "path": f"/api/v1/members/{a['account_number']}", "headers": p.auth, "label": "detail"}
           for p in fx.producers for a in p.accounts]
    random.Random(SEED + 1).shuffle(out)
    return out


def prospect_body(i: int) -> str:
    return json.dumps({"first_name": f"Bench{i}", "last_name": "Prospect", "state": "IL", "zip_code": "60601",
                       "city": "Chicago", "email": f"bench{i}@example.com"})


def create_prospect_requests(fx: Fixtures, n: int) -> list[Req]:
    return [{"method": "POST", "path": "/api/v1/prospects", "label": "create", "expect": [201],
             "headers": {**fx.producers[i % len(fx.producers)].auth, "Content-Type": "application/json"},
             "body": prospect_body(i)} for i in range(n)]


def write_requests_s5(fx: Fixtures, n: int) -> list[Req]:
    """S5: creates, updates and deletes in turn; updates and deletes hit prospects made beforehand."""
    owner = {pid: fx.producers[i % len(fx.producers)] for i, pid in enumerate(fx.prospect_ids)}
    deletes = list(fx.prospect_ids[len(fx.prospect_ids) - n // 3 - 1:])  # deleted once each, from the end
    updates = fx.prospect_ids[:len(fx.prospect_ids) - n // 3 - 1]  # never deleted in this run
    creates = create_prospect_requests(fx, n)
    out: list[Req] = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            out.append(creates[i])
        elif kind == 1:
            pid = updates[i % len(updates)]
            out.append({"method": "PATCH", "path": f"/api/v1/prospects/{pid}", "label": "update", "expect": [200],
                        "headers": {**owner[pid].auth, "Content-Type": "application/json"},
                        "body": json.dumps({"city": f"Springfield {i}"})})
        else:
            pid = deletes.pop()
            out.append({"method": "DELETE", "path": f"/api/v1/prospects/{pid}", "label": "delete",
                        "expect": [204], "headers": owner[pid].auth})
    return out


async def make_prospects(url: str, fx: Fixtures, n: int) -> list[int]:
    sem = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        async def one(i: int) -> int:
            p = fx.producers[i % len(fx.producers)]
            async with sem:
                r = await client.post("/api/v1/prospects", content=prospect_body(i),
                                      headers={**p.auth, "Content-Type": "application/json"})
            r.raise_for_status()
            return int(r.json()["id"])
        return list(await asyncio.gather(*(one(i) for i in range(n))))


def sign_in_requests(fx: Fixtures) -> list[Req]:
    return [{"method": "POST", "path": "/api/v1/auth/token", "label": "sign-in",
             "headers": {"Content-Type": "application/x-www-form-urlencoded"},
             "body": urlencode({"username": p.username, "password": "Synth1234"})} for p in fx.producers]


async def make_pdfs(url: str, fx: Fixtures) -> None:
    """A temporary ID card and a completed application for a few producers (the S7 PDFs)."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for p in fx.producers[:5]:
            for a in p.accounts:
                d = (await client.get(f"/api/v1/members/{a['account_number']}", headers=p.auth)).json()
                done = False
                for policy in d.get("policies", []):
                    r = await client.post("/api/v1/id-card-requests", headers=p.auth, json={
                        "account_number": a["account_number"], "kind": "temporary", "policy_id": policy["policy_id"]})
                    if r.status_code == 201:
                        fx.id_card_pdfs.append((p, str(r.json()["id"])))
                        done = True
                        break
                if done:
                    break
            app_id = await complete_application(client, p)
            if app_id is not None:
                fx.application_pdfs.append((p, app_id))


async def complete_application(client: httpx.AsyncClient, p: Producer) -> int | None:
    """A submitted application: the sections that decide the effective date first, then the date the portal
    calculates (R-ENR-5: open enrollment or the first of next month, whatever month the bench runs in), then a plan
    offered on that date, then the rest, then submit."""
    h = p.auth
    zip_code = "60601"
    counties = (await client.get("/api/v1/counties", params={"zip_code": zip_code}, headers=h)).json()["items"]
    county = counties[0]["name"]
    r = await client.post("/api/v1/enrollments", headers=h)
    r.raise_for_status()
    app_id = int(r.json()["id"])

    async def save(sections: dict[str, Any]) -> bool:
        for section, body in sections.items():
            r = await client.put(f"/api/v1/enrollments/{app_id}/{section}", headers=h, json=body)
            if r.status_code != 200:
                say(f"application section {section}: {r.status_code} {r.json().get('errors')}")
                return False
        return True

    if not await save({
        "general": {"producer_number": p.producer_number, "is_sep": False, "life_events": []},
        "applicant": {"form_type": "medical_dental", "authorization": "in_person", "terms_accepted": True,
                      "applicant": {"first_name": "Bench", "middle_initial": None, "last_name": "Applicant",
                                    "date_of_birth": "1985-04-04", "ssn": "123456789", "sex": "female",
                                    "tobacco_use": False, "tobacco_last_used": None},
                      "home_address": {"address1": "1 Main St", "address2": None, "city": "Chicago", "state": "IL",
                                       "zip_code": zip_code, "county": county},
                      "mailing_address": None,
                      "contact": {"primary_phone": "3125550100", "phone_type": "mobile",
                                  "email": "bench@example.com"}},
        "household": {"hra": None, "language_ethnicity": None, "spouse": None, "dependents": []},
    }):
        return None
    r = await client.post(f"/api/v1/enrollments/{app_id}/effective-date", headers=h)
    if r.status_code != 200:
        say(f"application effective date: {r.status_code} {r.text[:300]}")
        return None
    eff = r.json()["effective_date"]
    plans = (await client.get("/api/v1/plans", headers=h, params={
        "state": "IL", "zip_code": zip_code, "county": county, "coverage": "medical",
        "effective_date": eff})).json()["items"]
    plan = next((x for x in plans if x["exchange"] == "off" and not x["requires_pcp"]), None) or \
        next((x for x in plans if x["exchange"] == "off"), None)
    if plan is None:
        say(f"application: no off-exchange medical plan in {county} on {eff}")
        return None
    pcp = []
    if plan["requires_pcp"]:
        providers = (await client.get("/api/v1/providers", headers=h, params={"zip_code": zip_code})).json()
        pcp = [{"applicant": "primary", "pcp_number": providers["items"][0]["pcp_number"]}]
    if not await save({
        "plans": {"medical_plan_id": plan["plan_id"], "dental_plan_id": None, "pediatric_dental_attested": False,
                  "pcp": pcp, "use_same_pcp_number_for_all": None},
        "other-coverage": {"coverage_replacement": {"replacing": False, "entries": []},
                           "other_coverage": {"has_other": False, "entries": []}, "proxy_agreed": False},
        "signatures": {"authorized_representative": None, "parent_guardian": None,
                       "consumer_choice_disclosure_accepted": False, "payment_option": "pay_now"},
    }):
        return None
    r = await client.post(f"/api/v1/enrollments/{app_id}/submit", headers={**h, "Idempotency-Key": f"bench-{app_id}"})
    if r.status_code >= 300:
        say(f"application submit: {r.status_code} {r.text[:300]}")
        return None
    r = await client.get(f"/api/v1/enrollments/{app_id}/pdf", headers=h)
    if r.status_code != 200:
        say(f"application pdf: {r.status_code} {r.text[:300]}")
        return None
    return app_id


def pdf_requests(fx: Fixtures) -> list[Req]:
    out = [{"method": "GET", "path": f"/api/v1/id-card-requests/{rid}/pdf", "headers": p.auth, "label": "id-card"}
           for p, rid in fx.id_card_pdfs]
    out += [{"method": "GET", "path": f"/api/v1/enrollments/{aid}/pdf", "headers": p.auth, "label": "application"}
            for p, aid in fx.application_pdfs]
    return out


def mix_requests(fx: Fixtures) -> list[Req]:
    """70% exact search, 15% prefix, 10% report, 4% writes (prospect create / update), 1% sign-in."""
    exact, prefix = search_requests(fx, "exact"), search_requests(fx, "prefix")
    reports, creates = report_requests(fx), create_prospect_requests(fx, 200)
    owner = {pid: fx.producers[i % len(fx.producers)] for i, pid in enumerate(fx.prospect_ids)}
    updates = [{"method": "PATCH", "path": f"/api/v1/prospects/{pid}", "label": "write", "expect": [200],
                "headers": {**owner[pid].auth, "Content-Type": "application/json"},
                "body": json.dumps({"city": "Mix"})} for pid in list(owner)[:200]]
    signins = sign_in_requests(fx)
    out: list[Req] = []
    for i in range(2000):
        slot = i % 100
        if slot < 70:
            r = exact[i % len(exact)]
        elif slot < 85:
            r = prefix[i % len(prefix)]
        elif slot < 95:
            r = reports[i % len(reports)]
        elif slot < 99:
            r = {**(creates if i % 2 else updates)[i % 200], "label": "write"}
        else:
            r = signins[i % len(signins)]
        out.append(r)
    random.Random(SEED + 2).shuffle(out)
    return out


# ----------------------------------------------------------------------------------------------- EXPLAIN


async def explain_pass(db: str, fx: Fixtures, deep_after: dict[int, str]) -> tuple[dict[str, dict[str, Any]],
                                                                                      dict[str, Any]]:
    """Run one request of each read path through the portal in-process, capture the SQL it sends, and
    EXPLAIN ANALYZE each statement warm (median of 5). Also returns the S2 account statement for the baselines."""
    from asgi_lifespan import LifespanManager
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from app.config import Settings
    from app.main import create_app

    captured: list[tuple[str, str, tuple[Any, ...]]] = []
    label = ["-"]

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if not many and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.append((label[0], statement, tuple(parameters or ())))

    env = portal_env(db)
    settings = Settings(database_url=env["DATABASE_URL"], mode="production", secret_key=SECRET,
                        field_encryption_key=FIELD_KEY, smtp_host="127.0.0.1", smtp_port=9,
                        seed_demo_on_start=False, background_job_seconds=3600)
    app = create_app(settings, configure_logs=False)
    p = fx.producers[0]
    a = p.accounts[0]
    paths = {
        "S2 account": f"/api/v1/members?account_number={a['account_number']}",
        "S2 ssn4+dob": f"/api/v1/members?ssn_last4={a['ssn_last4']}&date_of_birth={a['date_of_birth']}",
        "S2 phone": f"/api/v1/members?phone={a['phone_home'] or a['phone_cell']}",
        "S2 email": "/api/v1/members?" + urlencode({"email": a["email"] or "nobody@example.com"}),
        "S3 prefix": f"/api/v1/members?last_name={a['last_name_key'][:2]}&page_size=25",
        "S4 report p1": report_requests(Fixtures([p], fx.report_from, fx.report_to))[0]["path"],
        "client detail": f"/api/v1/members/{a['account_number']}",
    }
    if p.k in deep_after:
        paths["S4 report deep"] = report_requests(Fixtures([p], fx.report_from, fx.report_to), after=deep_after)[0][
            "path"]
    # The search statements alone, as the three-statement path sends them: the one-statement path (issue 19) wraps
    # the same search in a CTE with the session check and the audit insert, which EXPLAIN ANALYZE would run.
    from app.services import members as member_service

    one_statement = member_service.one_statement_reads
    member_service.one_statement_reads = lambda ctx: False  # type: ignore[assignment]
    event.listen(Engine, "before_cursor_execute", capture)
    try:
        async with LifespanManager(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                           base_url="http://bench") as client:
            for name, path in paths.items():
                label[0] = name
                r = await client.get(path, headers=p.auth)
                if r.status_code != 200:
                    say(f"explain pass: {name} answered {r.status_code} {r.text[:200]}")
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
        member_service.one_statement_reads = one_statement  # type: ignore[assignment]
    conn = await asyncpg.connect(f"{PG}/{db}")
    out: dict[str, dict[str, Any]] = {}
    baseline: dict[str, Any] = {}
    try:
        for name, statement, params in captured:
            sql = statement
            times = []
            plan: Any = None
            for _ in range(6):
                raw = await conn.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, *params)
                plan = json.loads(raw)[0]
                times.append(plan["Execution Time"])
            entry = out.setdefault(name, {"statements": 0, "max_ms": 0.0, "plans": []})
            entry["statements"] += 1
            median = statistics.median(times[1:])
            entry["max_ms"] = max(entry["max_ms"], round(median, 3))
            entry["plans"].append({"sql": sql[:400], "ms": round(median, 3),
                                   "top": plan["Plan"]["Node Type"]})
            if name == "S2 account" and "accounts" in sql and "policies" in sql and not baseline:
                given = {p.user_id: "producer_id", a["account_number"]: "account_number"}
                baseline = {"sql": sql, "dsn": f"{PG}/{db}",
                            "params": [{"from": given[v]} if isinstance(v, (int, str)) and v in given
                                       else {"value": v} for v in params]}
    finally:
        await conn.close()
    return out, baseline


# ----------------------------------------------------------------------------------------------- scenarios

Row = dict[str, Any]


def row(scenario: str, size: int, result: dict[str, Any], bar: str, ok: bool | None, **extra: Any) -> Row:
    rps = result.get("rps", result.get("achieved_rate"))
    return {"scenario": scenario, "size": size, "rps": rps, "p50": result.get("p50"), "p99": result.get("p99"),
            "errors": result.get("errors"), "bar": bar, "ok": ok, **extra}


def run_size(size: int, args: argparse.Namespace) -> tuple[list[Row], dict[str, Any]]:
    d = args.duration
    db, load_seconds = asyncio.run(prepare_database(size, args.reuse))
    rows: list[Row] = []
    raw: dict[str, Any] = {"size": size, "load_seconds": load_seconds}
    if load_seconds is not None and size >= 1_000_000:
        rows.append({"scenario": "bulk load", "size": size, "rps": round(size / load_seconds), "p50": None,
                     "p99": None, "errors": 0, "bar": "1M members < 180 s", "ok": load_seconds < 180,
                     "note": f"{load_seconds:.1f} s"})
    portal = start_portal(db, args.workers)
    servers = [portal]
    try:
        url = portal.url
        say("fixtures: signing in producers, sampling accounts, prospects, PDFs, report cursors")
        fx = asyncio.run(load_fixtures(db, url, args.producers))
        fx.prospect_ids = asyncio.run(make_prospects(url, fx, int(400 * d / 3) + 400))
        asyncio.run(make_pdfs(url, fx))
        deep, depth = deep_cursors(url, fx, 200)
        raw["report_range"] = [fx.report_from.isoformat(), fx.report_to.isoformat()]
        raw["deep_page"] = depth
        say("EXPLAIN ANALYZE of every read statement")
        # (with --portal-dir this runs this checkout's statements: the baselines then run the newer SQL)
        explain, spec = asyncio.run(explain_pass(db, fx, deep))
        raw["explain"] = explain
        worst = max(v["max_ms"] for v in explain.values())
        rows.append({"scenario": "EXPLAIN ANALYZE, slowest read statement", "size": size, "rps": None,
                     "p50": worst, "p99": None, "errors": 0, "bar": "< 1 ms warm", "ok": worst < 1.0,
                     "note": ", ".join(f"{k} {v['max_ms']:.2f}" for k, v in explain.items())})
        spec_file = OUT / f"baseline-{size}.json"
        spec_file.write_text(json.dumps(spec, default=str))
        b0 = start_baseline("b0", "bench.baseline:bare", spec_file, args.workers)
        servers.append(b0)
        b1 = start_baseline("b1", "bench.baseline:starlette", spec_file, args.workers)
        servers.append(b1)
        b2 = start_baseline("b2", "bench.baseline:audited", spec_file, args.workers)
        servers.append(b2)
        rss_start = portal.rss_mib()
        want = set(args.only.split(",")) if args.only else None

        def wanted(group: str) -> bool:
            return want is None or group in want

        if wanted("s2"):
            say("S2 capacity (wrk): B0, B1, portal; then latency at half capacity (open loop)")
            lookups = [{"method": "GET", "path": "/lookup?" + urlencode(
                {"producer_id": p.user_id, "account_number": a["account_number"]}), "label": "b"}
                for p in fx.producers for a in p.accounts]
            audited = [{"method": "GET", "path": "/lookup?" + urlencode({"account_number": a["account_number"]}),
                        "headers": p.auth, "label": "b2"} for p in fx.producers for a in p.accounts]
            cap_b0 = capacity(b0.url, "b0", lookups, duration=d)
            cap_b1 = capacity(b1.url, "b1", lookups, duration=d)
            cap_b2 = capacity(b2.url, "b2", audited, duration=d)
            cpu0 = portal.cpu_seconds()
            cap_acct = capacity(url, "s2-account", search_requests(fx, "account"), duration=d)
            cpu1 = portal.cpu_seconds()
            cap_exact = capacity(url, "s2-exact", search_requests(fx, "exact"), duration=d)
            cpu2 = portal.cpu_seconds()
            # The server's own CPU per search (its processes, read from /proc; the load generator not included).
            cpu_acct = (cpu1 - cpu0) / max(1, cap_acct["requests"]) * 1000
            cpu_exact = (cpu2 - cpu1) / max(1, cap_exact["requests"]) * 1000
            raw.update(b0=cap_b0, b1=cap_b1, b2=cap_b2, s2_account_capacity=cap_acct, s2_exact_capacity=cap_exact)
            rows.append(row("B0 bare ASGI + asyncpg (S2 statement)", size, cap_b0, "reference", None))
            rows.append(row("B1 Starlette + asyncpg (S2 statement)", size, cap_b1, "reference", None,
                            note=f"{cap_b1['rps'] / cap_b0['rps']:.2f} x B0"))
            rows.append(row("B2 bare ASGI + asyncpg, the portal's work (token, session, S2, audit insert, JSON)",
                            size, cap_b2, "reference", None, note=f"{cap_b2['rps'] / cap_b0['rps']:.2f} x B0"))
            for name, cap in (("S2 capacity, account number", cap_acct), ("S2 capacity, exact mix", cap_exact)):
                ratio, ratio2 = cap["rps"] / cap_b0["rps"], cap["rps"] / cap_b2["rps"]
                rows.append(row(name, size, cap, ">= 0.35 x B0 and >= 0.6 x B2",
                                ratio >= 0.35 and ratio2 >= 0.6 and cap["errors"] == 0,
                                note=f"{ratio:.2f} x B0, {ratio2:.2f} x B2, {cap['rps'] / cap_b1['rps']:.2f} x B1"))
            rows.append({"scenario": "S2 server CPU per search (portal processes, during the capacity runs)",
                         "size": size, "rps": None, "p50": round(cpu_exact, 3), "p99": None, "errors": 0,
                         "bar": "<= 0.8 ms", "ok": cpu_exact <= 0.8,
                         "note": f"exact mix {cpu_exact:.3f} ms, account number {cpu_acct:.3f} ms (p50 column)"})
            raw.update(s2_cpu_ms={"account": cpu_acct, "exact": cpu_exact})
            half = max(50.0, round(cap_exact["rps"] / 2))
            lat = open_loop(url, "s2-latency", search_requests(fx, "exact"), rate=half, duration=d)
            raw["s2_latency"] = lat
            rows.append(row(f"S2 exact search, open loop at half capacity ({half:.0f}/s)", size, lat,
                            "p99 <= 20 ms", lat["p99"] <= 20 and lat["errors"] == 0))

        if wanted("s3"):
            say("S3 prefix pages (open loop)")
            s3 = open_loop(url, "s3", search_requests(fx, "prefix"), rate=1000, duration=d)
            rows.append(row("S3 last-name prefix page, 1000/s", size, s3, "p99 <= 30 ms",
                            s3["p99"] <= 30 and s3["errors"] == 0))
            raw["s3"] = s3

        if wanted("s4"):
            say("S4 report pages (open loop)")
            s4 = open_loop(url, "s4", report_requests(fx), rate=700, duration=d)
            rows.append(row("S4 report page, 700/s", size, s4, "p99 <= 40 ms",
                            s4["p99"] <= 40 and s4["errors"] == 0))
            with_deep = Fixtures([p for p in fx.producers if p.k in deep], fx.report_from, fx.report_to)
            p1 = open_loop(url, "s4-page1", report_requests(with_deep), rate=100, duration=max(3, d / 2))
            pd = open_loop(url, "s4-deep", report_requests(fx, after=deep, page=depth), rate=100,
                           duration=max(3, d / 2))
            deep_ratio = pd["p50"] / p1["p50"]
            rows.append(row(f"S4 report page {depth} (cursor) vs page 1, 100/s", size, pd, "p50 <= 1.2 x page 1",
                            deep_ratio <= 1.2 and pd["errors"] == 0,
                            note=f"page 1 p50 {p1['p50']:.2f} ms; {deep_ratio:.2f} x"))
            raw.update(s4=s4, s4_page1=p1, s4_deep=pd)

        if wanted("detail"):
            say("client detail (open loop)")
            det = open_loop(url, "detail", detail_requests(fx), rate=1000, duration=d)
            rows.append(row("client detail, 1000/s", size, det, "p99 <= 30 ms",
                            det["p99"] <= 30 and det["errors"] == 0))
            raw["detail"] = det

        if wanted("s5"):
            say("S5 prospect writes (open loop)")
            s5 = open_loop(url, "s5", write_requests_s5(fx, int(400 * d)), rate=400, duration=d)
            fx.prospect_ids = fx.prospect_ids[: len(fx.prospect_ids) - int(400 * d) // 3 - 1]
            rows.append(row("S5 prospect create/update/delete, 400/s", size, s5, "p99 <= 40 ms",
                            s5["p99"] <= 40 and s5["errors"] == 0, note=_labels(s5)))
            raw["s5"] = s5

        if wanted("scale"):
            say("latency at a rate both book sizes sustain (the scale comparison)")
            for key, name, reqs in (("s3_250", "S3 prefix page", search_requests(fx, "prefix")),
                                    ("s4_250", "S4 report page", report_requests(fx)),
                                    ("detail_250", "client detail", detail_requests(fx))):
                r = open_loop(url, key, reqs, rate=250, duration=d)
                raw[key] = r
                rows.append(row(f"{name}, 250/s (scale reference)", size, r, "-", None))

        quiet: dict[str, Any] = {}
        if wanted("s6") or wanted("s7") or wanted("scale"):
            quiet = open_loop(url, "search-300", search_requests(fx, "exact"), rate=300, duration=d)
            raw["search_300"] = quiet
            rows.append(row("S2 exact search, 300/s (reference for S6/S7 and scale)", size, quiet, "-", None))

        if wanted("s6"):
            say("S6 sign-in")
            s6 = capacity(url, "s6", sign_in_requests(fx), duration=d, connections=4)
            rows.append(row("S6 sign-in capacity (argon2id 19 MiB, t=2)", size, s6, ">= 55 sign-ins/s",
                            s6["rps"] >= 55 and s6["errors"] == 0))
            flood = open_loop(url, "s6-flood", sign_in_requests(fx), rate=400, duration=3)
            by = flood.get("by_status", {})
            over = by.get("429", {})
            rows.append(row("S6 sign-in flood 400/s: overflow answered 429", size, flood, "429 p99 <= 50 ms",
                            bool(over) and over["p99"] <= 50 and set(by) <= {"200", "429"},
                            note=", ".join(f"{k}: {v['n']} (p99 {v['p99']:.1f} ms)" for k, v in by.items())))
            # Issue 19: 25 sign-ins/s is a Monday-morning wave (15,000 producers in 10 minutes); 50/s, about 1.2 of
            # this machine's 2 cores of argon2id, is kept as a reference.
            loaded_by_rate: dict[int, dict[str, Any]] = {}
            for rate, bar in ((25, True), (50, False)):
                with background_open_loop(url, f"s6-bg-{rate}", sign_in_requests(fx), rate=rate,
                                          duration=d + 2) as bg:
                    loaded = open_loop(url, f"search-signin-{rate}", search_requests(fx, "exact"), rate=300,
                                       duration=d)
                ratio6 = loaded["p99"] / quiet["p99"]
                rows.append(row(f"S2 search 300/s under {rate} sign-ins/s", size, loaded,
                                "p99 <= 1.5 x without" if bar else "- (reference)",
                                ratio6 <= 1.5 and loaded["errors"] == 0 if bar else None,
                                note=f"{ratio6:.2f} x; sign-ins p50 {bg.get('p50')} p99 {bg.get('p99')} ms, "
                                     f"{bg.get('errors')} err"))
                loaded_by_rate[rate] = {"search": loaded, "sign_ins": bg}
            raw.update(s6=s6, s6_flood=flood, s6_search=loaded_by_rate)

        pdfs = pdf_requests(fx)
        if wanted("s7") and pdfs:
            say("S7 PDFs")
            s7 = capacity(url, "s7", pdfs, duration=d, connections=8)
            rows.append(row("S7 PDFs capacity (temporary ID card + application)", size, s7, ">= 120 PDFs/s",
                            s7["rps"] >= 120 and s7["errors"] == 0,
                            note=f"{len(fx.id_card_pdfs)} ID cards, {len(fx.application_pdfs)} applications"))
            with background_open_loop(url, "s7-bg", pdfs, rate=60, duration=d + 2) as bg7:
                loaded7 = open_loop(url, "search-pdf", search_requests(fx, "exact"), rate=300, duration=d)
            ratio7 = loaded7["p99"] / quiet["p99"]
            rows.append(row("S2 search 300/s while 60 PDFs/s", size, loaded7, "p99 <= 1.5 x without",
                            ratio7 <= 1.5 and loaded7["errors"] == 0,
                            note=f"{ratio7:.2f} x; PDFs p99 {bg7.get('p99')} ms, {bg7.get('errors')} err"))
            raw.update(s7=s7, s7_search=loaded7, s7_background=bg7)

        if wanted("mix"):
            say("mix at 1000/s")
            mix = open_loop(url, "mix", mix_requests(fx), rate=1000, duration=d)
            rows.append(row("mix 70/15/10/4/1, 1000/s", size, mix, "0 errors, p99 <= 50 ms",
                            mix["errors"] == 0 and mix["p99"] <= 50, note=_labels(mix)))
            raw["mix"] = mix
        raw["rss_mib"] = {"start": round(rss_start, 1), "end": round(portal.rss_mib(), 1)}
    finally:
        for s in servers:
            s.stop()
    return rows, raw


def soak(size: int, args: argparse.Namespace) -> None:
    """Memory over a long run: the mix at `--soak-rate` for `--soak` seconds, RSS sampled every chunk."""
    db, _ = asyncio.run(prepare_database(size, True))
    portal = start_portal(db, args.workers)
    try:
        fx = asyncio.run(load_fixtures(db, portal.url, args.producers))
        fx.prospect_ids = asyncio.run(make_prospects(portal.url, fx, 400))
        reqs = mix_requests(fx)
        warm = open_loop(portal.url, "soak-warm", reqs, rate=args.soak_rate, duration=20)
        samples = [{"t_s": 0, "rss_mib": round(portal.rss_mib(), 1), "p99": warm["p99"], "errors": warm["errors"]}]
        say(f"soak: {args.soak} s of the mix at {args.soak_rate}/s; RSS after warm-up {samples[0]['rss_mib']} MiB")
        chunk, elapsed = 30.0, 0.0
        while elapsed < args.soak:
            r = open_loop(portal.url, "soak", reqs, rate=args.soak_rate, duration=chunk)
            elapsed += chunk
            samples.append({"t_s": int(elapsed), "rss_mib": round(portal.rss_mib(), 1), "p99": r["p99"],
                            "errors": r["errors"]})
            say(f"soak t={elapsed:.0f}s rss={samples[-1]['rss_mib']} MiB p99={r['p99']} ms errors={r['errors']}")
    finally:
        portal.stop()
    first, last = samples[0]["rss_mib"], samples[-1]["rss_mib"]
    growth = (last - first) / first * 100
    half = samples[len(samples) // 2]["rss_mib"]
    lines = ["| t (s) | RSS, all processes (MiB) | p99 ms | errors |", "|---:|---:|---:|---:|"]
    lines += [f"| {x['t_s']} | {x['rss_mib']} | {x['p99']} | {x['errors']} |" for x in samples]
    verdict = (f"RSS {first} -> {half} (half-way) -> {last} MiB: {growth:+.1f}% over {args.soak} s after warm-up; "
               f"errors {sum(x['errors'] for x in samples)}")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (OUT / f"soak-{stamp}.md").write_text("\n".join(lines) + "\n\n" + verdict + "\n")
    print("\n".join(lines) + "\n\n" + verdict)


def _labels(result: dict[str, Any]) -> str:
    return "; ".join(f"{k} p99 {v['p99']:.1f}" + (f" ({v['errors']} err)" if v["errors"] else "")
                     for k, v in result.get("by_label", {}).items())


def scale_rows(raws: dict[int, dict[str, Any]]) -> list[Row]:
    small, big = min(raws), max(raws)
    if small == big:
        return []
    out = []
    for key, name in (("search_300", "S2 exact search 300/s"), ("s3_250", "S3 prefix page 250/s"),
                      ("s4_250", "S4 report page 250/s"), ("detail_250", "client detail 250/s")):
        a, b = raws[small].get(key), raws[big].get(key)
        if a and b:
            ratio = b["p50"] / a["p50"]
            out.append({"scenario": f"scale: {name}, p50 at {big:,} / at {small:,}", "size": big, "rps": None,
                        "p50": round(ratio, 2), "p99": round(b["p99"] / a["p99"], 2), "errors": None,
                        "bar": "p50 <= 1.5 x", "ok": ratio <= 1.5,
                        "note": f"p50 {a['p50']:.2f} -> {b['p50']:.2f} ms, p99 {a['p99']:.2f} -> {b['p99']:.2f} ms"})
    return out


def table(rows: list[Row]) -> str:
    def fmt(v: Any, digits: int = 1) -> str:
        return "-" if v is None else f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}" if isinstance(
            v, int) else str(v)
    lines = ["| scenario | members | req/s | p50 ms | p99 ms | errors | bar | met | notes |",
             "|---|---:|---:|---:|---:|---:|---|---|---|"]
    for r in rows:
        met = {True: "yes", False: "**NO**", None: ""}[r["ok"]]
        lines.append(f"| {r['scenario']} | {r['size']:,} | {fmt(r['rps'], 0)} | {fmt(r['p50'], 2)} | "
                     f"{fmt(r['p99'], 2)} | {fmt(r['errors'])} | {r['bar']} | {met} | {r.get('note', '')} |")
    return "\n".join(lines)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"],
                        capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem} GiB, {platform.platform()}, Python {platform.python_version()}, "
            f"PostgreSQL {pg}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,1000000", help="book sizes, comma-separated")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes")
    ap.add_argument("--producers", type=int, default=20, help="producers signed in and sampled")
    ap.add_argument("--reuse", action="store_true", help="keep a database that already holds the book")
    ap.add_argument("--only", default="", help="scenario groups: s2,s3,s4,detail,s5,s6,s7,mix,scale")
    ap.add_argument("--soak", type=float, default=0, help="seconds: run the memory soak instead of the table")
    ap.add_argument("--soak-rate", type=float, default=500, help="requests per second during the soak")
    ap.add_argument("--portal-dir", default="", help="serve the portal from another checkout (A/B of a change)")
    args = ap.parse_args(argv)
    global PORTAL_DIR
    if args.portal_dir:
        PORTAL_DIR = Path(args.portal_dir).resolve()
    ensure_wrk()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.soak:
        soak(int(args.sizes.split(",")[0]), args)
        return
    started = time.time()
    rows: list[Row] = []
    raws: dict[int, dict[str, Any]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        size_rows, raws[size] = run_size(size, args)
        rows += size_rows
    rows += scale_rows(raws)
    report = (f"make bench, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}, "
              f"{(time.time() - started) / 60:.1f} min; {machine()}; server: portal serve --workers {args.workers} "
              f"(uvloop, httptools), production mode; load generator on the same machine.\n\n" + table(rows))
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(started))
    (OUT / f"results-{stamp}.md").write_text(report + "\n")
    (OUT / f"results-{stamp}.json").write_text(json.dumps({"rows": rows, "raw": raws}, indent=1, default=str))
    print("\n" + report)
    missed = [r["scenario"] for r in rows if r["ok"] is False]
    print(f"\n{len(missed)} bar(s) missed" + (": " + "; ".join(missed) if missed else ""))


if __name__ == "__main__":
    main()
