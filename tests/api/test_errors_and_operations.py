"""Problem documents for every kind of error; health, readiness, metrics, request ids, logs."""

from __future__ import annotations

import logging

import httpx
from asgi_lifespan import LifespanManager

from tests.conftest import make_app
from tests.helpers import assert_problem, bearer, registration


async def test_unknown_route_is_a_problem_document(client) -> None:
    body = assert_problem(await client.get("/api/v1/nothing-here"), 404, "not_found")
    assert body["instance"] == "/api/v1/nothing-here" and body["request_id"]


async def test_wrong_method_is_405_problem(client) -> None:
    body = assert_problem(await client.delete("/api/v1/registrations"), 405, "method_not_allowed")
    assert "DELETE" in body["detail"]


async def test_malformed_json_is_400(client) -> None:
    r = await client.post(
        "/api/v1/registrations", content=b'{"first_name": ', headers={"content-type": "application/json"}
    )
    assert_problem(r, 400, "malformed_json")


async def test_wrong_types_and_huge_strings_are_422(client) -> None:
    body = assert_problem(
        await client.post("/api/v1/registrations", json=registration(first_name=12, last_name="x" * 10_000)), 422
    )
    assert {e["field"] for e in body["errors"]} == {"first_name", "last_name"}
    assert all(e["message"] for e in body["errors"])


async def test_body_over_the_cap_is_413_without_reading_it(client) -> None:
    big = b'{"x": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    assert_problem(
        await client.post("/api/v1/registrations", content=big, headers={"content-type": "application/json"}),
        413,
        "content_too_large",
    )


async def test_wrong_media_type_is_415_problem(client) -> None:
    r = await client.post("/api/v1/registrations", content=b"first_name=x", headers={"content-type": "text/plain"})
    body = assert_problem(r, 415, "unsupported_media_type")
    assert "application/json" in body["detail"]


async def test_our_own_crash_is_500_without_internals(app, client) -> None:
    async def boom() -> None:
        raise RuntimeError("secret internal detail: password=hunter2")

    app.add_api_route("/boom", boom)
    body = assert_problem(await client.get("/boom"), 500, "internal_error")
    assert "hunter2" not in str(body) and "RuntimeError" not in str(body)
    assert body["request_id"]


async def test_healthz_readyz_and_metrics(client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok", "database": None, "storage": None, "redis": None}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    assert 'portal_http_requests_total{method="GET",route="/readyz",status="200"}' in metrics.text


async def test_request_id_is_echoed_or_generated(client) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert r.headers["x-request-id"] != "bad id with spaces" and len(r.headers["x-request-id"]) == 32


async def test_database_down_gives_503_and_readyz_fails(settings, clock, tmp_path) -> None:
    down = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://postgres@127.0.0.1:1/none", "db_timeout_seconds": 2.0}
    )
    app = make_app(down, clock)
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            assert_problem(await c.get("/readyz"), 503, "service_unavailable")
            r = await c.post("/api/v1/auth/token", data={"username": "demoagent", "password": "Demo1234"})
            body = assert_problem(r, 503, "service_unavailable")
            assert r.headers["retry-after"] and "temporarily unavailable" in body["detail"]
            assert (await c.get("/healthz")).status_code == 200


async def test_logs_carry_request_ids_and_no_secrets_or_query_strings(client, demo, caplog) -> None:
    caplog.set_level(logging.INFO)
    await client.post("/api/v1/auth/token", data={"username": "demoagent", "password": "Demo1234"})
    await client.get(
        "/api/v1/admin/outbox?to=secret-phi@example.com", headers=await bearer(client, "admin", "Admin123")
    )
    ours = [r for r in caplog.records if not r.name.startswith("httpx")]  # httpx logs the test client side
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    assert "Demo1234" not in text and "secret-phi" not in text
    access = [r for r in caplog.records if r.name == "portal.access"]
    assert access and all(getattr(r, "request_id", None) for r in access)
    assert any(getattr(r, "route", None) == "/api/v1/admin/outbox" for r in access)
