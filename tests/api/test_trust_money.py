"""Issue 12 findings 1 and 2: money is charged once and an application is submitted once, on SQLite as on
PostgreSQL (tests/api runs in both legs).

#1  One live (Pending or Successful) payment per application: a second capture is 409 `payment.exists` naming the
    live payment, in the service under the application lock and in the database (uq_payments_application_live).
#2  On SQLite a transaction that locks rows (FOR UPDATE) or writes holds the database write lock from its first
    such statement (app/db.py), so twenty concurrent submits without an Idempotency-Key make one submission.

The concurrency is real: twenty requests in flight at once through the in-process app (asyncio.gather over
httpx's ASGI transport), each with its own pooled connection; the simulated gateway and processor take 0.3 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.adapters.gateways import SimulatedEnrollmentGateway, SimulatedPaymentProcessor
from app.repositories.orm import Application, AuditEvent, Payment
from app.services import payments as payment_service
from tests.faults.enrollment import CARD, URL, ready_application
from tests.helpers import assert_problem

AT_ONCE = 20
DECLINING_CARD = {**CARD, "card": {**cast(dict[str, Any], CARD["card"]), "number": "4000000000000002"}}


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"gateway_delay_seconds": 0.3})


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the enrollment gateway was asked to submit and the processor to charge."""
    counted = {"submit": 0, "charge": 0}

    def counting(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        async def wrapper(self: Any, **kwargs: Any) -> Any:
            counted[name] += 1
            return await original(self, **kwargs)

        return wrapper

    monkeypatch.setattr(SimulatedEnrollmentGateway, "submit", counting("submit", SimulatedEnrollmentGateway.submit))
    monkeypatch.setattr(SimulatedPaymentProcessor, "charge", counting("charge", SimulatedPaymentProcessor.charge))
    return counted


async def _ready(
    client: httpx.AsyncClient, app: Any, producer: dict[str, str], clock: Any, *, submitted: bool = True
) -> int:
    ready = await ready_application(client, producer, app.state.ctx.db.engine, clock.now().date())
    if submitted:
        r = await client.post(f"{URL}/{ready['id']}/submit", headers=producer)
        assert r.status_code == 200 and r.json()["payment_status"] == "Pending", r.text
    return int(ready["id"])


def _card(clock: Any, card: dict[str, Any] = CARD) -> dict[str, Any]:
    return {**card, "payment_date": clock.now().date().isoformat()}


async def _state(app: Any, app_id: int) -> dict[str, Any]:
    async with app.state.ctx.uow() as uow:
        s = uow.session
        application = await s.get(Application, app_id)
        payments = (
            await s.execute(
                select(Payment.id, Payment.status).where(Payment.application_id == app_id).order_by(Payment.id)
            )
        ).all()
        audits = dict(
            (
                await s.execute(
                    select(AuditEvent.action, func.count())
                    .where(AuditEvent.target_type == "application", AuditEvent.target_id == str(app_id))
                    .group_by(AuditEvent.action)
                )
            ).all()
        )
        assert application is not None
        return {
            "status": application.status,
            "payment_status": application.payment_status,
            "version": application.version,
            "payments": [tuple(p) for p in payments],
            "audits": audits,
        }


async def _at_once(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], body: Any = None
) -> list[httpx.Response]:
    return list(await asyncio.gather(*(client.post(url, headers=headers, json=body) for _ in range(AT_ONCE))))


# --- finding 1: one live payment per application ---------------------------------------------------------------


async def test_trust_1_second_payment_create_is_409_naming_the_live_payment(
    client, app, producer, clock, calls
) -> None:
    app_id = await _ready(client, app, producer, clock)
    first = await client.post(f"{URL}/{app_id}/payments", headers=producer, json=_card(clock))
    assert first.status_code == 201, first.text
    pending = first.json()

    body = assert_problem(
        await client.post(f"{URL}/{app_id}/payments", headers=producer, json=_card(clock)), 409, "payment.exists"
    )
    assert (body["payment_id"], body["payment_status"]) == (pending["id"], "Pending"), body
    assert str(pending["id"]) in body["detail"]

    paid = await client.post(f"/api/v1/payments/{pending['id']}/submit", headers=producer, json={"agreement": True})
    assert paid.status_code == 200 and paid.json()["status"] == "Successful", paid.text
    body = assert_problem(
        await client.post(f"{URL}/{app_id}/payments", headers=producer, json=_card(clock)), 409, "payment.exists"
    )
    assert (body["payment_id"], body["payment_status"]) == (pending["id"], "Successful"), body

    state = await _state(app, app_id)
    assert state["payments"] == [(pending["id"], "Successful")] and state["payment_status"] == "Successful"
    assert state["audits"]["payment.captured"] == 1 and state["audits"]["payment.submitted"] == 1
    assert calls["charge"] == 1


