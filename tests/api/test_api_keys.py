"""Issue 17: producers' API keys - created with scopes and an expiry, shown once, stored as a hash, usable as a bearer
credential within their scopes only, revoked at once, audited per call with the key's id."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select

from app.api_scopes import ROUTE_SCOPES, required_access
from app.deps import get_optional_principal
from app.domain.api_keys import KeyAccess, Scope
from app.repositories.orm import ApiKey, AuditEvent
from tests.api.test_delegates import mfa_sign_in, ready_delegate
from tests.api.test_prospects import payload as prospect_payload
from tests.helpers import assert_problem

BASE = "/api/v1/api-keys"
SEARCH = {"zip_code": "60601"}


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    """The tests move the clock by days: keep the producer's own session alive."""
    return settings.model_copy(update={"access_token_minutes": 60 * 24 * 400})


async def create_key(client, auth, *scopes: str, **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.post(BASE, json={"name": "Acme CRM", "scopes": list(scopes), **extra}, headers=auth)
    assert r.status_code == 201, r.text
    return r.json()


def key_auth(created: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {created['secret']}"}


async def key_rows(app) -> list[ApiKey]:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        return list((await uow.session.execute(select(ApiKey).order_by(ApiKey.id))).scalars())


async def events(app, **where: Any) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        for column, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, column) == value)
        return list((await uow.session.execute(stmt)).scalars())


# --- the route table ------------------------------------------------------------------------------------------


