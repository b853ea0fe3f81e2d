"""CORS (issue 16): browser SPAs on the origins of PORTAL_CORS_ORIGINS may call the API; nothing CORS-related is sent
when the setting is empty (the default)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from app.config import Settings
from app.main import CORS_EXPOSED_HEADERS, MAX_JSON_BODY_BYTES
from tests.conftest import make_app
from tests.helpers import assert_problem

SPA = "https://portal.example.com"
LOCAL = "http://localhost:5173"
EVIL = "https://evil.example.net"
EXPOSED = {"etag", "location", "content-disposition", "retry-after", "x-request-id", "link"}


@asynccontextmanager
async def serve(settings: Settings, clock: Any, **changes: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """An app of its own (make_app) with these settings changed; a test may add routes to it."""
    app = make_app(settings.model_copy(update=changes), clock)
    async with LifespanManager(app, shutdown_timeout=10):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, client


@pytest.fixture
async def cors(settings, clock) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with serve(settings, clock, cors_origins=[SPA, LOCAL]) as (app, client):

        async def boom() -> None:
            raise RuntimeError("an unexpected fault")

        app.add_api_route("/api/v1/test-boom", boom, methods=["GET"])
        yield client


def preflight(origin: str, method: str = "POST", headers: str = "authorization, content-type") -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


def listed(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",") if part.strip()}


async def test_preflight_from_an_allowed_origin_is_answered_and_cached(cors) -> None:
    asked = "authorization, content-type, idempotency-key, if-match, if-none-match, x-request-id"
    for origin in (SPA, LOCAL):
        r = await cors.options("/api/v1/enrollments/7/payments", headers=preflight(origin, "POST", asked))
        assert r.status_code == 200, r.text
        assert r.headers["access-control-allow-origin"] == origin
        assert {"get", "post", "put", "patch", "delete"} <= listed(r.headers["access-control-allow-methods"])
        assert listed(asked) <= listed(r.headers["access-control-allow-headers"])
        assert r.headers["access-control-max-age"] == "600"
        assert "access-control-allow-credentials" not in r.headers  # bearer tokens, never cookies
        assert "origin" in listed(r.headers["vary"])
    r = await cors.options("/api/v1/prospects/3", headers=preflight(SPA, "PATCH", "authorization, if-match"))
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == SPA


async def test_preflight_from_another_origin_gets_no_allow_origin(cors) -> None:
    for origin in (EVIL, SPA + "/", "http://portal.example.com", "https://portal.example.com:8443"):
        r = await cors.options("/api/v1/prospects", headers=preflight(origin))
        assert r.status_code == 400
        assert "access-control-allow-origin" not in r.headers
    # An allowed origin asking for a header or a method the API does not take: the preflight fails (a browser
    # needs a 2xx), naming what was refused
    r = await cors.options("/api/v1/prospects", headers=preflight(SPA, "POST", "authorization, x-api-secret"))
    assert r.status_code == 400 and r.text == "Disallowed CORS headers"
    r = await cors.options("/api/v1/prospects", headers=preflight(SPA, "TRACE"))
    assert r.status_code == 400 and r.text == "Disallowed CORS method"


async def test_an_actual_request_gets_allow_origin_and_the_exposed_headers(cors) -> None:
    assert {h.lower() for h in CORS_EXPOSED_HEADERS} == EXPOSED
    r = await cors.get("/healthz", headers={"Origin": SPA})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == SPA
    assert listed(r.headers["access-control-expose-headers"]) == EXPOSED
    assert "access-control-allow-credentials" not in r.headers
    assert "origin" in listed(r.headers["vary"])
    assert r.headers["x-request-id"]  # RequestMiddleware still runs inside
    # Another origin: the answer is the same, but without Access-Control-Allow-Origin the browser hides it
    r = await cors.get("/healthz", headers={"Origin": EVIL})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    assert "origin" in listed(r.headers["vary"])


async def test_problem_answers_carry_allow_origin_so_the_client_can_read_them(cors) -> None:
    origin = {"Origin": SPA}
    answers = [
        (await cors.get("/api/v1/me", headers=origin), 401, "not_authenticated"),
        (await cors.delete("/api/v1/registrations", headers=origin), 405, "method_not_allowed"),
        (await cors.get("/api/v1/nowhere", headers=origin), 404, "not_found"),
        # written by RequestMiddleware itself: a control character in the query, an oversized body
        (await cors.get("/api/v1/prospects?city=a%00b", headers=origin), 422, "validation_failed"),
        (
            await cors.post(
                "/api/v1/registrations",
                content=b"{" + b" " * MAX_JSON_BODY_BYTES + b"}",
                headers={**origin, "Content-Type": "application/json"},
            ),
            413,
            "content_too_large",
        ),
        # the last-resort net's 500
        (await cors.get("/api/v1/test-boom", headers=origin), 500, "internal_error"),
    ]
    for response, status, code in answers:
        assert_problem(response, status, code)
        assert response.headers["access-control-allow-origin"] == SPA, (status, response.headers)
        assert listed(response.headers["access-control-expose-headers"]) == EXPOSED
        assert response.headers["x-request-id"]


async def test_without_the_setting_nothing_cors_related_is_sent(client) -> None:
    assert Settings().cors_origins == []  # off by default
    r = await client.options("/api/v1/prospects", headers=preflight(SPA))
    assert_problem(r, 405, "method_not_allowed")
    assert cors_headers(r) == {}
    r = await client.get("/healthz", headers={"Origin": SPA})
    assert r.status_code == 200 and cors_headers(r) == {}
    assert_problem(r := await client.get("/api/v1/me", headers={"Origin": SPA}), 401, "not_authenticated")
    assert cors_headers(r) == {}


@pytest.mark.parametrize(
    ("raw", "origins"),
    [
        ("", []),
        ("https://portal.example.com", ["https://portal.example.com"]),
        (
            " https://portal.example.com , http://localhost:5173,",
            ["https://portal.example.com", "http://localhost:5173"],
        ),
        ('["https://portal.example.com"]', ["https://portal.example.com"]),
    ],
)
def test_the_setting_is_a_comma_separated_list_of_origins(monkeypatch, raw: str, origins: list[str]) -> None:
    monkeypatch.setenv("PORTAL_CORS_ORIGINS", raw)
    assert Settings().cors_origins == origins


@pytest.mark.parametrize(
    "bad",
    ["*", "https://portal.example.com/", "https://portal.example.com/app", "portal.example.com", "ftp://x.example",
     "https://Portal.example.com", "https://*.example.com", "https://user@portal.example.com"],
)  # fmt: skip
def test_the_setting_refuses_what_is_not_an_exact_origin(monkeypatch, bad: str) -> None:
    monkeypatch.setenv("PORTAL_CORS_ORIGINS", f"http://localhost:5173,{bad}")
    with pytest.raises(ValueError, match="PORTAL_CORS_ORIGINS"):
        Settings()
