"""`Idempotency-Key` as a route declaration (`@idempotent()`, app/routers/idempotent.py) and its rules
(app/services/idempotency.py) over `IdempotencyRepository`: replay with the stored status, body and derived headers;
a different request under a used key; what makes two requests the same; refused requests leave no claim; expiry;
and exactly-once when requests with the same key race. Marked `db`: runs on SQLite and PostgreSQL.
tests/faults/test_idempotent_retries.py has the concurrent retries of the submission and payments end to end."""

from __future__ import annotations

import asyncio
import inspect
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import func, select

import app as app_package
from app.context import AppContext
from app.domain.accounts import Principal, Role
from app.domain.errors import Conflict, ValidationFailed
from app.repositories.orm import Application, IdempotencyKey
from app.routers.idempotent import Answer, idempotent, is_idempotent
from app.schemas.enrollments import SubmissionRead
from app.services.idempotency import IN_PROGRESS, KEY_HOURS, request_fingerprint, run_idempotent
from tests.factories import producer_id
from tests.faults.enrollment import CARD, URL, ready_application
from tests.helpers import assert_problem, bearer

pytestmark = pytest.mark.db

IDEMPOTENT_OPERATIONS = {
    "startApplication",
    "submitApplication",
    "capturePayment",
    "submitPayment",
    "uploadDocument",
    "createEQuestion",
    "enrollFromQuote",
}


async def _keys(app) -> dict[str, tuple[str, int, Any]]:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        rows = (await uow.session.execute(select(IdempotencyKey))).scalars()
        return {k.key: (k.path, k.status_code, k.response_body) for k in rows}


async def _applications(app) -> int:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(Application))).scalar_one())


def test_the_routes_that_create_or_submit_declare_idempotency(app) -> None:  # type: ignore[no-untyped-def]
    routes = [rc.original_route for rc in iter_route_contexts(app.routes)]
    declared = {r.operation_id for r in routes if isinstance(r, APIRoute) and is_idempotent(r.endpoint)}
    assert declared == IDEMPOTENT_OPERATIONS


def test_no_service_wires_idempotency_by_hand() -> None:
    """Issue 13: idempotency is the route's declaration; the services only do the work."""
    services = Path(app_package.__file__).parent / "services"
    wired = [p.name for p in services.glob("*.py") if p.name != "idempotency.py" and "run_idempotent" in p.read_text()]
    assert wired == []


def test_the_declaration_refuses_a_fingerprint_of_parameters_the_endpoint_does_not_take() -> None:
    def fingerprint(body: object) -> tuple[object, ...]:
        return (body,)

    async def endpoint(ctx: AppContext, principal: Principal, quote_id: int) -> None:
        return None

    with pytest.raises(TypeError, match="fingerprint takes \\['body'\\]"):
        idempotent(fingerprint=fingerprint)(endpoint)


def test_an_answer_with_its_status_is_declared_as_its_model() -> None:
    """`Answer[Model]` (the status chosen at run time): the route's response model is the Model."""

    async def endpoint(ctx: AppContext, principal: Principal) -> Answer[SubmissionRead]:
        raise NotImplementedError

    declared = idempotent()(endpoint)
    assert inspect.signature(declared).return_annotation is SubmissionRead


async def test_a_replay_returns_the_first_status_body_and_etag_and_starts_nothing(client, app, producer) -> None:
    key = {**producer, "Idempotency-Key": "start-1"}
    first = await client.post(URL, headers=key)
    assert first.status_code == 201 and first.headers["etag"] == f'"{first.json()["version"]}"'
    # no body, {} and {"quote_id": null} are the same request: a blank start
    for body in (None, {}, {"quote_id": None}):
        again = await client.post(URL, headers=key, json=body)
        assert again.status_code == 201 and again.json() == first.json(), again.text
        assert again.headers["etag"] == first.headers["etag"]
    assert await _applications(app) == 1
    assert (await _keys(app))["start-1"] == ("/api/v1/enrollments", 201, first.json())
    other = await client.post(URL, headers={**producer, "Idempotency-Key": "start-2"})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    plain = await client.post(URL, headers=producer)  # without a key nothing is remembered
    assert plain.status_code == 201 and plain.headers["etag"] == '"1"'
    assert await _applications(app) == 3 and set(await _keys(app)) == {"start-1", "start-2"}


async def test_a_key_is_the_callers_own(client, app, producer, other) -> None:
    mine = await client.post(URL, headers={**producer, "Idempotency-Key": "shared-name"})
    theirs = await client.post(URL, headers={**other, "Idempotency-Key": "shared-name"})
    assert mine.status_code == theirs.status_code == 201 and mine.json()["id"] != theirs.json()["id"]


