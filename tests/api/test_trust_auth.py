"""Issue 12 (Trust), lockout that cannot be weaponised or used as an oracle, and two tabs refreshing.

#4 admins lock for a while, never for good; `portal users unlock`. #5 unknown user names and recovery endpoints
answer exactly like known ones. #6 the current password of PUT /me/password counts toward the lockout, is
rate-limited and audited. #11 (refresh part) a refresh token presented again within seconds gets the same successor.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app import cli
from app.adapters.ratelimit import RateLimiter
from app.repositories.delegates import DelegateRepository
from app.repositories.orm import AuditEvent, AuthSession, RefreshToken, SignInFailure, User
from app.repositories.users import UserRepository
from tests.api.test_delegates import STRONG, add_delegate, latest_code, mfa_sign_in, ready_delegate, verify_link
from tests.helpers import assert_problem, bearer, outbox, token

TOKEN = "/api/v1/auth/token"
VOLATILE = ("request_id", "instance")


async def sign_in(client, username, password):  # type: ignore[no-untyped-def]
    return await client.post(TOKEN, data={"username": username, "password": password})


def stable(r: httpx.Response) -> tuple[int, dict[str, Any]]:
    """What a caller sees of an answer, but the per-request id."""
    body = r.json()
    return r.status_code, {k: v for k, v in body.items() if k not in VOLATILE}


async def user_row(app, username: str) -> User:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        return (await uow.session.execute(select(User).where(User.username == username))).scalar_one()


async def audit_rows(app, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list((await uow.session.execute(stmt)).scalars().all())


# --- #4 admins are locked for a while, and unlocked from the server -------------------------------------------


async def test_trust_4_an_admin_lock_runs_out_after_15_minutes(client, demo, app, clock) -> None:
    for pw in ("Wrong1x1", "Wrong2x2"):
        assert_problem(await sign_in(client, "admin", pw), 401, "invalid_credentials")
    locked = assert_problem(await sign_in(client, "admin", "Wrong3x3"), 423, "account_locked")
    assert "temporarily locked as a security precaution" in locked["detail"]
    assert_problem(await sign_in(client, "admin", "Admin123"), 423, "account_locked")
    assert (await user_row(app, "admin")).locked_at == clock.now()
    clock.advance(minutes=14, seconds=59)
    assert_problem(await sign_in(client, "admin", "Admin123"), 423, "account_locked")
    clock.advance(seconds=1)
    assert (await sign_in(client, "admin", "Admin123")).status_code == 200  # not locked for good
    admin = await user_row(app, "admin")
    assert admin.locked_at is None and admin.failed_sign_ins == 0
    # producers still stay locked until a reset or an admin (R-AUTH-3)
    for pw in ("x1", "x2", "x3"):
        await sign_in(client, "demoagent", pw)
    clock.advance(days=30)
    assert_problem(await sign_in(client, "demoagent", "Demo1234"), 423, "account_locked")


async def test_trust_4_portal_users_unlock_clears_an_admin_lock_and_is_audited(
    client, demo, app, settings, monkeypatch
) -> None:
    for pw in ("Wrong1x1", "Wrong2x2", "Wrong3x3"):
        await sign_in(client, "admin", pw)
    assert_problem(await sign_in(client, "admin", "Admin123"), 423, "account_locked")
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    assert await asyncio.to_thread(cli.main, ["users", "unlock", "admin"]) == 0
    row = await user_row(app, "admin")
    assert row.locked_at is None and row.failed_sign_ins == 0
    assert (await sign_in(client, "admin", "Admin123")).status_code == 200
    [event] = await audit_rows(app, "auth.account_unlocked")
    assert event.actor_username.startswith("cli:") and event.target_id == str(row.id)  # type: ignore[union-attr]
    assert event.details == {"by": "cli", "was_locked": True} and event.user_agent == "portal-cli"
    # a name without an account: its failures are cleared; nothing at all is an error
    for pw in ("x1", "x2", "x3"):
        await sign_in(client, "ghostadmin", pw)
    assert await asyncio.to_thread(cli.main, ["users", "unlock", "ghostadmin"]) == 0
    assert_problem(await sign_in(client, "ghostadmin", "x4"), 401, "invalid_credentials")
    assert await asyncio.to_thread(cli.main, ["users", "unlock", "nobodyatall"]) == 2


# --- #5 unknown user names and recovery endpoints answer like known ones ---------------------------------------


async def test_trust_5_unknown_user_names_answer_exactly_like_known_ones_including_the_423(client, demo, app) -> None:
    seen: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for name in ("demoagent", "admin", "ghostagent"):
        seen[name] = [stable(await sign_in(client, name, f"Wrong{i}x")) for i in range(5)]
    assert seen["ghostagent"] == seen["demoagent"] == seen["admin"]
    assert [s for s, _ in seen["ghostagent"]] == [401, 401, 423, 423, 423]
    assert [b["code"] for _, b in seen["ghostagent"]] == ["invalid_credentials"] * 2 + ["account_locked"] * 3
    # the unknown name is counted under a keyed hash, never stored as typed
    async with app.state.ctx.uow() as uow:
        rows = (await uow.session.execute(select(SignInFailure))).scalars().all()
    assert [(r.username_hash, r.failed_sign_ins) for r in rows] == [(app.state.ctx.tokens.hash_secret("ghostagent"), 3)]
    assert rows[0].locked_at is not None and "ghostagent" not in rows[0].username_hash
    # R-AUTH-2: names are case sensitive, so another spelling is another name
    assert_problem(await sign_in(client, "GhostAgent", "Wrong0x"), 401, "invalid_credentials")


class AnswerRecorder:
    """An ASGI wrapper noting when the answer has been sent, and a hook noting when the account is looked up."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.events: list[str] = []

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        async def noting(message):  # type: ignore[no-untyped-def]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.events.append("answered")

        await self.app(scope, receive, noting)

    def spy(self, monkeypatch, cls, name: str) -> None:  # type: ignore[no-untyped-def]
        original = getattr(cls, name)

        async def looked_up(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.events.append("looked up")
            return await original(*args, **kwargs)

        monkeypatch.setattr(cls, name, looked_up)


async def test_trust_5_recovery_endpoints_answer_before_looking_the_account_up(
    app, client, demo, admin, producer, monkeypatch
) -> None:
    d = await add_delegate(client, producer)
    await verify_link(client, admin, d)
    recorder = AnswerRecorder(app)
    recorder.spy(monkeypatch, UserRepository, "usernames_for_producer")
    recorder.spy(monkeypatch, UserRepository, "usernames_for_delegate_email")
    recorder.spy(monkeypatch, UserRepository, "get_by_username_for_update")
    recorder.spy(monkeypatch, DelegateRepository, "get_active_delegate_by_username")
    cases = {
        "/api/v1/auth/forgot-username": (
            {"agent_unique_id": "220002580", "email": "demoagent@agency.example"},
            {"agent_unique_id": "999999999", "email": "nobody@agency.example"},
        ),
        "/api/v1/auth/password-resets": (
            {"username": "demoagent", "email": "demoagent@agency.example"},
            {"username": "ghostagent", "email": "ghost@agency.example"},
        ),
        "/api/v1/auth/otp": (
            {"username": d["username"], "channel": "email"},
            {"username": "nosuchdelegate1", "channel": "email"},
        ),
    }
    transport = httpx.ASGITransport(app=recorder, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        for path, (known, unknown) in cases.items():
            answers = []
            for body in (known, unknown):
                recorder.events.clear()
                answers.append(stable(await c.post(path, json=body)))
                # the account is looked up only once the answer is out: answer and timing are the same either way
                assert recorder.events == ["answered", "looked up"], (path, body, recorder.events)
            assert answers[0] == answers[1] and answers[0][0] == 202, path
    # ... and the work was done for the accounts that exist
    demo_mail = [m["template"] for m in await outbox(client, admin, "demoagent@agency.example")]
    assert "forgot_username" in demo_mail and "password_reset" in demo_mail
    assert await outbox(client, admin, "nobody@agency.example") == []
    assert await outbox(client, admin, "ghost@agency.example") == []
    assert [m for m in await outbox(client, admin, d["email"]) if m["template"] == "verification_code"]
    assert {e.outcome for e in await audit_rows(app, "auth.forgot_username")} == {"success", "no_match"}


async def test_trust_5_recovery_work_that_fails_after_the_answer_is_logged_without_parameters(
    client, demo, monkeypatch, caplog
) -> None:
    async def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom with secret@agency.example")

    monkeypatch.setattr(UserRepository, "usernames_for_producer", broken)
    r = await client.post(
        "/api/v1/auth/forgot-username", json={"agent_unique_id": "220002580", "email": "secret@agency.example"}
    )
    assert r.status_code == 202
    [record] = [r for r in caplog.records if r.name == "portal.auth"]
    assert record.error == "RuntimeError" and record.action == "auth.forgot_username"  # type: ignore[attr-defined]
    assert "secret@agency.example" not in caplog.text


async def test_trust_5_delegate_set_password_answers_the_same_with_or_without_an_account(
    client, admin, producer, app, clock
) -> None:
    d = await add_delegate(client, producer)
    await verify_link(client, admin, d)
    floor = app.state.ctx.settings.otp_failure_floor_seconds
    assert floor > 0

    async def attempt(username: str, code: str = "WRONG123") -> tuple[tuple[int, dict[str, Any]], float]:
        started = time.perf_counter()
        r = await client.post(
            "/api/v1/auth/password", json={"username": username, "code": code, "new_password": STRONG}
        )
        return stable(r), time.perf_counter() - started

    unknown, t_unknown = await attempt("nosuchdelegate1")
    no_code, t_no_code = await attempt(d["username"])  # a delegate with no code pending (was `otp.none`)
    await client.post("/api/v1/auth/otp", json={"username": d["username"], "channel": "email"})
    wrong, t_wrong = await attempt(d["username"])  # a wrong code
    sent = await latest_code(client, admin, d["email"])
    clock.advance(minutes=11)
    expired, t_expired = await attempt(d["username"], sent)  # the right code, expired (was `otp.expired`)
    assert unknown == no_code == wrong == expired
    status, body = unknown
    assert status == 422 and body["code"] == "otp.invalid" and body["errors"][0]["field"] == "code"
    # every failure is padded to the floor, whether or not the account exists
    assert min(t_unknown, t_no_code, t_wrong, t_expired) >= floor
    timings = {"unknown": [t_unknown], "known": [t_no_code, t_wrong, t_expired]}
    for _ in range(2):
        timings["unknown"].append((await attempt("nosuchdelegate1"))[1])
    assert abs(statistics.median(timings["unknown"]) - statistics.median(timings["known"])) < 0.2
    # the reasons stay in the audit log for support
    reasons = [(e.outcome, e.details["reason"]) for e in await audit_rows(app, "otp.rejected")]  # type: ignore[index]
    assert ("no_match", "otp.none") in reasons and ("failure", "otp.expired") in reasons


# --- #6 the current password of a password change --------------------------------------------------------------


def change(current: str, new: str = "Newpw987") -> dict[str, str]:
    return {"current_password": current, "new_password": new, "new_password_confirmation": new}


async def test_trust_6_wrong_current_passwords_lock_the_account_and_are_audited(client, demo, app) -> None:
    auth = await bearer(client, "demoagent", "Demo1234")
    for guess in ("Guess001", "Guess002"):
        body = assert_problem(await client.put("/api/v1/me/password", headers=auth, json=change(guess)), 422)
        assert body["errors"][0]["code"] == "password.current_wrong"
    assert (await user_row(app, "demoagent")).failed_sign_ins == 2
    body = assert_problem(
        await client.put("/api/v1/me/password", headers=auth, json=change("Guess003")), 423, "account_locked"
    )
    assert "temporarily locked" in body["detail"]
    # locked: the right current password no longer changes it, and sign-in is locked too (R-AUTH-3)
    assert_problem(
        await client.put("/api/v1/me/password", headers=auth, json=change("Demo1234")), 423, "account_locked"
    )
    assert_problem(await sign_in(client, "demoagent", "Demo1234"), 423, "account_locked")
    row = await user_row(app, "demoagent")
    assert row.failed_sign_ins == 3 and row.locked_at is not None
    failures = await audit_rows(app, "auth.password_change")
    assert [(e.outcome, e.details["reason"]) for e in failures] == [  # type: ignore[index]
        ("failure", "password.current_wrong"),
        ("failure", "password.current_wrong"),
        ("failure", "account_locked"),
        ("failure", "account_locked"),
    ]
    assert all(e.actor_username == "demoagent" and e.target_id == str(row.id) and e.ip for e in failures)
    [locked] = await audit_rows(app, "auth.account_locked")
    assert locked.details == {"failed_sign_ins": 3, "by": "password_change"}


async def test_trust_6_a_right_current_password_resets_the_count(client, demo, app) -> None:
    auth = await bearer(client, "demoagent", "Demo1234")
    await client.put("/api/v1/me/password", headers=auth, json=change("Guess001"))
    await client.put("/api/v1/me/password", headers=auth, json=change("Guess002"))
    weak = assert_problem(await client.put("/api/v1/me/password", headers=auth, json=change("Demo1234", "x")), 422)
    assert weak["errors"][0]["code"] == "password.policy"
    assert (await user_row(app, "demoagent")).failed_sign_ins == 0
    assert (await client.put("/api/v1/me/password", headers=auth, json=change("Demo1234"))).status_code == 204


async def test_trust_6_an_admins_wrong_current_passwords_lock_it_for_a_while(client, demo, app, clock) -> None:
    auth = await bearer(client, "admin", "Admin123")
    for guess, status in (("Guess0001", 422), ("Guess0002", 422), ("Guess0003", 423)):
        assert (
            await client.put("/api/v1/me/password", headers=auth, json=change(guess, "Better2026x"))
        ).status_code == status
    assert_problem(await sign_in(client, "admin", "Admin123"), 423, "account_locked")
    clock.advance(minutes=15)
    assert (await sign_in(client, "admin", "Admin123")).status_code == 200


async def test_trust_6_a_delegates_wrong_current_passwords_count_toward_its_lockout(
    client, admin, producer, app, clock
) -> None:
    d = await ready_delegate(client, admin, producer, clock)
    auth = {"Authorization": f"Bearer {(await mfa_sign_in(client, admin, d, clock))['access_token']}"}
    for i in range(4):
        body = assert_problem(
            await client.put("/api/v1/me/password", headers=auth, json=change(f"Guess{i}2026x", "Fresh2026pw")), 422
        )
        assert body["errors"][0]["code"] == "password.current_wrong"
    assert_problem(
        await client.put("/api/v1/me/password", headers=auth, json=change("Guess52026x", "Fresh2026pw")),
        423,
        "account_locked",
    )
    assert_problem(await sign_in(client, d["username"], STRONG), 423, "account_locked")  # R-DEL-5
    assert len(await audit_rows(app, "auth.password_change")) == 5


async def test_trust_6_password_changes_are_rate_limited(client, demo, app) -> None:
    auth = await bearer(client, "demoagent", "Demo1234")
    app.state.ctx.auth_rate_limiter = RateLimiter(per_minute=5, burst=2)
    codes = [
        (await client.put("/api/v1/me/password", headers=auth, json=change("Guess001"))).status_code for _ in range(3)
    ]
    assert codes == [422, 422, 429]
    assert (await user_row(app, "demoagent")).failed_sign_ins == 2  # the refused try was not even checked


# --- #11 two tabs refreshing with the same refresh token -------------------------------------------------------

REFRESH = "/api/v1/auth/refresh"


async def session_tokens(app, session_id: str) -> list[RefreshToken]:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        stmt = select(RefreshToken).where(RefreshToken.session_id == session_id).order_by(RefreshToken.id)
        return list((await uow.session.execute(stmt)).scalars().all())


async def only_session(app) -> AuthSession:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        return (await uow.session.execute(select(AuthSession))).scalar_one()


async def test_trust_11_two_tabs_refreshing_at_once_get_the_same_successor(client, demo, app, clock) -> None:
    first = await token(client, "demoagent", "Demo1234")
    tab_a = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    clock.advance(seconds=3)
    tab_b = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert tab_a.status_code == tab_b.status_code == 200, tab_b.text
    assert tab_b.json()["refresh_token"] == tab_a.json()["refresh_token"] != first["refresh_token"]
    for pair in (tab_a.json(), tab_b.json()):
        assert (
            await client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
        ).status_code == 200
    session = await only_session(app)
    assert session.revoked_at is None
    rows = await session_tokens(app, session.id)
    assert len(rows) == 2 and rows[0].used_at is not None and rows[1].used_at is None  # one successor, unused
    assert tab_a.json()["refresh_token"] not in {r.token_hash for r in rows}  # still stored only as a hash
    # the shared successor rotates on as usual
    third = await client.post(REFRESH, json={"refresh_token": tab_b.json()["refresh_token"]})
    assert third.status_code == 200 and third.json()["refresh_token"] != tab_b.json()["refresh_token"]


async def test_trust_11_concurrent_refreshes_with_one_token_both_succeed(client, demo, app) -> None:
    first = await token(client, "demoagent", "Demo1234")
    answers = await asyncio.gather(
        *(client.post(REFRESH, json={"refresh_token": first["refresh_token"]}) for _ in range(2))
    )
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert answers[0].json()["refresh_token"] == answers[1].json()["refresh_token"]
    assert (await only_session(app)).revoked_at is None


async def test_trust_11_reuse_after_the_successor_was_used_still_revokes_the_family(client, demo, app, clock) -> None:
    first = await token(client, "demoagent", "Demo1234")
    second = (await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})).json()
    third = (await client.post(REFRESH, json={"refresh_token": second["refresh_token"]})).json()
    clock.advance(seconds=2)  # inside the window, but the successor has been used: a stolen token
    assert_problem(
        await client.post(REFRESH, json={"refresh_token": first["refresh_token"]}), 401, "refresh_token_reused"
    )
    assert (await only_session(app)).revoked_reason == "refresh_reuse"
    assert_problem(
        await client.post(REFRESH, json={"refresh_token": third["refresh_token"]}), 401, "invalid_refresh_token"
    )
    assert_problem(
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {third['access_token']}"}),
        401,
        "session_revoked",
    )


