"""Sign-in, lockout, sessions and recovery through the HTTP API (R-AUTH-1, 3, 4, 5, 9, 10)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.repositories.orm import RefreshToken, User
from tests.helpers import assert_problem, bearer, outbox, register_and_activate, registration, token

TOKEN = "/api/v1/auth/token"


async def sign_in(client, username, password):  # type: ignore[no-untyped-def]
    return await client.post(TOKEN, data={"username": username, "password": password})


async def test_demo_producer_gets_a_bearer_token_and_reads_me(client, demo) -> None:
    body = await token(client, "demoagent", "Demo1234")
    assert body["token_type"] == "bearer" and body["expires_in"] == 900 and body["refresh_token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    data = me.json()
    assert data["username"] == "demoagent" and data["role"] == "producer"
    assert sorted(s["state"] for s in data["state_registrations"]) == ["IL", "TX"]
    assert all(s["status"] == "active" for s in data["state_registrations"])


async def test_r_auth_2_usernames_and_passwords_are_case_sensitive(client, demo) -> None:
    assert_problem(await sign_in(client, "DemoAgent", "Demo1234"), 401, "invalid_credentials")
    assert_problem(await sign_in(client, "demoagent", "demo1234"), 401, "invalid_credentials")


async def test_r_auth_3_three_failures_lock_and_the_right_password_then_gets_423(client, demo, app) -> None:
    first = assert_problem(await sign_in(client, "demoagent", "Wrong1"), 401, "invalid_credentials")
    unknown = assert_problem(await sign_in(client, "nobodyhere", "Wrong1"), 401, "invalid_credentials")
    assert first["detail"] == unknown["detail"]  # same error whether or not the user exists
    assert "don't match" in first["detail"] or "does not match" in first["detail"]
    assert_problem(await sign_in(client, "demoagent", "Wrong2"), 401, "invalid_credentials")
    third = assert_problem(await sign_in(client, "demoagent", "Wrong3"), 423, "account_locked")
    assert "temporarily locked as a security precaution" in third["detail"]
    assert_problem(await sign_in(client, "demoagent", "Demo1234"), 423, "account_locked")
    async with app.state.ctx.uow() as uow:
        user = (await uow.session.execute(select(User).where(User.username == "demoagent"))).scalar_one()
        assert user.failed_sign_ins == 3 and user.locked_at is not None


async def test_r_auth_3_success_resets_the_counter(client, demo) -> None:
    await sign_in(client, "demoagent", "Wrong1")
    await sign_in(client, "demoagent", "Wrong2")
    assert (await sign_in(client, "demoagent", "Demo1234")).status_code == 200
    await sign_in(client, "demoagent", "Wrong1")
    assert_problem(await sign_in(client, "demoagent", "Wrong2"), 401)  # not locked: count restarted


async def test_r_auth_3_admin_unlocks_and_it_is_audited(client, demo) -> None:
    admin = await bearer(client, "admin", "Admin123")
    for pw in ("x1", "x2", "x3"):
        await sign_in(client, "demoagent", pw)
    users = (await client.get("/api/v1/admin/users", params={"username": "demoagent"}, headers=admin)).json()
    assert users["items"][0]["locked"] is True
    uid = users["items"][0]["id"]
    r = await client.post(f"/api/v1/admin/users/{uid}/unlock", headers=admin)
    assert r.status_code == 200 and r.json()["locked"] is False and r.json()["failed_sign_ins"] == 0
    assert (await sign_in(client, "demoagent", "Demo1234")).status_code == 200
    events = (await client.get("/api/v1/admin/audit-events", params={"target_id": str(uid)}, headers=admin)).json()
    actions = [e["action"] for e in events["items"]]
    assert "auth.account_unlocked" in actions and "auth.account_locked" in actions
    unlock = next(e for e in events["items"] if e["action"] == "auth.account_unlocked")
    assert unlock["actor_username"] == "admin" and unlock["ip"] and unlock["occurred_at"]


async def test_r_auth_1_pending_registration_cannot_sign_in(client, demo) -> None:
    body = assert_problem(await sign_in(client, "newagent", "New12345"), 403, "account_pending")
    assert "not been activated" in body["detail"]
    # a wrong password on a pending account still looks like any wrong password
    assert_problem(await sign_in(client, "newagent", "Nope123"), 401, "invalid_credentials")


async def test_r_auth_9_refresh_rotates_and_reuse_revokes_the_family(client, demo, clock) -> None:
    first = await token(client, "demoagent", "Demo1234")
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 200
    # the old refresh token is replayed after the two-tabs grace window (issue 12, #11): the whole family
    # (session) is revoked
    clock.advance(seconds=11)
    assert_problem(
        await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}),
        401,
        "refresh_token_reused",
    )
    assert_problem(
        await client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}),
        401,
        "invalid_refresh_token",
    )
    assert_problem(
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"}),
        401,
        "session_revoked",
    )


async def test_r_auth_9_refresh_tokens_are_stored_only_as_hashes(client, demo, app) -> None:
    body = await token(client, "demoagent", "Demo1234")
    async with app.state.ctx.uow() as uow:
        hashes = (await uow.session.execute(select(RefreshToken.token_hash))).scalars().all()
    assert hashes and body["refresh_token"] not in hashes
    assert app.state.ctx.tokens.hash_secret(body["refresh_token"]) in hashes


async def test_r_auth_9_logout_revokes_the_session(client, demo) -> None:
    body = await token(client, "demoagent", "Demo1234")
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    assert (await client.post("/api/v1/auth/logout", headers=auth)).status_code == 204
    assert_problem(await client.get("/api/v1/me", headers=auth), 401, "session_revoked")
    assert_problem(await client.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]}), 401)


async def test_r_auth_9_access_tokens_expire(client, demo, clock) -> None:
    auth = await bearer(client, "demoagent", "Demo1234")
    clock.advance(minutes=16)
    assert_problem(await client.get("/api/v1/me", headers=auth), 401, "token_expired")


async def test_missing_or_garbage_token_is_401(client, demo) -> None:
    assert_problem(await client.get("/api/v1/me"), 401, "not_authenticated")
    assert_problem(
        await client.get("/api/v1/me", headers={"Authorization": "Bearer abc.def.ghi"}), 401, "invalid_token"
    )


async def test_r_auth_4_forgot_username_emails_the_user_name_and_never_reveals(client, demo, app, mail) -> None:
    admin = await bearer(client, "admin", "Admin123")
    ok = await client.post(
        "/api/v1/auth/forgot-username", json={"agent_unique_id": "220002580", "email": "DemoAgent@Agency.example"}
    )
    miss = await client.post(
        "/api/v1/auth/forgot-username", json={"agent_unique_id": "999999999", "email": "nobody@agency.example"}
    )
    assert ok.status_code == miss.status_code == 202
    assert ok.json() == miss.json()
    msgs = await outbox(client, admin, "demoagent@agency.example")
    assert len(msgs) == 1
    assert "User Name(s) linked to your email address: demoagent" in msgs[0]["body"]
    assert await outbox(client, admin, "nobody@agency.example") == []
    await app.state.ctx.outbox.drain()
    assert any(
        "demoagent" in m["body"] and m["subject"] == "Retail Producer Portal User Name Request" for m in mail.messages
    )


async def test_r_auth_5_reset_emails_a_temporary_password_that_forces_a_change(client, demo, app) -> None:
    admin = await bearer(client, "admin", "Admin123")
    for pw in ("x1", "x2", "x3"):
        await sign_in(client, "demoagent", pw)  # locked
    r = await client.post(
        "/api/v1/auth/password-resets", json={"username": "demoagent", "agent_unique_id": "220002581"}
    )
    unknown = await client.post(
        "/api/v1/auth/password-resets", json={"username": "ghost", "email": "ghost@agency.example"}
    )
    assert r.status_code == unknown.status_code == 202 and r.json() == unknown.json()
    [msg] = await outbox(client, admin, "demoagent@agency.example")
    assert msg["subject"] == "Retail Producer Portal Password Reset"
    temp = msg["body"].split("Your temporary password is: ")[1].split(".")[0]
    assert 6 <= len(temp) <= 9 and temp.isalnum()
    # R-AUTH-3: the reset unlocked the account; the temporary password is case sensitive
    assert_problem(await sign_in(client, "demoagent", temp.swapcase()), 401)
    signed = await token(client, "demoagent", temp)
    assert signed["must_change_password"] is True
    auth = {"Authorization": f"Bearer {signed['access_token']}"}
    # Only GET /me, PUT /me/password and logout are allowed until the change
    assert (await client.get("/api/v1/me", headers=auth)).json()["must_change_password"] is True
    blocked = assert_problem(
        await client.patch("/api/v1/me", json={"state_registrations": []}, headers=auth),
        403,
        "password_change_required",
    )
    assert "temporary password" in blocked["detail"]
    assert_problem(
        await client.post("/api/v1/me/state-registrations", json={}, headers=auth), 403, "password_change_required"
    )
    r = await client.put(
        "/api/v1/me/password",
        headers=auth,
        json={"current_password": temp, "new_password": "Fresh123", "new_password_confirmation": "Fresh123"},
    )
    assert r.status_code == 204
    assert_problem(await client.get("/api/v1/me", headers=auth), 401, "session_revoked")
    again = await token(client, "demoagent", "Fresh123")
    assert again["must_change_password"] is False
    assert_problem(await sign_in(client, "demoagent", temp), 401)  # the temporary password is gone


async def test_r_auth_5_temporary_password_expires_after_60_minutes(client, demo, clock) -> None:
    admin = await bearer(client, "admin", "Admin123")
    await client.post(
        "/api/v1/auth/password-resets", json={"username": "demoagent", "email": "demoagent@agency.example"}
    )
    [msg] = await outbox(client, admin, "demoagent@agency.example")
    temp = msg["body"].split("Your temporary password is: ")[1].split(".")[0]
    clock.advance(minutes=61)
    assert_problem(await sign_in(client, "demoagent", temp), 401, "invalid_credentials")
    assert (await sign_in(client, "demoagent", "Demo1234")).status_code == 200  # old password still works


async def test_r_auth_5_reset_with_a_wrong_email_sends_nothing(client, demo) -> None:
    admin = await bearer(client, "admin", "Admin123")
    r = await client.post(
        "/api/v1/auth/password-resets", json={"username": "demoagent", "email": "attacker@evil.example"}
    )
    assert r.status_code == 202
    assert await outbox(client, admin, "attacker@evil.example") == []
    assert await outbox(client, admin, "demoagent@agency.example") == []


async def test_r_auth_5_reset_needs_email_or_agent_id(client) -> None:
    body = assert_problem(
        await client.post("/api/v1/auth/password-resets", json={"username": "x"}), 422, "validation_failed"
    )
    assert "email" in body["errors"][0]["message"]


async def test_r_auth_10_sign_in_events_are_audited_with_who_what_when_where(client, demo) -> None:
    await client.post(
        TOKEN, data={"username": "demoagent", "password": "bad123"}, headers={"User-Agent": "pytest-agent"}
    )
    admin = await bearer(client, "admin", "Admin123")
    events = (await client.get("/api/v1/admin/audit-events", params={"action": "auth.sign_in"}, headers=admin)).json()[
        "items"
    ]
    failure = next(e for e in events if e["outcome"] == "failure")
    assert failure["actor_username"] == "demoagent" and failure["user_agent"] == "pytest-agent"
    assert failure["details"] == {"reason": "invalid_credentials"} and failure["request_id"]
    assert any(e["outcome"] == "success" and e["actor_username"] == "admin" for e in events)


async def test_sign_in_rate_limit_answers_429_with_retry_after(settings, clock) -> None:
    import httpx
    from asgi_lifespan import LifespanManager

    from tests.conftest import make_app

    limited = make_app(settings.model_copy(update={"auth_rate_limit_per_minute": 5, "auth_rate_limit_burst": 3}), clock)
    async with LifespanManager(limited):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://t") as c:
            # a different name each time: a third failure of one name would lock it (423, issue 12 #5)
            codes = [(await c.post(TOKEN, data={"username": f"a{i}", "password": "b"})).status_code for i in range(4)]
            assert codes == [401, 401, 401, 429]
            r = await c.post("/api/v1/auth/forgot-username", json={"email": "a@b.example"})
            body = assert_problem(r, 429, "rate_limited")
            assert int(r.headers["retry-after"]) >= 1 and "Too many" in body["detail"]


async def test_registration_then_activation_then_sign_in(client, demo) -> None:
    admin = await bearer(client, "admin", "Admin123")
    payload = await register_and_activate(client, admin)
    assert (await sign_in(client, payload["username"], payload["password"])).status_code == 200
    assert registration()["username"] != payload["username"]


async def test_trust_0_signed_in_calls_work_with_the_wall_clock_a_year_ahead(client, demo, clock, monkeypatch) -> None:
    """The suite's token path (sign-in, bearer, /me, expiry) with the wall clock a year past the test clock."""
    import jwt.api_jwt

    from tests.unit.test_infrastructure import _ShiftedDatetime

    monkeypatch.setattr(_ShiftedDatetime, "shift", timedelta(days=365))
    monkeypatch.setattr(jwt.api_jwt, "datetime", _ShiftedDatetime)
    auth = await bearer(client, "demoagent", "Demo1234")
    me = await client.get("/api/v1/me", headers=auth)
    assert me.status_code == 200 and me.json()["username"] == "demoagent"
    clock.advance(minutes=16)
    assert_problem(await client.get("/api/v1/me", headers=auth), 401, "token_expired")
