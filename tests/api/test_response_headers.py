"""The response headers the contract declares (issue 16) are really sent: for a sample of operations, every header
declared on the answered status is in the answer."""

from __future__ import annotations

import re
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from tests.conftest import make_app
from tests.helpers import assert_problem

API = "/api/v1"
PROSPECT = {"first_name": "Hedda", "last_name": "Headers", "state": "IL", "zip_code": "60601"}


def declared(doc: dict[str, Any], method: str, path: str, status: int) -> set[str]:
    """The header names the document declares on `method path`'s `status` answer."""
    return {name.lower() for name in doc["paths"][path][method.lower()]["responses"][str(status)].get("headers", {})}


def assert_sent(doc: dict[str, Any], path: str, r: httpx.Response, expected: set[str]) -> None:
    """`r` answered `path` (a template) with every header declared for its status; `expected` must be among them."""
    names = declared(doc, r.request.method, path, r.status_code)
    assert expected <= names, (path, r.status_code, names)
    missing = {n for n in names if n not in r.headers}
    assert not missing, (r.request.method, path, r.status_code, missing)


async def test_declared_headers_are_sent(client, producer) -> None:
    doc = (await client.get("/openapi.json")).json()

    r = await client.post(f"{API}/prospects", json=PROSPECT, headers=producer)
    assert r.status_code == 201, r.text
    assert_sent(doc, f"{API}/prospects", r, {"location", "x-request-id"})
    assert r.headers["location"] == f"{API}/prospects/{r.json()['id']}"

    r = await client.get(f"{API}/prospects/export", params={"format": "csv"}, headers=producer)
    assert r.status_code == 200, r.text
    assert_sent(doc, f"{API}/prospects/export", r, {"content-disposition", "x-request-id"})
    assert re.fullmatch(r'attachment; filename="prospects-\d{8}\.csv"', r.headers["content-disposition"])

    r = await client.post(f"{API}/enrollments", headers=producer)
    assert r.status_code == 201, r.text
    assert_sent(doc, f"{API}/enrollments", r, {"etag", "x-request-id"})
    app_id, tag = r.json()["id"], r.headers["etag"]
    item = f"{API}/enrollments/{{application_id}}"
    r = await client.get(f"{API}/enrollments/{app_id}", headers=producer)
    assert_sent(doc, item, r, {"etag"})
    r = await client.get(f"{API}/enrollments/{app_id}", headers={**producer, "If-None-Match": tag})
    assert r.status_code == 304
    assert_sent(doc, item, r, {"etag"})

    r = await client.get(f"{API}/prospects/999999999", headers=producer)
    assert_problem(r, 404)
    assert_sent(doc, f"{API}/prospects/{{prospect_id}}", r, {"x-request-id"})
    r = await client.get("/healthz", headers={"X-Request-ID": "hdr-1"})
    assert_sent(doc, "/healthz", r, {"x-request-id"})
    assert r.headers["x-request-id"] == "hdr-1"


async def test_retry_after_is_sent_on_a_429(settings, clock) -> None:
    limited = make_app(settings.model_copy(update={"auth_rate_limit_per_minute": 5, "auth_rate_limit_burst": 1}), clock)
    async with LifespanManager(limited):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://t") as c:
            doc = (await c.get("/openapi.json")).json()
            path = f"{API}/auth/forgot-username"
            for _ in range(3):
                r = await c.post(path, json={"email": "a@b.example"})
                if r.status_code == 429:
                    break
            assert_problem(r, 429)
            assert_sent(doc, path, r, {"retry-after", "x-request-id"})
            assert int(r.headers["retry-after"]) >= 1
