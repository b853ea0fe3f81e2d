"""In-process CPU per request on a seeded bench book (issue 19's "in-process CPU per search" bar).

Runs the portal app in this process against `portal_bench_<size>` (made by `make bench` or `bench.run`), signs in
synthetic producers, then sends N sequential requests through `httpx.ASGITransport` and reports the process CPU
time per request (server and client share; it barely moves with other load on the machine, unlike req/s), the
client's own share measured against a no-op ASGI app, and the difference: the server's CPU per request.

    .venv/bin/python -m bench.cpu --size 10000 --requests 2000            # member search (exact mix)
    .venv/bin/python -m bench.cpu --path /healthz                          # the framework floor
    .venv/bin/python -m bench.cpu --profile var/bench/search.prof          # cProfile of the measured loop
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import time
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx

from bench.run import FIELD_KEY, PG, SECRET

EXACT_SHAPES = 4


async def _search_paths(db: str, producers: int) -> list[tuple[str, str]]:
    """(username, path) pairs: the S2 exact mix of `bench.run` (account, SSN-4 + DOB, phone, email)."""
    conn = await asyncpg.connect(f"{PG}/{db}")
    try:
        rows = await conn.fetch(
            "SELECT u.username, a.account_number, a.ssn_last4, a.date_of_birth, a.phone_home, a.email "
            "FROM users u JOIN accounts a ON a.producer_id = u.id WHERE u.username LIKE 'synth%' "
            "AND u.username <= $1 ORDER BY md5(a.account_number) LIMIT 400",
            f"synth{producers:03d}",
        )
    finally:
        await conn.close()
    out = []
    for i, r in enumerate(rows):
        shape = i % EXACT_SHAPES
        q: dict[str, Any] = (
            {"account_number": r["account_number"]}
            if shape == 0
            else {"ssn_last4": r["ssn_last4"], "date_of_birth": r["date_of_birth"].isoformat()}
            if shape == 1
            else {"phone": r["phone_home"]}
            if shape == 2 and r["phone_home"]
            else {"email": r["email"]}
            if r["email"]
            else {"account_number": r["account_number"]}
        )
        out.append((r["username"], "/api/v1/members?" + urlencode(q)))
    return out


async def _noop(scope: dict[str, Any], receive: Any, send: Any) -> None:
    body = b'{"items":[],"page":1}'
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


async def _loop(client: httpx.AsyncClient, calls: list[tuple[dict[str, str], str]], n: int) -> tuple[float, float]:
    """User and system CPU milliseconds per request (system time includes the loopback TCP work of each round
    trip to the database: the sender's system call runs the receiving side's stack too)."""
    t0 = os.times()
    for i in range(n):
        headers, path = calls[i % len(calls)]
        r = await client.get(path, headers=headers)
        if r.status_code != 200:
            raise SystemExit(f"{path}: {r.status_code} {r.text[:300]}")
    t1 = os.times()
    return (t1.user - t0.user) / n * 1000, (t1.system - t0.system) / n * 1000


async def main(args: argparse.Namespace) -> None:
    db = f"portal_bench_{args.size}"
    os.environ.update(
        {
            "DATABASE_URL": f"{PG.replace('postgresql://', 'postgresql+asyncpg://')}/{db}",
            "PORTAL_MODE": "production",
            "PORTAL_SECRET_KEY": SECRET,
            "PORTAL_FIELD_ENCRYPTION_KEY": FIELD_KEY,
            "PORTAL_SMTP_HOST": "127.0.0.1",
            "PORTAL_SMTP_PORT": "9",
            "PORTAL_SEED_DEMO_ON_START": "false",
            "PORTAL_LOG_LEVEL": "WARNING",
            "PORTAL_AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
            "PORTAL_AUTH_RATE_LIMIT_BURST": "1000000",
        }
    )
    os.environ.pop("PORTAL_TEST_DATABASE", None)
    from app.main import create_app

    app = create_app()
    pairs = await _search_paths(db, args.producers)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            tokens: dict[str, str] = {}
            for username in sorted({u for u, _ in pairs}):
                r = await client.post("/api/v1/auth/token", data={"username": username, "password": "Synth1234"})
                r.raise_for_status()
                tokens[username] = r.json()["access_token"]
            if args.path:
                calls = [({"Authorization": f"Bearer {next(iter(tokens.values()))}"}, args.path)]
            else:
                calls = [({"Authorization": f"Bearer {tokens[u]}"}, p) for u, p in pairs]
            await _loop(client, calls, min(300, args.requests))  # warm: statement caches, pools
            profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not wall, time
            runs = []
            for _ in range(args.rounds):
                if profiler:
                    profiler.enable()
                runs.append(await _loop(client, calls, args.requests))
                if profiler:
                    profiler.disable()
            if profiler:
                profiler.dump_stats(args.profile)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_noop), base_url="http://bench") as client:
            floors = [await _loop(client, calls, args.requests) for _ in range(args.rounds)]
    best = min(runs, key=sum)  # the least disturbed round: other load on the machine only adds
    user, system = best
    floor = min(u + s for u, s in floors)
    what = args.path or "member search (exact mix)"
    rounds = ", ".join(f"{u + s:.3f}" for u, s in runs)
    print(
        f"{what}: {user + system:.3f} ms CPU per request in process (user {user:.3f}, system {system:.3f}; rounds "
        f"{rounds}); client share {floor:.3f} ms; server {user + system - floor:.3f} ms"
    )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--requests", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--producers", type=int, default=20)
    ap.add_argument("--path", default="", help="measure this GET path instead of the search mix")
    ap.add_argument("--profile", default="", help="write a cProfile of the measured rounds here")
    asyncio.run(main(ap.parse_args()))
