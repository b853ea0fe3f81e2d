"""Baselines for `make bench` (quality.md "Speed"): the member-search SQL of S2 behind the thinnest servers.

B0 = a bare ASGI callable + an asyncpg pool; B1 = Starlette + the same pool. Both run the statement the portal
runs for an account-number search (compiled from `app.repositories.members.search_statement`, written to the file
named by BENCH_BASELINE_SQL by `bench.run`), with the producer id and account number from the query string:
`GET /lookup?producer_id=7&account_number=812345678`. Served by uvicorn like the portal:

    BENCH_BASELINE_SQL=var/bench/s2.json uvicorn bench.baseline:bare --workers 2 --loop uvloop --http httptools

B2 (`bench.baseline:audited`, issue 19) is B0 doing the work the portal must do for each search, written plainly:
verify the bearer token (PyJWT, HS256, the portal's key; each token verified once, as the portal keeps verified
tokens), look up its session and user, run the same search statement for that producer, insert the R-MEM-6 audit
row (committed: durable before the answer) and serialize the portal's JSON page. Three statements, no framework:
`GET /lookup?account_number=812345678` with `Authorization: Bearer <access token>`.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import asyncpg
import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def _default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value))


class Lookup:
    """The statement and how its positional parameters are filled: named per request or fixed."""

    def __init__(self) -> None:
        with open(os.environ["BENCH_BASELINE_SQL"], encoding="utf-8") as fh:
            spec = json.load(fh)
        self.sql: str = spec["sql"]
        self.params: list[dict[str, Any]] = spec["params"]  # each {"from": "producer_id"} or {"value": ...}
        self.dsn: str = spec["dsn"]
        self.pool: asyncpg.Pool | None = None

    async def start(self) -> None:
        self.pool = await asyncpg.create_pool(self.dsn, min_size=4, max_size=10)

    async def stop(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def run(self, producer_id: int, account_number: str) -> bytes:
        given = {"producer_id": producer_id, "account_number": account_number}
        args = [given[p["from"]] if "from" in p else p["value"] for p in self.params]
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(self.sql, *args)
        return json.dumps({"items": [dict(r) for r in rows]}, default=_default).encode()


def _args(query: str) -> tuple[int, str]:
    q = parse_qs(query)
    return int(q["producer_id"][0]), q["account_number"][0]


lookup = Lookup()


async def bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """B0: no framework at all."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await lookup.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await lookup.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return
    producer_id, account_number = _args(scope["query_string"].decode())
    body = await lookup.run(producer_id, account_number)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _starlette_lookup(request: Request) -> Response:
    producer_id, account_number = _args(request.url.query)
    return Response(await lookup.run(producer_id, account_number), media_type="application/json")


@contextlib.asynccontextmanager
async def _lifespan(_app: Starlette) -> AsyncIterator[None]:
    await lookup.start()
    yield
    await lookup.stop()


starlette = Starlette(routes=[Route("/lookup", _starlette_lookup)], lifespan=_lifespan)


# --- B2: the same work as the portal, without the portal ---------------------------------------------------------

SESSION_SQL = (
    "SELECT u.id, u.username, u.role, u.status, u.must_change_password, u.first_name, u.last_name, s.expires_at, "
    "s.revoked_at FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1 AND s.user_id = $2"
)
AUDIT_SQL = (
    "INSERT INTO audit_events (occurred_at, action, outcome, actor_user_id, actor_username, ip, user_agent, "
    "request_id, details) VALUES ($1, 'member.search', 'success', $2, $3, $4, $5, $6, $7::jsonb)"
)
EXCHANGE = {"ON-EXCHANGE": "on", "OFF-EXCHANGE": "off"}
_claims: dict[str, tuple[int, str, int]] = {}


def _verified(token: str) -> tuple[int, str, int]:
    found = _claims.get(token)
    if found is None:
        c = jwt.decode(token, os.environ["PORTAL_SECRET_KEY"], algorithms=["HS256"], options={"verify_exp": False})
        found = _claims[token] = (int(c["sub"]), str(c["sid"]), int(c["exp"]))
    return found


async def _audited_search(scope: dict[str, Any]) -> tuple[int, bytes]:
    headers = dict(scope["headers"])
    scheme, _, token = headers.get(b"authorization", b"").decode().partition(" ")
    if scheme.lower() != "bearer":
        return 401, b'{"code":"not_authenticated"}'
    user_id, session_id, exp = _verified(token)
    now = datetime.now(UTC)
    if exp <= now.timestamp():
        return 401, b'{"code":"token_expired"}'
    account_number = parse_qs(scope["query_string"].decode())["account_number"][0]
    given = {"producer_id": user_id, "account_number": account_number}
    args = [given[p["from"]] if "from" in p else p["value"] for p in lookup.params]
    assert lookup.pool is not None
    async with lookup.pool.acquire() as conn:
        who = await conn.fetchrow(SESSION_SQL, session_id, user_id)
        if who is None or who["revoked_at"] is not None or who["expires_at"] <= now or who["status"] != "active":
            return 401, b'{"code":"session_revoked"}'
        if who["role"] != "producer" or who["must_change_password"]:
            return 403, b'{"code":"forbidden_role"}'
        rows = await conn.fetch(lookup.sql, *args)
        total = rows[0]["total"] if rows else 0
        details = {"criteria": ["account_number"], "results": total,
                   "accounts": sorted({r["account_number"] for r in rows})}
        request_id = headers.get(b"x-request-id", os.urandom(16).hex().encode()).decode()
        client = scope.get("client") or ("unknown", 0)
        await conn.execute(AUDIT_SQL, now, user_id, who["username"], client[0],
                           headers.get(b"user-agent", b"").decode() or None, request_id, json.dumps(details))
    producer_name = f"{who['first_name']} {who['last_name']}"
    items = []
    for r in rows:
        item = {k: v for k, v in r.items() if k not in ("total", "policy_id", "application_id")}
        item.update(exchange=EXCHANGE[r["product_type"]], policy_id=str(r["policy_id"]), producer_name=producer_name)
        items.append(item)
    page = {"items": items, "total": total, "page": 1, "page_size": 25}
    return 200, json.dumps(page, default=_default).encode()


async def audited(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """B2: no framework, the portal's per-search work."""
    if scope["type"] == "lifespan":
        await bare(scope, receive, send)
        return
    status, body = await _audited_search(scope)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
