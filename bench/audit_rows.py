"""Size of an audit row (docs/scaling.md): a scratch database, the audit_events table, 4,000 single-row inserts of
each hot request's row, then heap and heap+index bytes per row. `python -m bench.audit_rows`."""

import asyncio
import json
import os
import random
import time
import uuid

import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine

from app.repositories.orm import AuditEvent

BASE = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")


async def main():
    name = f"portal_probe_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(BASE + "/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        eng = create_async_engine(BASE.replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}")
        async with eng.begin() as c:
            await c.run_sync(lambda s: AuditEvent.__table__.create(s))
        await eng.dispose()
        conn = await asyncpg.connect(f"{BASE}/{name}")
        ua = (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0 Safari/537.36"
        )
        sql = (
            "INSERT INTO audit_events (occurred_at, action, outcome, actor_user_id, actor_username,"
            " on_behalf_of_user_id, api_key_id,"
            " target_type, target_id, ip, user_agent, request_id, details)"
            " VALUES (now(), $1, 'success', $2, $3, NULL, NULL, $4, $5, $6, $7, $8, $9)"
        )
        for label, details, target in [
            (
                "exact search (1 account)",
                {"criteria": ["account_number"], "results": 1, "accounts": ["730075112"]},
                None,
            ),
            (
                "prefix page (25 accounts)",
                {"criteria": ["last_name"], "results": 143, "accounts": [str(730000000 + i) for i in range(25)]},
                None,
            ),
            ("client detail", None, "730075112"),
        ]:
            await conn.execute("TRUNCATE audit_events")
            await conn.execute("CHECKPOINT")
            n = 4000
            lsn0 = await conn.fetchval("SELECT pg_current_wal_lsn()")
            t0 = time.perf_counter()
            for i in range(n):
                await conn.execute(
                    sql,
                    "member.search" if target is None else "member.detail",
                    random.randint(1, 100000),
                    f"agent{i % 997}",
                    "account" if target else None,
                    target,
                    f"203.0.113.{i % 250}",
                    ua,
                    uuid.uuid4().hex,
                    json.dumps(details) if details else None,
                )
            dt = time.perf_counter() - t0
            lsn1 = await conn.fetchval("SELECT pg_current_wal_lsn()")
            wal = await conn.fetchval("SELECT pg_wal_lsn_diff($1,$2)", lsn1, lsn0)
            await conn.execute("VACUUM ANALYZE audit_events")
            heap = await conn.fetchval("SELECT pg_relation_size('audit_events')")
            total = await conn.fetchval("SELECT pg_total_relation_size('audit_events')")
            print(
                f"{label}: {n} single-row autocommit inserts in {dt:.2f}s = {n / dt:.0f}/s on 1 connection; "
                f"WAL {wal / n:.0f} B/row (the whole server's WAL); heap {heap / n:.0f} B/row; "
                f"heap+indexes+toast {total / n:.0f} B/row"
            )
        await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


asyncio.run(main())
