"""Small helpers and factories for API tests (random values; each test builds what it needs)."""

from __future__ import annotations

import random
import string
from typing import Any

import httpx

PROBLEM = "application/problem+json"


def rand_digits(n: int) -> str:
    return "".join(random.choice(string.digits) for _ in range(n))


def rand_username(prefix: str = "agent") -> str:
    return prefix + "".join(random.choice(string.ascii_lowercase) for _ in range(6))


def state_registration(**overrides: Any) -> dict[str, Any]:
    data = {
        "state": "IL",
        "company_name": "Acme Agency",
        "address1": f"{random.randint(1, 999)} Main St",
        "address2": None,
        "city": "Chicago",
        "address_state": "IL",
        "zip_code": "60601",
        "agent_unique_id": rand_digits(9),
        "phone": "312555" + rand_digits(4),
        "email": f"{rand_username('mail')}@agency.example",
    }
    data.update(overrides)
    return data


def registration(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "first_name": "Jessica",
        "last_name": "Camp",
        "username": rand_username(),
        "password": "Abc12345",
        "password_confirmation": "Abc12345",
        "state_registrations": [state_registration()],
    }
    data.update(overrides)
    return data


async def token(client: httpx.AsyncClient, username: str, password: str) -> dict[str, Any]:
    r = await client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


async def bearer(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {(await token(client, username, password))['access_token']}"}


def assert_problem(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body = r.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"].startswith("https://")
    if code is not None:
        assert body["code"] == code, body
    return body


async def outbox(client: httpx.AsyncClient, admin: dict[str, str], to: str) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/admin/outbox", params={"to": to, "page_size": 200}, headers=admin)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def register_and_activate(client: httpx.AsyncClient, admin: dict[str, str], **overrides: Any) -> dict[str, Any]:
    payload = registration(**overrides)
    r = await client.post("/api/v1/registrations", json=payload)
    assert r.status_code == 201, r.text
    r2 = await client.post(f"/api/v1/admin/registrations/{r.json()['id']}/activate", headers=admin)
    assert r2.status_code == 200, r2.text
    return payload
