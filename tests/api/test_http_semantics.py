"""Standard HTTP semantics (issue 16): 415 for a body in a media type the operation does not read, 412 for a
failed `If-Match`, 304 for a current `If-None-Match`, and the OAuth 2.0 token endpoint (both grants, RFC 6749
`error` on its problems)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.errors import oauth_error
from tests.helpers import assert_problem, token

API = "/api/v1"
APPS = f"{API}/enrollments"
TOKEN = f"{API}/auth/token"
PROSPECT = {"first_name": "Media", "last_name": "Typetest", "state": "IL", "zip_code": "60601"}


def general(**kw: Any) -> dict[str, Any]:
    return {"producer_number": "220002580", "is_sep": False, "life_events": [], **kw}


async def _application(client, producer) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    r = await client.post(APPS, headers=producer)
    assert r.status_code == 201, r.text
    return r.json()["id"], r.headers["etag"]


async def _save(client, producer, app_id, if_match=None, **kw):  # type: ignore[no-untyped-def]
    headers = {**producer, **({"If-Match": if_match} if if_match is not None else {})}
    return await client.put(f"{APPS}/{app_id}/general", json=general(**kw), headers=headers)


# --- 415 -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"])
async def test_a_json_operation_refuses_other_media_types_with_415(client, producer, content_type) -> None:
    r = await client.post(
        f"{API}/prospects", content=json.dumps(PROSPECT).encode(), headers={**producer, "content-type": content_type}
    )
    body = assert_problem(r, 415, "unsupported_media_type")
    assert "application/json" in body["detail"] and content_type in body["detail"]
    assert body["accepted_media_types"] == ["application/json", "application/*+json"]


async def test_415_on_put_patch_and_on_the_section_bodies_read_by_the_route(client, producer) -> None:
    app_id, _ = await _application(client, producer)
    xml = {**producer, "content-type": "application/xml"}
    assert_problem(
        await client.put(f"{APPS}/{app_id}/general", content=b"<general/>", headers=xml), 415, "unsupported_media_type"
    )
    assert_problem(await client.patch(f"{API}/me", content=b"<me/>", headers=xml), 415, "unsupported_media_type")
    # the section was not touched
    assert (await client.get(f"{APPS}/{app_id}", headers=producer)).headers["etag"] == '"1"'


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/JSON", "application/vnd.portal+json", None]
)
async def test_json_with_charset_json_suffix_types_and_no_content_type_are_read(client, producer, content_type) -> None:
    headers = {**producer, **({"content-type": content_type} if content_type else {})}
    r = await client.post(f"{API}/prospects", content=json.dumps(PROSPECT).encode(), headers=headers)
    if content_type is None:
        assert "content-type" not in r.request.headers
    assert r.status_code == 201, r.text


async def test_a_section_save_without_content_type_is_read_as_json(client, producer) -> None:
    app_id, _ = await _application(client, producer)
    r = await client.put(f"{APPS}/{app_id}/general", content=json.dumps(general()).encode(), headers=producer)
    assert r.status_code == 200, r.text


async def test_no_body_with_another_media_type_is_not_a_415(client, producer) -> None:
    # The media type only matters for a body: an empty one is judged by the operation (here: body required).
    r = await client.post(f"{API}/prospects", headers={**producer, "content-type": "text/plain"})
    assert_problem(r, 422)


async def test_document_uploads_keep_their_own_415(client, producer) -> None:
    r = await client.post(f"{API}/documents", json={"file": "x"}, headers=producer)
    assert_problem(r, 415, "document.unsupported_media_type")


async def test_415_is_declared_on_every_operation_with_a_body(client) -> None:
    doc = (await client.get("/openapi.json")).json()
    body_ops = [
        (path, method, op) for path, item in doc["paths"].items() for method, op in item.items() if "requestBody" in op
    ]
    assert len(body_ops) > 20
    for path, method, op in body_ops:
        assert "415" in op["responses"], (method, path)
        schema = op["responses"]["415"]["content"]["application/problem+json"]["schema"]["$ref"]
        assert schema.endswith(("/Problem", "/TokenProblem"))


# --- 412 (If-Match) --------------------------------------------------------------------------------------------


async def test_a_stale_if_match_is_412_with_the_current_version(client, producer) -> None:
    app_id, etag = await _application(client, producer)
    assert (await _save(client, producer, app_id, etag)).headers["etag"] == '"2"'
    stale = await _save(client, producer, app_id, etag, producer_number="220002581")
    body = assert_problem(stale, 412, "enrollment.stale_version")
    assert body["current_version"] == 2 and "version 2" in body["detail"]
    # a tag that is well formed but no version of ours can never match: 412 too
    assert_problem(await _save(client, producer, app_id, '"abc"'), 412, "enrollment.stale_version")
    assert (await client.get(f"{APPS}/{app_id}", headers=producer)).headers["etag"] == '"2"'


@pytest.mark.parametrize("if_match", ["*", '"1"', 'W/"1"', "1", '"7", "1"', ' "1" '])
async def test_if_match_that_holds_saves(client, producer, if_match) -> None:
    app_id, _ = await _application(client, producer)
    r = await _save(client, producer, app_id, if_match)
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'


async def test_a_save_without_if_match_stays_unconditional(client, producer) -> None:
    app_id, _ = await _application(client, producer)
    for version in (2, 3):
        r = await _save(client, producer, app_id)
        assert r.status_code == 200 and r.headers["etag"] == f'"{version}"'


async def test_if_match_star_needs_the_application_to_exist(client, producer) -> None:
    assert_problem(await _save(client, producer, 999_999, "*"), 404)


@pytest.mark.parametrize("if_match", ['"1', "abc", '"1",', 'W/"1" x', "W/1a"])
async def test_a_malformed_if_match_is_422(client, producer, if_match) -> None:
    app_id, _ = await _application(client, producer)
    body = assert_problem(await _save(client, producer, app_id, if_match), 422, "enrollment.if_match")
    assert body["errors"][0]["field"] == "If-Match" and '"3"' in body["detail"]


async def test_412_replaces_409_in_the_contract(client) -> None:
    doc = (await client.get("/openapi.json")).json()
    op = doc["paths"]["/api/v1/enrollments/{application_id}/{section}"]["put"]
    assert "412" in op["responses"]
    assert "412" in next(p for p in op["parameters"] if p["name"] == "If-Match")["description"]


# --- 304 (If-None-Match) ---------------------------------------------------------------------------------------


async def test_if_none_match_with_the_current_etag_is_304_without_a_body(client, producer) -> None:
    app_id, etag = await _application(client, producer)
    for tag in (etag, f"W/{etag}", "*", f'"9", {etag}'):
        r = await client.get(f"{APPS}/{app_id}", headers={**producer, "If-None-Match": tag})
        assert r.status_code == 304, (tag, r.text)
        assert r.content == b"" and r.headers["etag"] == etag
    # after a save the old tag is stale: the full representation with the new ETag
    await _save(client, producer, app_id)
    r = await client.get(f"{APPS}/{app_id}", headers={**producer, "If-None-Match": etag})
    assert r.status_code == 200 and r.headers["etag"] == '"2"' and r.json()["version"] == 2


async def test_if_none_match_does_not_hide_a_404_or_a_malformed_value(client, producer) -> None:
    assert_problem(await client.get(f"{APPS}/999999", headers={**producer, "If-None-Match": "*"}), 404)
    app_id, _ = await _application(client, producer)
    assert_problem(
        await client.get(f"{APPS}/{app_id}", headers={**producer, "If-None-Match": '"1'}),
        422,
        "enrollment.if_none_match",
    )


async def test_304_is_declared_with_its_etag(client) -> None:
    doc = (await client.get("/openapi.json")).json()
    op = doc["paths"]["/api/v1/enrollments/{application_id}"]["get"]
    assert "ETag" in op["responses"]["304"]["headers"] and "content" not in op["responses"]["304"]
    assert any(p["name"] == "If-None-Match" and p["in"] == "header" for p in op["parameters"])


# --- /auth/token -----------------------------------------------------------------------------------------------


async def test_grant_type_password_explicit_or_implied(client, demo) -> None:
    for data in ({"grant_type": "password"}, {}, {"grant_type": "password", "client_id": "swagger"}):
        r = await client.post(TOKEN, data={**data, "username": "demoagent", "password": "Demo1234"})
        assert r.status_code == 200 and r.json()["token_type"] == "bearer", r.text


async def test_grant_type_refresh_token_rotates_like_the_refresh_endpoint(client, demo, clock) -> None:
    first = await token(client, "demoagent", "Demo1234")
    r = await client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"] and second["token_type"] == "bearer"
    me = await client.get(f"{API}/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 200
    clock.advance(seconds=11)  # past the two-tabs grace window: a replay revokes the session
    body = assert_problem(
        await client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}),
        401,
        "refresh_token_reused",
    )
    assert body["error"] == "invalid_grant" and body["error_description"] == body["detail"]
    body = assert_problem(
        await client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": "nonsense"}),
        401,
        "invalid_refresh_token",
    )
    assert body["error"] == "invalid_grant"


async def test_token_errors_keep_status_and_code_and_add_the_oauth_error(client, demo) -> None:
    cases = [
        ({"username": "demoagent", "password": "Wrong1"}, 401, "invalid_credentials", "invalid_grant"),
        ({"username": "newagent", "password": "New12345"}, 403, "account_pending", "invalid_grant"),
        ({"username": "demoagent"}, 422, "validation_failed", "invalid_request"),
        ({"grant_type": "refresh_token"}, 422, "validation_failed", "invalid_request"),
        (
            {"grant_type": "refresh_token", "refresh_token": "x", "username": "demoagent"},
            422,
            "validation_failed",
            "invalid_request",
        ),
        ({"grant_type": "password", "refresh_token": "x"}, 422, "validation_failed", "invalid_request"),
        ({"grant_type": "client_credentials"}, 422, "validation_failed", "unsupported_grant_type"),
        ({"username": "demoagent", "password": "x" * 200}, 422, "validation_failed", "invalid_request"),
    ]
    for data, status, code, error in cases:
        body = assert_problem(await client.post(TOKEN, data=data), status, code)
        assert body["error"] == error, (data, body)
        assert body["error_description"] == body["detail"]
    missing = assert_problem(await client.post(TOKEN, data={"username": "demoagent"}), 422)
    assert missing["errors"] == [{"field": "password", "code": "required", "message": "This field is required."}]
    assert missing["detail"] == "password: This field is required."
    unsupported = assert_problem(await client.post(TOKEN, data={"grant_type": "authorization_code"}), 422)
    assert [e["field"] for e in unsupported["errors"]] == ["grant_type"]


async def test_token_problems_from_the_input_checks_and_the_rate_limit_carry_the_oauth_error_too(
    client, demo, app
) -> None:
    # the middleware's input checks answer before any route runs
    body = assert_problem(
        await client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": "a\x0cb"}), 422
    )
    assert body["errors"][0]["code"] == "control_character" and body["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (401, "invalid_credentials", "invalid_grant"),
        (401, "mfa_required", "mfa_required"),
        (429, "too_many_requests", "temporarily_unavailable"),
        (503, "service_unavailable", "temporarily_unavailable"),
        (500, "internal_error", "server_error"),
        (400, "malformed_json", "invalid_request"),
        (413, "content_too_large", "invalid_request"),
    ],
)
def test_oauth_error_of_each_problem(status, code, error) -> None:
    assert oauth_error(status, code, None) == error


async def test_token_lockout_is_423_invalid_grant(client, demo) -> None:
    for _ in range(2):
        assert_problem(await client.post(TOKEN, data={"username": "otheragent", "password": "Nope1"}), 401)
    body = assert_problem(
        await client.post(TOKEN, data={"username": "otheragent", "password": "Nope1"}), 423, "account_locked"
    )
    assert body["error"] == "invalid_grant"


async def test_json_to_the_token_endpoint_is_415_invalid_request(client, demo) -> None:
    r = await client.post(TOKEN, json={"username": "demoagent", "password": "Demo1234"})
    body = assert_problem(r, 415, "unsupported_media_type")
    assert body["error"] == "invalid_request" and "application/x-www-form-urlencoded" in body["detail"]
    # multipart form data is a form too
    r = await client.post(TOKEN, files={"username": (None, "demoagent"), "password": (None, "Demo1234")})
    assert r.status_code == 200, r.text


async def test_token_problems_are_declared_with_the_oauth_error(client) -> None:
    doc = (await client.get("/openapi.json")).json()
    schema = doc["components"]["schemas"]["TokenProblem"]
    assert set(schema["properties"]["error"]["enum"]) == {
        "invalid_request",
        "invalid_grant",
        "unsupported_grant_type",
        "mfa_required",
        "temporarily_unavailable",
        "server_error",
    }
    assert "error" in schema["required"]
    op = doc["paths"]["/api/v1/auth/token"]["post"]
    for status in ("401", "403", "415", "422", "423", "429"):
        ref = op["responses"][status]["content"]["application/problem+json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/TokenProblem", status
    form = op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["$ref"].rsplit("/", 1)[1]
    fields = doc["components"]["schemas"][form]["properties"]
    assert {"password", "refresh_token"} <= set(fields["grant_type"]["anyOf"][0]["enum"])
    assert "refresh_token" in fields