async def test_trust_1_a_declined_or_cancelled_payment_allows_a_new_one(client, app, producer, clock) -> None:
    app_id = await _ready(client, app, producer, clock)
    declined = (
        await client.post(f"{URL}/{app_id}/payments", headers=producer, json=_card(clock, DECLINING_CARD))
    ).json()
    r = await client.post(f"/api/v1/payments/{declined['id']}/submit", headers=producer, json={"agreement": True})
    assert r.status_code == 200 and r.json()["status"] == "Declined", r.text

    cancelled = await client.post(f"{URL}/{app_id}/payments", headers=producer, json=_card(clock))
    assert cancelled.status_code == 201, cancelled.text
    r = await client.post(f"/api/v1/payments/{cancelled.json()['id']}/cancel", headers=producer)
    assert r.status_code == 200 and r.json()["status"] == "Cancelled", r.text

    third = await client.post(f"{URL}/{app_id}/payments", headers=producer, json=_card(clock))
    assert third.status_code == 201, third.text
    state = await _state(app, app_id)
    assert state["payments"] == [
        (declined["id"], "Declined"),
        (cancelled.json()["id"], "Cancelled"),
        (third.json()["id"], "Pending"),
    ]
    assert state["payment_status"] == "Pending"


async def test_trust_1_twenty_concurrent_creates_make_one_payment(client, app, producer, clock) -> None:
    app_id = await _ready(client, app, producer, clock)
    answers = await _at_once(client, f"{URL}/{app_id}/payments", producer, _card(clock))
    created = [r for r in answers if r.status_code == 201]
    assert len(created) == 1, [(r.status_code, r.text) for r in answers]
    payment_id = created[0].json()["id"]
    for r in answers:
        if r is not created[0]:
            assert assert_problem(r, 409, "payment.exists")["payment_id"] == payment_id
    state = await _state(app, app_id)
    assert state["payments"] == [(payment_id, "Pending")]
    assert state["audits"]["payment.captured"] == 1


async def test_trust_1_the_database_refuses_a_second_live_payment(client, app, producer, clock, monkeypatch) -> None:
    """uq_payments_application_live: were the check under the lock ever skipped, the insert fails and the answer
    is the same 409, naming the payment that is live."""
    app_id = await _ready(client, app, producer, clock)
    first = (await client.post(f"{URL}/{app_id}/payments", headers=producer, json=_card(clock))).json()
    monkeypatch.setattr(payment_service, "check_capture", lambda **_: None)
    body = assert_problem(
        await client.post(f"{URL}/{app_id}/payments", headers=producer, json=_card(clock)), 409, "payment.exists"
    )
    assert body["payment_id"] == first["id"]
    assert (await _state(app, app_id))["payments"] == [(first["id"], "Pending")]

    async with app.state.ctx.uow() as uow:  # straight to the table: a second live row is refused there too
        template = await uow.session.get(Payment, first["id"])
        assert template is not None
        columns = {
            c: getattr(template, c)
            for c in (
                "application_id",
                "producer_id",
                "method",
                "amount",
                "payment_date",
                "autopay",
                "processor_token",
                "last4",
                "created_at",
            )
        }
    for status in ("Pending", "Successful"):
        async with app.state.ctx.uow() as uow:
            uow.session.add(Payment(**columns, status=status, confirmation_number=f"PCDUP{status}"))
            with pytest.raises(IntegrityError):
                await uow.commit()
    async with app.state.ctx.uow() as uow:  # a payment that is over is not live: any number of them
        for n, status in enumerate(("Declined", "Cancelled", "Declined")):
            uow.session.add(Payment(**columns, status=status, confirmation_number=f"PCOVER{n}"))
        await uow.commit()


