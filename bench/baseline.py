"""Baselines for `make bench` (quality.md "Speed"): the member-search SQL of S2 behind the thinnest servers.

B0 = a bare ASGI callable + an asyncpg pool; B1 = Starlette + the same pool. Both run the statement the portal
runs for an account-number search (compiled from `app.repositories.members.search_statement`, written to the file
named by BENCH_BASELINE_SQL by `bench.run`), with the producer id and account number from the query string:
`GET /lookup?producer_id=7&account_number=812345678`. Served by uvicorn like the portal:

    BENCH_BASELINE_SQL=var/bench/s2.json uvicorn bench.baseline:bare --workers 2 --loop uvloop --http httptools
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import asyncpg
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
