"""Server killed during a submission (quality.md "Reliability": nothing half-done): `kill -9` while the submission
waits for the (simulated, slowed) enrollment gateway leaves the application exactly as it was; a restarted server
then submits it, also when the client retries with the Idempotency-Key of the request that died.

Both legs: on PostgreSQL the submission holds the application's row lock (SELECT ... FOR UPDATE), on SQLite the
database write lock that statement takes there (app/db.py, issue 12 #2); either is let go when the process dies."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.repositories.orm import Application, AuditEvent, IdempotencyKey, OutboxMessage, Payment
from tests.conftest import BACKEND
from tests.faults.conftest import PortalServer, sign_in
from tests.faults.enrollment import URL, ready_application
from tests.helpers import assert_problem

pytestmark = [pytest.mark.db, pytest.mark.faults]

GATEWAY_DELAY = 4.0  # seconds the first server's enrollment gateway takes: the window to kill it in


async def _row_locked(pg: AsyncEngine, app_id: int) -> bool:
    """True while another transaction holds the application row (the submission's SELECT ... FOR UPDATE); on SQLite,
    while another connection holds the database write lock."""
    async with pg.connect() as conn:
        if BACKEND == "sqlite":
            await conn.exec_driver_sql("PRAGMA busy_timeout = 0")  # answer at once instead of waiting for the lock
            try:
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            except DBAPIError as exc:
                assert "locked" in str(exc).lower(), exc
                return True
            else:
                await conn.exec_driver_sql("ROLLBACK")
                return False
            finally:
                await conn.exec_driver_sql("PRAGMA busy_timeout = 5000")
        try:
            await conn.execute(select(Application.id).where(Application.id == app_id).with_for_update(nowait=True))
            return False
        except DBAPIError as exc:
            assert "lock" in str(exc).lower(), exc
            return True


async def _state(pg: AsyncEngine, app_id: int) -> dict[str, Any]:
    """Everything a submission writes: the application's columns, audit events, payments, outbox, the key."""
    async with pg.connect() as conn:
        app = (await conn.execute(select(Application).where(Application.id == app_id))).one()
        audits = (
            await conn.execute(
                select(AuditEvent.action, AuditEvent.outcome, AuditEvent.details).where(
                    AuditEvent.target_type == "application",
                    AuditEvent.target_id == str(app_id),
                    AuditEvent.action == "enrollment.submitted",
                )
            )
        ).all()
        keys = (
            await conn.execute(select(IdempotencyKey.key, IdempotencyKey.status_code, IdempotencyKey.response_body))
        ).all()
        return {
            "status": app.status,
            "version": app.version,
            "record_number": app.record_number,
            "client_app_id": app.client_app_id,
            "date_submitted": app.date_submitted,
            "payment_status": app.payment_status,
            "failure_reason": app.failure_reason,
            "product_name": app.product_name,
            "member_count": app.member_count,
            "submitted_audits": [tuple(a) for a in audits],
            "payments": (
                await conn.execute(select(func.count()).select_from(Payment).where(Payment.application_id == app_id))
            ).scalar_one(),
            "outbox": (await conn.execute(select(func.count()).select_from(OutboxMessage))).scalar_one(),
            "keys": {k.key: (k.status_code, k.response_body) for k in keys},
        }


async def test_kill_9_during_a_submission_leaves_it_unsubmitted_and_a_restarted_server_submits_it(
    fresh_database: str, pg: AsyncEngine, servers: list[PortalServer], tmp_path: Path
) -> None:
    first = PortalServer(fresh_database, tmp_path / "first.log", PORTAL_GATEWAY_DELAY_SECONDS=str(GATEWAY_DELAY))
    servers.append(first)
    first.start()
    headers = sign_in(first.base)
    async with httpx.AsyncClient(base_url=first.base, timeout=30) as client:
        ready = await ready_application(client, headers, pg, datetime.now(UTC).date())
        app_id = ready["id"]
        before = await _state(pg, app_id)
        key = {"Idempotency-Key": f"submit-{app_id}-once"}
        submitting = asyncio.create_task(client.post(f"{URL}/{app_id}/submit", headers={**headers, **key}))

        # in flight: the submission's transaction holds the application row while the gateway answers
        deadline = time.monotonic() + GATEWAY_DELAY - 1
        while not await _row_locked(pg, app_id):
            assert not submitting.done(), submitting.result().text
            assert time.monotonic() < deadline, "the submission never got under way"
            await asyncio.sleep(0.05)
        first.kill()
        killed = time.monotonic()
        with pytest.raises(httpx.TransportError):  # the client gets no answer at all
            await submitting

    # The database rolled the submission back with the dead process: the row is free, nothing of it stayed
    deadline = time.monotonic() + 5
    while await _row_locked(pg, app_id):
        assert time.monotonic() < deadline, "the killed server's transaction still holds the application"
        await asyncio.sleep(0.05)
    after_kill = await _state(pg, app_id)
    assert after_kill["status"] == "incomplete" and after_kill["version"] == before["version"]
    assert (
        after_kill["client_app_id"],
        after_kill["date_submitted"],
        after_kill["payment_status"],
        after_kill["failure_reason"],
    ) == (None, None, None, None)
    assert after_kill["submitted_audits"] == [] and after_kill["payments"] == 0
    assert {k: v for k, v in after_kill.items() if k != "keys"} == {k: v for k, v in before.items() if k != "keys"}
    assert after_kill["keys"] == {key["Idempotency-Key"]: (0, None)}  # the claim of the request that died

    # a restarted server (no gateway delay) takes the retry with the same key and submits, once: the dead
    # request's claim lapses after PORTAL_IDEMPOTENCY_CLAIM_SECONDS (1 s here, 60 s by default)
    second = PortalServer(fresh_database, tmp_path / "second.log", PORTAL_IDEMPOTENCY_CLAIM_SECONDS="1")
    servers.append(second)
    second.start()
    await asyncio.sleep(max(0.0, 1.1 - (time.monotonic() - killed)))
    async with httpx.AsyncClient(base_url=second.base, timeout=30) as client:
        retried = await client.post(f"{URL}/{app_id}/submit", headers={**headers, **key})  # the old token still works
        assert retried.status_code == 200, retried.text
        answer = retried.json()
        assert answer["status"] == "submitted" and answer["record_number"] == ready["record_number"], answer
        assert answer["client_app_id"] and answer["payment_status"] == "Pending" and answer["failure_reason"] is None
        again = await client.post(f"{URL}/{app_id}/submit", headers={**headers, **key})
        assert again.status_code == 200 and again.json() == answer  # the first answer, not a second submission
        assert_problem(await client.post(f"{URL}/{app_id}/submit", headers=headers), 409, "enrollment.submitted")
        read = (await client.get(f"{URL}/{app_id}", headers=headers)).json()
        assert (read["status"], read["client_app_id"], read["version"]) == (
            "submitted",
            answer["client_app_id"],
            before["version"] + 1,
        )

    done = await _state(pg, app_id)
    assert done["status"] == "submitted" and done["version"] == before["version"] + 1
    assert done["client_app_id"] == answer["client_app_id"] and done["payment_status"] == "Pending"
    assert done["date_submitted"] is not None and done["record_number"] == ready["record_number"]
    assert done["product_name"] and done["member_count"] == 3
    assert done["submitted_audits"] == [
        ("enrollment.submitted", "success", {"record_number": ready["record_number"], "reason": None})
    ]
    assert done["keys"] == {key["Idempotency-Key"]: (200, answer)} and done["payments"] == 0
