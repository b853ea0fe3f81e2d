"""Issue 12 (Trust), findings 3, 8, 9 and 11: input hygiene, nothing sensitive in logs, headers, HTTP details.

Each test is named after the finding it guards (`test_trust_<n>_...`); they run in both database legs (NUL bytes
reached PostgreSQL and answered 500 there).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.config import Settings
from app.services import members as member_service
from tests.conftest import make_app
from tests.helpers import assert_problem

NUL = "\x00"
API = "/api/v1"


def _nul_requests(ids: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, path, httpx kwargs, field named in the answer): the inputs that answered 500 on PostgreSQL."""
    app_id = ids["application_id"]
    return [
        ("POST", f"{API}/auth/token", {"data": {"username": f"demo{NUL}agent", "password": "x"}}, "username"),
        ("POST", f"{API}/auth/forgot-username", {"json": {"email": f"a{NUL}@example.com"}}, "email"),
        (
            "POST",
            f"{API}/auth/password-resets",
            {"json": {"username": f"x{NUL}", "email": "a@example.com"}},
            "username",
        ),
        ("GET", f"{API}/members", {"params": {"last_name": f"Sm{NUL}ith"}}, "last_name"),
        ("GET", f"{API}/members", {"params": {"first_name": f"J{NUL}"}}, "first_name"),
        ("GET", f"{API}/members", {"params": {"email": f"x{NUL}@y.com"}}, "email"),
        ("GET", f"{API}/members", {"params": {"account_number": f"7300{NUL}75112"}}, "account_number"),
        ("GET", f"{API}/members", {"params": {"city": f"Chi{NUL}"}}, "city"),
        ("GET", f"{API}/members/7300%0075112", {}, "path"),
        ("GET", f"{API}/providers", {"params": {"name": f"Sm{NUL}"}}, "name"),
        ("GET", f"{API}/providers", {"params": {"number": f"1{NUL}"}}, "number"),
        ("GET", f"{API}/plans", {"params": {"state": "IL", "zip_code": "60601", "county": f"Co{NUL}ok"}}, "county"),
        ("GET", f"{API}/prospects", {"params": {"last_name": f"Sm{NUL}"}}, "last_name"),
        ("POST", f"{API}/e-questions", {"json": {"question": f"Why{NUL}?", "subject": "s"}}, "question"),
        (
            "POST",
            f"{API}/delegates",
            {"json": {"first_name": f"A{NUL}", "last_name": "B", "email": "a@b.com"}},
            "first_name",
        ),
        ("PATCH", f"{API}/me", {"json": {"first_name": f"Jes{NUL}sica"}}, "first_name"),
        ("POST", f"{API}/pcp-changes", {"json": {"provider_number": f"12{NUL}3", "members": []}}, "provider_number"),
        (
            "PUT",
            f"{API}/enrollments/{app_id}/applicant",
            {"json": {"data": {"first_name": f"Jane{NUL}", "last_name": "Doe"}}},
            "data.first_name",
        ),
        ("GET", f"{API}/admin/users", {"params": {"username": f"adm{NUL}"}}, "username"),
        ("GET", f"{API}/admin/audit-events", {"params": {"action": f"auth{NUL}"}}, "action"),
        ("GET", f"{API}/admin/outbox", {"params": {"to": f"a{NUL}@b.com"}}, "to"),
        ("GET", f"{API}/reports/term_report", {"params": {"product_name": f"Blue{NUL}"}}, "product_name"),
    ]


async def _application_id(client: httpx.AsyncClient, producer: dict[str, str]) -> int:
    r = await client.post(f"{API}/enrollments", json={}, headers=producer)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_trust_3_nul_bytes_in_any_input_are_422_naming_the_field_never_500(client, producer, admin) -> None:
    ids = {"application_id": await _application_id(client, producer)}
    for method, path, kwargs, field in _nul_requests(ids):
        headers = admin if "/admin/" in path else ({} if "/auth/" in path else producer)
        r = await client.request(method, path, headers=headers, **kwargs)
        body = assert_problem(r, 422, "validation_failed")
        assert body["errors"][0]["field"] == field, (method, path, body)
        assert body["errors"][0]["code"] == "control_character"
        assert "control characters" in body["detail"]