def app_routes(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    found: dict[tuple[str, str], APIRoute] = {}
    for rc in iter_route_contexts(app.routes):
        if isinstance(rc.original_route, APIRoute):
            for method in rc.methods or ():
                found[(method, str(rc.path))] = rc.original_route
    return found


def _calls(dependant: Dependant) -> list[object]:
    found: list[object] = [dependant.call]
    for sub in dependant.dependencies:
        found.extend(_calls(sub))
    return found


def takes_a_caller(route: APIRoute) -> bool:
    return get_optional_principal in _calls(route.dependant)


async def test_every_route_is_in_the_scope_table_and_public_ones_take_no_caller(app) -> None:
    routes = app_routes(app)
    assert len(routes) >= 80
    missing = sorted(k for k in routes if k not in ROUTE_SCOPES)
    assert missing == [], "map these routes in app/api_scopes.py (a scope, ANY_KEY or FORBIDDEN)"
    stale = sorted(k for k in ROUTE_SCOPES if k not in routes)
    assert stale == [], "these table entries name no route"
    for key, route in routes.items():
        if ROUTE_SCOPES[key] is KeyAccess.public:
            # logout reads an optional caller and is FORBIDDEN, so a public route never resolves a key
            assert not takes_a_caller(route), f"{key} reads the caller: give it a scope or FORBIDDEN"
    # keys never reach admin routes, delegates, keys or the profile
    for method, path in ROUTE_SCOPES:
        if path.startswith(("/api/v1/admin", "/api/v1/delegates", "/api/v1/api-keys", "/api/v1/me/")):
            assert required_access(method, path) is KeyAccess.forbidden, (method, path)
    assert required_access("PATCH", "/api/v1/me") is KeyAccess.forbidden
    assert required_access("GET", "/api/v1/not-a-route") is None  # fail closed: refused by check_route_access


# --- create, list, revoke -------------------------------------------------------------------------------------


async def test_create_shows_the_secret_once_and_stores_only_its_hash(client, app, producer, clock) -> None:
    created = await create_key(client, producer, "members:read", "prospects:write", "members:read")
    secret = created["secret"]
    assert secret.startswith("ppk_") and len(secret) > 50
    assert created["prefix"] == secret[:16]
    assert created["scopes"] == ["members:read", "prospects:write"]  # duplicates dropped, order kept
    assert created["status"] == "active" and created["last_used_at"] is None
    assert created["expires_at"].startswith((clock.now() + timedelta(days=90)).date().isoformat())

    (row,) = await key_rows(app)
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.lookup == secret[4:16] and secret not in str(row.__dict__)

    listed = (await client.get(BASE, headers=producer)).json()
    assert listed["total"] == 1 and "secret" not in listed["items"][0]
    assert listed["items"][0]["id"] == created["id"] and listed["items"][0]["prefix"] == created["prefix"]
    one = (await client.get(f"{BASE}/{created['id']}", headers=producer)).json()
    assert "secret" not in one and one["name"] == "Acme CRM"
    (audited,) = await events(app, action="api_key.created")
    assert audited.target_id == str(created["id"]) and audited.details["scopes"] == created["scopes"]


async def test_create_refuses_bad_names_scopes_and_expiries(client, app, producer) -> None:
    body = assert_problem(
        await client.post(BASE, json={"name": "x", "scopes": ["members:delete"]}, headers=producer), 422
    )
    assert body["errors"][0]["field"].startswith("scopes")
    assert_problem(await client.post(BASE, json={"name": "x", "scopes": []}, headers=producer), 422)
    assert_problem(await client.post(BASE, json={"name": "   ", "scopes": ["members:read"]}, headers=producer), 422)
    body = assert_problem(
        await client.post(
            BASE, json={"name": "x", "scopes": ["members:read"], "expires_in_days": 366}, headers=producer
        ),
        422,
        "api_key.expiry",
    )
    assert "365" in body["detail"]
    assert_problem(
        await client.post(BASE, json={"name": "x", "scopes": ["members:read"], "expires_in_days": 0}, headers=producer),
        422,
        "api_key.expiry",
    )
    assert await key_rows(app) == []


async def test_a_key_works_within_its_scopes_and_gets_insufficient_scope_outside(client, app, producer) -> None:
    created = await create_key(client, producer, "prospects:write", "prospects:read")
    auth = key_auth(created)
    r = await client.post("/api/v1/prospects", json=prospect_payload(), headers=auth)
    assert r.status_code == 201, r.text
    r = await client.get(f"/api/v1/prospects/{r.json()['id']}", headers=auth)
    assert r.status_code == 200 and r.json()["first_name"] == "Jessica"
    body = assert_problem(await client.get("/api/v1/members", params=SEARCH, headers=auth), 403, "insufficient_scope")
    assert body["required_scope"] == "members:read" and body["instance"] == "/api/v1/members"
    assert (
        await client.get("/api/v1/counties", params={"zip_code": "60601"}, headers=auth)
    ).status_code == 200  # reference: any key
    me = (await client.get("/api/v1/me", headers=auth)).json()
    assert me["username"] == "demoagent"


async def test_keys_never_reach_admin_delegates_keys_or_the_profile(client, app, producer) -> None:
    auth = key_auth(await create_key(client, producer, *[s.value for s in Scope]))
    for method, path, body in [
        ("GET", "/api/v1/admin/users", None),
        ("GET", "/api/v1/admin/audit-events", None),
        ("GET", "/api/v1/delegates", None),
        ("GET", BASE, None),
        ("POST", BASE, {"name": "escalate", "scopes": ["members:read"]}),
        ("PATCH", "/api/v1/me", {"first_name": "Mallory"}),
        ("PUT", "/api/v1/me/password", {"current_password": "Demo1234", "new_password": "Evil1234"}),
        ("POST", "/api/v1/auth/logout", None),
    ]:
        r = await client.request(method, path, json=body, headers=auth)
        assert_problem(r, 403, "api_key_not_permitted")
    assert len(await key_rows(app)) == 1
    refused = await events(app, action="api_key.call", outcome="failure")
    assert len(refused) == 8 and {e.details["code"] for e in refused} == {"api_key_not_permitted"}


async def test_revoke_is_immediate_and_expiry_ends_a_key(client, app, producer, clock) -> None:
    created = await create_key(client, producer, "members:read")
    auth = key_auth(created)
    assert (await client.get("/api/v1/members", params=SEARCH, headers=auth)).status_code == 200
    r = await client.delete(f"{BASE}/{created['id']}", headers=producer)
    assert r.status_code == 204
    assert_problem(await client.get("/api/v1/members", params=SEARCH, headers=auth), 401, "api_key_revoked")
    (row,) = await key_rows(app)
    assert row.revoked_at == clock.now()
    # a revoked key is gone from the API (its row stays for the audit trail)
    assert_problem(await client.get(f"{BASE}/{created['id']}", headers=producer), 404, "api_key.not_found")
    assert_problem(await client.delete(f"{BASE}/{created['id']}", headers=producer), 404, "api_key.not_found")
    assert (await client.get(BASE, headers=producer)).json()["total"] == 0
    assert len(await events(app, action="api_key.revoked")) == 1

    short = await create_key(client, producer, "members:read", expires_in_days=1)
    assert (await client.get("/api/v1/members", params=SEARCH, headers=key_auth(short))).status_code == 200
    clock.advance(days=1)
    assert_problem(await client.get("/api/v1/members", params=SEARCH, headers=key_auth(short)), 401, "api_key_expired")
    # a tampered secret with a real lookup part is refused too
    tampered = short["secret"][:-4] + ("AAAA" if not short["secret"].endswith("AAAA") else "BBBB")
    assert_problem(
        await client.get("/api/v1/members", params=SEARCH, headers={"Authorization": f"Bearer {tampered}"}),
        401,
        "invalid_token",
    )
    assert_problem(
        await client.get("/api/v1/members", params=SEARCH, headers={"Authorization": "Bearer ppk_nope"}),
        401,
        "invalid_token",
    )


async def test_another_producers_key_is_not_found_and_not_revocable(client, app, producer, other) -> None:
    created = await create_key(client, producer, "members:read")
    assert_problem(await client.get(f"{BASE}/{created['id']}", headers=other), 404, "api_key.not_found")
    assert_problem(await client.delete(f"{BASE}/{created['id']}", headers=other), 404, "api_key.not_found")
    assert (await client.get(BASE, headers=other)).json()["total"] == 0
    (row,) = await key_rows(app)
    assert row.revoked_at is None


async def test_last_used_is_written_at_most_once_a_minute(client, app, producer, clock) -> None:
    auth = key_auth(await create_key(client, producer, "members:read"))
    first = clock.now()
    await client.get("/api/v1/members", params=SEARCH, headers=auth)
    clock.advance(seconds=30)
    await client.get("/api/v1/members", params=SEARCH, headers=auth)
    (row,) = await key_rows(app)
    assert row.last_used_at == first
    clock.advance(seconds=31)
    await client.get("/api/v1/members", params=SEARCH, headers=auth)
    (row,) = await key_rows(app)
    assert row.last_used_at == clock.now()
    listed = (await client.get(BASE, headers=producer)).json()["items"][0]
    assert listed["last_used_at"] is not None


async def test_every_call_with_a_key_is_audited_with_the_key_id(client, app, producer) -> None:
    created = await create_key(client, producer, "prospects:write", "members:read")
    auth = key_auth(created)
    r = await client.post("/api/v1/prospects", json=prospect_payload(), headers=auth)
    assert r.status_code == 201, r.text
    await client.get("/api/v1/members", params=SEARCH, headers=auth)
    assert_problem(await client.get("/api/v1/reports/policy_term_date", headers=auth), 403, "insufficient_scope")

    calls = await events(app, action="api_key.call")
    assert [(e.details["method"], e.details["route"], e.outcome) for e in calls] == [
        ("POST", "/api/v1/prospects", "success"),
        ("GET", "/api/v1/members", "success"),
        ("GET", "/api/v1/reports/{report_type}", "failure"),
    ]
    assert {e.api_key_id for e in calls} == {created["id"]} and calls[2].details["code"] == "insufficient_scope"
    # the rows the services and read declarations write carry the key too
    (made,) = await events(app, action="prospect.created")
    assert made.api_key_id == created["id"] and made.actor_username == "demoagent"
    searched = await events(app, action="member.search")
    assert searched and all(e.api_key_id == created["id"] for e in searched)
    # and a signed-in call afterwards carries none
    await client.get("/api/v1/members", params=SEARCH, headers=producer)
    assert (await events(app, action="member.search"))[-1].api_key_id is None
    # the admin's audit listing shows the key
    listed = (
        await client.get(
            "/api/v1/admin/audit-events", params={"action": "prospect.created"}, headers=await _admin(client)
        )
    ).json()
    assert listed["items"][0]["api_key_id"] == created["id"]


async def _admin(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from tests.helpers import bearer

    return await bearer(client, "admin", "Admin123")


async def test_delegates_cannot_create_keys(client, app, admin, producer, clock) -> None:
    d = await ready_delegate(client, admin, producer, clock)
    tokens = await mfa_sign_in(client, admin, d, clock)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    body = assert_problem(await client.post(BASE, json={"name": "x", "scopes": ["members:read"]}, headers=auth), 403)
    assert body["code"] == "delegate_not_permitted"
    assert_problem(await client.get(BASE, headers=auth), 403, "delegate_not_permitted")
    assert await key_rows(app) == []