async def test_trust_1_a_payment_is_not_charged_when_the_application_is_already_paid(
    client, app, producer, clock, calls
) -> None:
    """Capture/submit re-checks the application's payment state under the lock."""
    app_id = await _ready(client, app, producer, clock)
    pending = (await client.post(f"{URL}/{app_id}/payments", headers=producer, json=_card(clock))).json()
    async with app.state.ctx.uow() as uow:  # paid elsewhere (e.g. before issue 12 a second payment went through)
        await uow.session.execute(
            text("UPDATE applications SET payment_status = 'Successful' WHERE id = :id"), {"id": app_id}
        )
        await uow.commit()
    assert_problem(
        await client.post(f"/api/v1/payments/{pending['id']}/submit", headers=producer, json={"agreement": True}),
        409,
        "payment.already_paid",
    )
    assert calls["charge"] == 0
    assert (await _state(app, app_id))["payments"] == [(pending["id"], "Pending")]


# --- finding 2: exactly once on SQLite too -----------------------------------------------------------------------


async def test_trust_2_twenty_concurrent_submits_make_one_submission(client, app, producer, clock, calls) -> None:
    app_id = await _ready(client, app, producer, clock, submitted=False)
    before = await _state(app, app_id)
    answers = await _at_once(client, f"{URL}/{app_id}/submit", producer)
    done = [r for r in answers if r.status_code == 200]
    assert len(done) == 1, [(r.status_code, r.text[:200]) for r in answers]
    assert done[0].json()["status"] == "submitted"
    for r in answers:
        if r is not done[0]:
            assert_problem(r, 409, "enrollment.submitted")
    state = await _state(app, app_id)
    assert state["status"] == "submitted" and state["version"] == before["version"] + 1
    assert state["audits"]["enrollment.submitted"] == 1
    assert calls["submit"] == 1


async def test_trust_2_twenty_concurrent_payment_submits_charge_once(client, app, producer, clock, calls) -> None:
    app_id = await _ready(client, app, producer, clock)
    pending = (await client.post(f"{URL}/{app_id}/payments", headers=producer, json=_card(clock))).json()
    answers = await _at_once(client, f"/api/v1/payments/{pending['id']}/submit", producer, {"agreement": True})
    done = [r for r in answers if r.status_code == 200]
    assert len(done) == 1 and done[0].json()["status"] == "Successful", [(r.status_code, r.text[:200]) for r in answers]
    for r in answers:
        if r is not done[0]:
            assert_problem(r, 409, "payment.not_pending")
    state = await _state(app, app_id)
    assert state["payments"] == [(pending["id"], "Successful")] and state["payment_status"] == "Successful"
    assert state["audits"]["payment.submitted"] == 1
    assert calls["charge"] == 1


async def test_trust_2_a_locking_transaction_makes_the_next_one_wait_and_plain_reads_do_not(
    client, app, producer, clock
) -> None:
    """SELECT ... FOR UPDATE holds what it read until commit, on SQLite (the database write lock, app/db.py) as on
    PostgreSQL (the row lock); reads on the autocommit read engine go on meanwhile."""
    app_id = await _ready(client, app, producer, clock, submitted=False)
    ctx = app.state.ctx
    locked = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with ctx.uow() as uow:
            application = await uow.session.get(Application, app_id, with_for_update=True)
            assert application is not None
            locked.set()
            await release.wait()
            application.monthly_premium = Decimal("1.23")
            await uow.commit()

    async def waiter() -> Decimal | None:
        async with ctx.uow() as uow:
            application = await uow.session.get(Application, app_id, with_for_update=True)
            assert application is not None
            return application.monthly_premium

    holding = asyncio.create_task(holder())
    await asyncio.wait_for(locked.wait(), 5)
    waiting = asyncio.create_task(waiter())
    async with ctx.db.read_engine.connect() as conn:  # not blocked by the lock
        status = await asyncio.wait_for(conn.scalar(select(Application.status).where(Application.id == app_id)), 2)
    assert status == "incomplete"
    await asyncio.sleep(0.3)
    assert not waiting.done()  # it waits for the holder ...
    release.set()
    await holding
    assert await asyncio.wait_for(waiting, 5) == Decimal("1.23")  # ... and reads what the holder committed