async def test_trust_3_other_control_characters_are_refused_but_line_breaks_in_bodies_are_not(client, producer) -> None:
    r = await client.get(f"{API}/members", params={"last_name": "Sm\x1bith"}, headers=producer)
    assert assert_problem(r, 422)["errors"][0]["field"] == "last_name"
    r = await client.patch(f"{API}/me", json={"first_name": "Jes\x07sica"}, headers=producer)
    assert assert_problem(r, 422)["errors"][0]["field"] == "first_name"
    # A JSON key with a control character is refused too.
    r = await client.patch(f"{API}/me", json={"first\x00name": "x"}, headers=producer)
    assert_problem(r, 422)
    # Tab, CR and LF are allowed in bodies; the field's own rules decide (e-question text may have line breaks).
    r = await client.post(
        f"{API}/e-questions", headers=producer, json={"question": "Line one\r\nline two\tend", "subject": "Billing"}
    )
    assert r.status_code != 500 and (r.status_code == 201 or r.json()["errors"][0]["code"] != "control_character")


async def test_trust_3_nothing_sensitive_reaches_the_log(client, producer, app, caplog, monkeypatch) -> None:
    """Marker name, DOB and SSN in failing requests: a NUL refusal, an unexpected error whose message carries
    PHI, and a database error carrying the values as statement parameters. None of it may be logged."""
    name, dob, ssn = "Zebedeemarker", "1961-02-03", "987-65-4321"
    caplog.set_level(logging.DEBUG)

    r = await client.get(
        f"{API}/members",
        headers=producer,
        params={"last_name": f"{name}{NUL}", "date_of_birth": dob, "ssn_last4": ssn[-4:]},
    )
    assert_problem(r, 422)

    async def exploding_search(**kwargs: Any) -> Any:
        raise RuntimeError(f"search failed for {name} born {dob} ssn {ssn}")

    monkeypatch.setattr(member_service, "search_members", exploding_search)
    monkeypatch.setattr(member_service, "search_members_in_one_statement", exploding_search)  # PostgreSQL, page 1
    r = await client.get(f"{API}/members", params={"last_name": name, "date_of_birth": dob}, headers=producer)
    body = assert_problem(r, 500, "internal_error")
    assert name not in r.text and ssn not in r.text
    request_id = body["request_id"]

    async def failing_statement(**kwargs: Any) -> Any:
        async with app.state.ctx.db.engine.connect() as conn:
            await conn.execute(
                text("SELECT no_such_column FROM users WHERE username = :n AND email = :s"), {"n": name, "s": ssn}
            )

    monkeypatch.setattr(member_service, "search_members", failing_statement)
    monkeypatch.setattr(member_service, "search_members_in_one_statement", failing_statement)
    r = await client.get(f"{API}/members", params={"last_name": name}, headers=producer)
    assert r.status_code in (500, 503)

    server = [rec for rec in caplog.records if not rec.name.startswith(("httpx", "httpcore"))]  # not the test client
    logged = "\n".join(f"{rec.getMessage()} {rec.__dict__}" for rec in server)
    assert "RuntimeError" in logged and request_id in logged  # the error is still traceable
    for marker in (name, dob, ssn, ssn[-4:], name.lower()):
        leaks = [
            f"{rec.name}: {rec.getMessage()} {rec.__dict__}"
            for rec in server
            if marker in f"{rec.getMessage()} {rec.__dict__}"
        ]
        assert not leaks, leaks


async def test_trust_3_engine_hides_statement_parameters(app) -> None:
    assert app.state.ctx.db.engine.sync_engine.hide_parameters is True