@pytest.mark.parametrize("wait", [11, 600])
async def test_trust_11_reuse_after_the_window_still_revokes_the_family(client, demo, app, clock, wait) -> None:
    first = await token(client, "demoagent", "Demo1234")
    second = (await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})).json()
    clock.advance(seconds=wait)
    assert_problem(
        await client.post(REFRESH, json={"refresh_token": first["refresh_token"]}), 401, "refresh_token_reused"
    )
    assert_problem(
        await client.post(REFRESH, json={"refresh_token": second["refresh_token"]}), 401, "invalid_refresh_token"
    )
    async with app.state.ctx.uow() as uow:
        assert (
            await uow.session.execute(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "auth.refresh_reuse_detected")
            )
        ).scalar_one() == 1


async def test_portal_users_create_admin_creates_a_signable_admin_once(client, demo, settings, monkeypatch) -> None:
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    monkeypatch.setenv("PORTAL_ADMIN_PASSWORD", "Boss1234")
    args = ["users", "create-admin", "--username", "bossadmin", "--email", "boss@carrier.example"]
    assert await asyncio.to_thread(cli.main, args) == 0
    signed = await sign_in(client, "bossadmin", "Boss1234")
    assert signed.status_code == 200, signed.text
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {signed.json()['access_token']}"})
    assert me.json()["role"] == "admin"
    assert await asyncio.to_thread(cli.main, args) == 2  # the name is taken: a rule, printed, exit 2
