"""Retried submissions and binder payments with the same Idempotency-Key (quality.md "Reliability"): five identical
requests at once, then more one after another, make one submission and one payment, and every retry that is
answered gets the first answer (api.md: a retry while the first still runs gets 409 `idempotency.in_progress`).

In-process app (tests/conftest.py), fixed clock; the simulated gateway and processor take 0.3 s so the retries
really arrive while the first request runs. Runs on both legs: nothing here needs PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.repositories.orm import Application, AuditEvent, IdempotencyKey, Payment
from app.services.idempotency import IN_PROGRESS, request_fingerprint
from tests.factories import producer_id
from tests.faults.enrollment import CARD, URL, ready_application
from tests.helpers import assert_problem, bearer

pytestmark = [pytest.mark.db, pytest.mark.faults]
RETRIES = 5


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"gateway_delay_seconds": 0.3})


@pytest.fixture
async def producer(client, demo) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return await bearer(client, "demoagent", "Demo1234")


async def _at_once(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], body: Any = None
) -> tuple[dict[str, Any], int]:
    """RETRIES identical POSTs at the same time: one does the work, the others get its answer or 409 while it runs.
    Returns the answer and how many were told to retry."""
    answers = await asyncio.gather(*(client.post(url, headers=headers, json=body) for _ in range(RETRIES)))
    done = [r for r in answers if r.status_code in (200, 201)]
    busy = [r for r in answers if r.status_code == 409]
    assert len(done) + len(busy) == RETRIES and done, [(r.status_code, r.text) for r in answers]
    first = done[0].json()
    assert all(r.json() == first and r.status_code == done[0].status_code for r in done)
    for r in busy:
        assert_problem(r, 409, "idempotency.in_progress")
    return first, len(busy)


async def _db(app, app_id: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        s = uow.session
        application = await s.get(Application, app_id)
        payments = (await s.execute(select(Payment).where(Payment.application_id == app_id))).scalars().all()
        audits = dict(
            (
                await s.execute(
                    select(AuditEvent.action, func.count())
                    .where(AuditEvent.target_type == "application", AuditEvent.target_id == str(app_id))
                    .group_by(AuditEvent.action)
                )
            ).all()
        )
        keys = {k.key: (k.status_code, k.response_body) for k in (await s.execute(select(IdempotencyKey))).scalars()}
        return {"app": application, "payments": payments, "audits": audits, "keys": keys}


async def test_concurrent_and_sequential_retries_make_one_submission_and_one_payment(
    client, app, producer, clock
) -> None:
    ready = await ready_application(client, producer, app.state.ctx.db.engine, clock.now().date())
    app_id = ready["id"]

    submit = {**producer, "Idempotency-Key": "submit-double-click"}
    submitted, busy = await _at_once(client, f"{URL}/{app_id}/submit", submit)
    assert busy >= 1  # the retries came while the first submission waited for the gateway
    assert submitted["status"] == "submitted" and submitted["record_number"] == ready["record_number"]
    assert submitted["client_app_id"] and submitted["payment_status"] == "Pending", submitted
    for _ in range(2):
        again = await client.post(f"{URL}/{app_id}/submit", headers=submit)
        assert again.status_code == 200 and again.json() == submitted

    capture = {**producer, "Idempotency-Key": "capture-double-click"}
    body = {**CARD, "payment_date": clock.now().date().isoformat()}
    captured, _ = await _at_once(client, f"{URL}/{app_id}/payments", capture, body)
    assert captured["status"] == "Pending" and captured["last4"] == "4242" and captured["application_id"] == app_id
    again = await client.post(f"{URL}/{app_id}/payments", headers=capture, json=body)
    assert again.status_code == 201 and again.json() == captured

    pay = {**producer, "Idempotency-Key": "pay-double-click"}
    paid, busy = await _at_once(client, f"/api/v1/payments/{captured['id']}/submit", pay, {"agreement": True})
    assert busy >= 1  # the retries came while the processor was charging
    assert paid["status"] == "Successful" and paid["id"] == captured["id"] and paid["submitted_at"], paid
    again = await client.post(f"/api/v1/payments/{captured['id']}/submit", headers=pay, json={"agreement": True})
    assert again.status_code == 200 and again.json() == paid

    state = await _db(app, app_id)
    assert state["app"].status == "submitted" and state["app"].version == ready["version"] + 1
    assert state["app"].client_app_id == submitted["client_app_id"] and state["app"].payment_status == "Successful"
    [payment] = state["payments"]  # one payment, charged once
    assert (payment.id, payment.status, payment.confirmation_number) == (
        captured["id"],
        "Successful",
        captured["confirmation_number"],
    )
    assert state["audits"] == {
        "enrollment.started": 1,
        "enrollment.section_saved": 6,
        "enrollment.effective_date_calculated": 2,  # issue 14: a change of effective date is audited
        "enrollment.submitted": 1,
        "payment.captured": 1,
        "payment.submitted": 1,
        "enrollment.read": 1,
    }  # the one GET of the application (issue 12 #7)
    assert state["keys"] == {
        "submit-double-click": (200, submitted),
        "capture-double-click": (201, captured),
        "pay-double-click": (200, paid),
    }


async def test_a_claim_left_by_a_request_that_died_is_taken_over_once_it_lapses(
    client, app, producer, clock, settings
) -> None:
    """What a killed server leaves behind (tests/faults/test_killed_submission.py) is a claim in progress: retries
    get 409 until it lapses, then one retry runs the submission."""
    ready = await ready_application(client, producer, app.state.ctx.db.engine, clock.now().date())
    app_id, path = ready["id"], f"{URL}/{ready['id']}/submit"
    async with app.state.ctx.uow() as uow:
        now = clock.now()
        uow.session.add(
            IdempotencyKey(
                user_id=await producer_id(uow, "demoagent"),
                key="died-1",
                method="POST",
                path=path,
                request_hash=request_fingerprint(path),
                status_code=IN_PROGRESS,
                response_body=None,
                created_at=now,
                expires_at=now + timedelta(hours=24),
            )
        )
        await uow.commit()
    key = {**producer, "Idempotency-Key": "died-1"}
    clock.advance(seconds=settings.idempotency_claim_seconds - 1)
    assert_problem(await client.post(path, headers=key), 409, "idempotency.in_progress")
    assert (await _db(app, app_id))["app"].status == "incomplete"

    clock.advance(seconds=2)
    submitted, _ = await _at_once(client, path, key)
    assert submitted["status"] == "submitted" and submitted["record_number"] == ready["record_number"]
    again = await client.post(path, headers=key)
    assert again.status_code == 200 and again.json() == submitted
    state = await _db(app, app_id)
    assert state["app"].status == "submitted" and state["audits"]["enrollment.submitted"] == 1
    assert state["keys"] == {"died-1": (200, submitted)}