async def test_trust_8_deeply_nested_json_is_422_not_500(client, producer) -> None:
    app_id = await _application_id(client, producer)
    deep: Any = "x"
    for _ in range(300):
        deep = {"a": deep}
    r = await client.put(
        f"{API}/enrollments/{app_id}/language_ethnicity", headers=producer, json={"data": {"language": deep}}
    )
    body = assert_problem(r, 422, "validation_failed")
    assert body["errors"][0]["code"] == "too_deep"
    # Deeper than the parser itself can go: still a 422, never a RecursionError.
    raw = b'{"data":' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    r = await client.put(
        f"{API}/enrollments/{app_id}/language_ethnicity",
        headers={**producer, "content-type": "application/json"},
        content=raw,
    )
    assert assert_problem(r, 422)["errors"][0]["code"] == "too_deep"


async def test_trust_9_security_headers_on_api_responses(client, producer) -> None:
    for r in (
        await client.get(f"{API}/me", headers=producer),
        await client.get(f"{API}/members", params={"last_name": "Smith"}, headers=producer),
        await client.post(f"{API}/auth/token", data={"username": "demoagent", "password": "Demo1234"}),
        await client.get(f"{API}/members/000", headers=producer),
    ):
        assert r.headers["cache-control"] == "no-store", r.request.url
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in r.headers  # only when the service is behind HTTPS
    health = await client.get("/healthz")
    assert health.headers["x-content-type-options"] == "nosniff"


async def test_trust_9_pdfs_and_exports_are_not_stored(client, producer) -> None:
    r = await client.get(f"{API}/prospects/export", params={"format": "csv"}, headers=producer)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    r = await client.get(f"{API}/prospects/print", headers=producer)
    assert r.status_code == 200 and r.content.startswith(b"%PDF") and r.headers["cache-control"] == "no-store"


async def _production_client(settings: Settings, clock, **overrides: Any):  # type: ignore[no-untyped-def]
    from asgi_lifespan import LifespanManager

    prod = settings.model_copy(
        update={
            "mode": "production",
            "secret_key": "p" * 40,
            "field_encryption_key": "f" * 40,
            "smtp_host": "127.0.0.1",
            **overrides,
        }
    )
    application = make_app(prod, clock)
    manager = LifespanManager(application)
    await manager.__aenter__()
    return manager, httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver")


@pytest.mark.parametrize("overrides", [{}, {"behind_https": True, "docs_enabled": True, "metrics_token": "m" * 32}])
async def test_trust_9_production_hides_docs_guards_metrics_and_sends_hsts(settings, clock, overrides) -> None:
    from app.config import Mode

    manager, c = await _production_client(settings, clock, mode=Mode.production, **overrides)
    try:
        docs = await c.get("/docs")
        redoc = await c.get("/redoc")
        anonymous = await c.get("/metrics")
        assert_problem(anonymous, 401)
        assert "portal_http_requests_total" not in anonymous.text
        if not overrides:
            assert docs.status_code == 404 and redoc.status_code == 404
            assert "strict-transport-security" not in docs.headers
            # No token configured: /metrics stays closed whatever is sent.
            assert (await c.get("/metrics", headers={"Authorization": "Bearer "})).status_code == 401
        else:
            assert docs.status_code == 200 and "persistAuthorization" not in docs.text.replace(
                '"persistAuthorization": false', ""
            )
            assert docs.headers["strict-transport-security"].startswith("max-age=31536000")
            wrong = await c.get("/metrics", headers={"Authorization": "Bearer " + "x" * 32})
            assert_problem(wrong, 401)
            ok = await c.get("/metrics", headers={"Authorization": "Bearer " + "m" * 32})
            assert ok.status_code == 200 and "portal_http_requests_total" in ok.text
        assert (await c.get("/openapi.json")).status_code == 200  # the contract stays published
    finally:
        await c.aclose()
        await manager.__aexit__(None, None, None)


async def test_trust_9_demo_mode_keeps_docs_and_open_metrics(client) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200 and '"persistAuthorization": true' in docs.text
    assert (await client.get("/metrics")).status_code == 200