async def test_a_different_request_under_a_used_key_is_422_key_reused(client, app, producer, clock) -> None:
    ready = await ready_application(client, producer, app.state.ctx.db.engine, clock.now().date())
    app_id, today = ready["id"], clock.now().date()
    submitted = await client.post(f"{URL}/{app_id}/submit", headers=producer)
    assert submitted.status_code == 200, submitted.text
    key = {**producer, "Idempotency-Key": "pay-1"}
    body = {**CARD, "payment_date": today.isoformat()}
    captured = await client.post(f"{URL}/{app_id}/payments", headers=key, json=body)
    assert captured.status_code == 201, captured.text

    changed = {**body, "payment_date": (today + timedelta(days=1)).isoformat()}  # another body
    problem = assert_problem(
        await client.post(f"{URL}/{app_id}/payments", headers=key, json=changed), 422, "idempotency.key_reused"
    )
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    pay = f"/api/v1/payments/{captured.json()['id']}/submit"
    # another operation, another path
    assert_problem(await client.post(pay, headers=key, json={"agreement": True}), 422, "idempotency.key_reused")
    assert_problem(await client.post(URL, headers=key), 422, "idempotency.key_reused")
    # the body as validated decides: the same fields in another order and spacing are the same request
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
    same = await client.post(
        f"{URL}/{app_id}/payments", headers={**key, "content-type": "application/json"}, content=reordered
    )
    assert same.status_code == 201 and same.json() == captured.json(), same.text
    # a validated body, not the raw one: "agreement" true then false under one key
    paid = await client.post(pay, headers={**producer, "Idempotency-Key": "pay-2"}, json={"agreement": True})
    assert paid.status_code == 200 and paid.json()["status"] == "Successful", paid.text
    assert_problem(
        await client.post(pay, headers={**producer, "Idempotency-Key": "pay-2"}, json={"agreement": False}),
        422,
        "idempotency.key_reused",
    )


async def test_the_path_is_the_routes_with_its_validated_parameters(client, app, producer, clock) -> None:
    ready = await ready_application(client, producer, app.state.ctx.db.engine, clock.now().date())
    app_id = ready["id"]
    key = {**producer, "Idempotency-Key": "padded"}
    first = await client.post(f"{URL}/{app_id}/submit", headers=key)
    assert first.status_code == 200, first.text
    again = await client.post(f"{URL}/000{app_id}/submit", headers=key)  # the same application
    assert again.status_code == 200 and again.json() == first.json()
    path = f"/api/v1/enrollments/{app_id}/submit"
    assert (await _keys(app))["padded"] == (path, 200, first.json())
    async with app.state.ctx.uow() as uow:  # the fingerprint of a request without a body: its path
        [row] = (await uow.session.execute(select(IdempotencyKey))).scalars()
        assert row.request_hash == request_fingerprint(path) and row.method == "POST"


async def test_a_refused_request_leaves_its_key_free(client, app, producer, clock) -> None:
    """A refusal before the claim (the quote_id of a blank start) and a refusal by the service both leave the key
    unclaimed: the request did nothing, so the same key may be used when it is fixed."""
    key = {**producer, "Idempotency-Key": "fix-and-retry"}
    refused = assert_problem(
        await client.post(URL, headers=key, json={"quote_id": 5}), 422, "enrollment.use_quote_enrollment"
    )
    assert refused["errors"][0]["field"] == "quote_id"
    assert await _keys(app) == {}
    app_id = (await client.post(URL, headers=key)).json()["id"]
    # a used key does not hide the refusal: it comes first
    assert_problem(await client.post(URL, headers=key, json={"quote_id": 5}), 422, "enrollment.use_quote_enrollment")

    submit = {**producer, "Idempotency-Key": "submit-too-early"}
    assert_problem(await client.post(f"{URL}/{app_id}/submit", headers=submit), 422)  # sections missing
    assert set(await _keys(app)) == {"fix-and-retry"}
    assert_problem(await client.post(f"{URL}/{app_id}/submit", headers=submit), 422)  # run again, not replayed


async def test_the_blank_start_refusal_comes_after_the_callers_checks(client, app, admin) -> None:
    assert_problem(await client.post(URL, json={"quote_id": 5}, headers={"Idempotency-Key": "k"}), 401)
    assert_problem(
        await client.post(URL, json={"quote_id": 5}, headers={**admin, "Idempotency-Key": "k"}), 403, "forbidden_role"
    )
    assert await _keys(app) == {}