async def test_trust_11_405_allow_lists_every_method_of_the_path(client, producer) -> None:
    r = await client.delete(f"{API}/delegates", headers=producer)
    assert_problem(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "GET, POST"
    r = await client.put(f"{API}/delegates/1", headers=producer)
    assert r.headers["allow"] == "DELETE, GET"
    r = await client.post(f"{API}/enrollments/1", headers=producer)
    assert r.headers["allow"] == "DELETE, GET"


async def test_trust_11_a_chunked_body_over_the_limit_is_413(client, producer) -> None:
    async def chunks(*parts: bytes, filler: int = 0):  # type: ignore[no-untyped-def]
        yield parts[0]
        for _ in range(filler):
            yield b"a" * 16384
        for part in parts[1:]:
            yield part

    r = await client.patch(
        f"{API}/me",
        content=chunks(b'{"first_name": "', b'"}', filler=80),
        headers={**producer, "content-type": "application/json"},
    )
    assert "content-length" not in r.request.headers and r.request.headers["transfer-encoding"] == "chunked"
    assert_problem(r, 413, "content_too_large")
    small = await client.patch(
        f"{API}/me",
        headers={**producer, "content-type": "application/json"},
        content=chunks(b'{"first_name":', b' "Jessica"}'),
    )
    # A small chunked body reaches the route whole: its own rule answers (first name is not editable, R-AUTH-7).
    assert_problem(small, 422, "profile.field_not_editable")


async def test_trust_11_ignored_bodies_and_fields_are_refused(client, producer) -> None:
    body = assert_problem(
        await client.post(f"{API}/enrollments", json={"quote_id": 5}, headers=producer),
        422,
        "enrollment.use_quote_enrollment",
    )
    assert "quote 5" in body["detail"] and "Enroll in Selected Plans" in body["detail"]  # words, not a path
    apps = (await client.get(f"{API}/enrollments", headers=producer)).json()
    assert apps["total"] == 0  # nothing was started
    app_id = await _application_id(client, producer)
    # An operation that reads no body refuses one instead of ignoring it...
    r = await client.post(
        f"{API}/enrollments/{app_id}/effective-date", headers=producer, json={"effective_date": "2027-01-01"}
    )
    assert_problem(r, 422, "body_not_allowed")
    # ...but an empty object is what many clients send with every POST.
    r = await client.post(f"{API}/enrollments/{app_id}/effective-date", headers=producer, json={})
    assert r.status_code != 422 or r.json()["code"] != "body_not_allowed"
    # Unknown fields in a body model are refused (mass assignment).
    assert_problem(await client.patch(f"{API}/me", json={"role": "admin"}, headers=producer), 422)


async def test_trust_11_every_body_model_refuses_unknown_fields(app) -> None:
    from fastapi import params
    from fastapi.routing import APIRoute, iter_route_contexts

    checked = 0
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.body_field is not None:
            checked += 1
            if isinstance(route.body_field.field_info, params.Form):
                continue  # sign-in (OAuth2 form: extra form fields are the standard's) and uploads
            model = route.body_field.field_info.annotation
            for candidate in getattr(model, "__args__", (model,)):
                config = getattr(candidate, "model_config", None)
                if config is not None:
                    assert config.get("extra") == "forbid", (route.path, candidate)
    assert checked >= 25  # the walk saw the app's operations (included routers are not plain app.routes)


def test_trust_3_input_checks_are_pure_and_name_the_field() -> None:
    from app import inputs

    assert inputs.check_query(b"last_name=Sm%00ith").field == "last_name"  # type: ignore[union-attr]
    assert inputs.check_query(b"last_name=Smith&page=2") is None
    assert inputs.check_form(b"username=a%00b&password=x").field == "username"  # type: ignore[union-attr]
    assert inputs.check_form(b"username=a%0Ab") is None  # line breaks pass in bodies
    doc = json.dumps({"members": [{"pcp": {"name": "x\u0000"}}]}).encode()
    assert inputs.check_json(doc, max_depth=32).field == "members.0.pcp.name"  # type: ignore[union-attr]
    assert inputs.check_json(json.dumps({"a": "back\\u0000slash"}).encode(), max_depth=32) is None
    assert inputs.check_json(b"not json \\u0000", max_depth=32) is None  # left to the route: 400 malformed_json
    assert inputs.check_path("/api/v1/members/1\x00") is not None