async def test_a_key_must_be_at_most_100_printable_characters(client, app, producer) -> None:
    problem = assert_problem(
        await client.post(URL, headers={**producer, "Idempotency-Key": "tab\there"}), 422, "idempotency.key_invalid"
    )
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert_problem(await client.post(URL, headers={**producer, "Idempotency-Key": "k" * 101}), 422)
    ok = await client.post(URL, headers={**producer, "Idempotency-Key": "k" * 100})
    assert ok.status_code == 201
    assert await _applications(app) == 1


async def test_a_key_expires_after_a_day_and_may_then_be_used_again(client, app, producer, clock) -> None:
    key = {**producer, "Idempotency-Key": "daily"}
    first = (await client.post(URL, headers=key)).json()
    clock.advance(seconds=KEY_HOURS * 3600 - 1)
    key = {**(await bearer(client, "demoagent", "Demo1234")), "Idempotency-Key": "daily"}  # the token expired
    assert (await client.post(URL, headers=key)).json() == first
    clock.advance(seconds=1)
    key = {**(await bearer(client, "demoagent", "Demo1234")), "Idempotency-Key": "daily"}  # the token expired
    second = await client.post(URL, headers=key)
    assert second.status_code == 201 and second.json()["id"] != first["id"]
    assert await _applications(app) == 2
    assert (await _keys(app))["daily"] == ("/api/v1/enrollments", 201, second.json())


# --- The rules and the repository, below the route ---------------------------------------------------------------


async def _principal(app) -> Principal:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        user_id = await producer_id(uow, "demoagent")
    return Principal(
        user_id=user_id, username="demoagent", role=Role.producer, first_name="D", last_name="A", session_id="s"
    )


async def test_concurrent_requests_with_one_key_run_the_work_once(app, demo) -> None:
    """While the first request works, the others get 409 `idempotency.in_progress`; afterwards, its answer."""
    ctx, principal = app.state.ctx, await _principal(app)
    release, runs = asyncio.Event(), []

    async def handler() -> tuple[int, dict[str, Any]]:
        runs.append(1)
        await release.wait()
        return 201, {"done": len(runs)}

    def attempt() -> Any:
        return run_idempotent(
            ctx=ctx,
            principal=principal,
            key="race",
            method="POST",
            path="/x",
            fingerprint=request_fingerprint("/x"),
            handler=handler,
        )

    first = asyncio.create_task(attempt())
    while not runs:  # the first holds the claim and works
        await asyncio.sleep(0.01)
    others = await asyncio.gather(*(attempt() for _ in range(4)), return_exceptions=True)
    assert all(isinstance(e, Conflict) and e.code == "idempotency.in_progress" for e in others), others
    release.set()
    assert await first == (201, {"done": 1})
    assert await attempt() == (201, {"done": 1}) and len(runs) == 1
    with pytest.raises(ValidationFailed) as reused:
        await run_idempotent(
            ctx=ctx,
            principal=principal,
            key="race",
            method="POST",
            path="/x",
            fingerprint=request_fingerprint("/x", {"other": True}),
            handler=handler,
        )
    assert reused.value.code == "idempotency.key_reused" and len(runs) == 1


async def test_the_unique_key_decides_between_two_claims_in_flight(app, demo, clock) -> None:
    """Two transactions that both found no claim and both insert one: the database's unique key lets one win and
    the repository reports the loser as False (not an exception); on PostgreSQL the loser waits for the winner's
    commit, on SQLite for its write lock."""
    ctx, principal = app.state.ctx, await _principal(app)
    now = clock.now()
    claim = {
        "user_id": principal.user_id,
        "key": "two-claims",
        "method": "POST",
        "path": "/x",
        "request_hash": request_fingerprint("/x"),
        "now": now,
        "expires_at": now + timedelta(hours=KEY_HOURS),
    }
    async with ctx.uow() as first, ctx.uow() as second:
        assert await first.idempotency.find(principal.user_id, "two-claims") is None
        assert await second.idempotency.find(principal.user_id, "two-claims") is None
        assert await first.idempotency.claim(**claim) is True
        loser = asyncio.create_task(second.idempotency.claim(**claim))
        await asyncio.sleep(0.2)
        await first.commit()
        assert await loser is False
    async with ctx.uow() as uow:
        record = await uow.idempotency.find(principal.user_id, "two-claims")
        assert record is not None and record.status_code == IN_PROGRESS and record.created_at == now
