"""Delegates end to end through the HTTP API, reading codes from the outbox as a person reads mail.

R-DEL-1 .. R-DEL-9.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from app.deps import CurrentProducer, ProducerOrDelegate
from app.repositories.orm import EmailVerification, OtpCode, OtpRequest, OutboxMessage, RememberedDevice
from tests.api.test_cors import serve
from tests.helpers import assert_problem, bearer, outbox, rand_username

TOKEN = "/api/v1/auth/token"
STRONG = "Assist2026go"


def delegate_payload(**overrides: Any) -> dict[str, Any]:
    data = {
        "username": rand_username("assist") + "1",
        "email": f"{rand_username('d')}@agency.example",
        "first_name": "Alex",
        "last_name": "Assistant",
        "mobile_number": "(312) 555-0177",
        "states": ["IL"],
    }
    data.update(overrides)
    return data


async def add_delegate(client, producer, **overrides) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    payload = delegate_payload(**overrides)
    r = await client.post("/api/v1/delegates", json=payload, headers=producer)
    assert r.status_code == 201, r.text
    return {**payload, **r.json()}


def code_in(message: dict[str, Any]) -> str:
    found = re.search(r"Your verification code is ([A-Z0-9]{8})", message["body"])
    assert found, message["body"]
    return found.group(1)


async def latest_code(client, admin, to) -> str:  # type: ignore[no-untyped-def]
    msgs = [m for m in await outbox(client, admin, to) if m["template"] == "verification_code"]
    return code_in(msgs[-1])


async def verify_link(client, admin, delegate) -> None:  # type: ignore[no-untyped-def]
    [welcome] = [m for m in await outbox(client, admin, delegate["email"]) if m["template"] == "delegate_welcome"]
    token = re.search(r"/delegate/verify-email\?token=(\S+)", welcome["body"]).group(1)  # type: ignore[union-attr]
    r = await client.post("/api/v1/auth/email-verifications", json={"token": token})
    assert r.status_code == 200, r.text


async def create_password(client, admin, delegate, password=STRONG, clock=None) -> None:  # type: ignore[no-untyped-def]
    r = await client.post("/api/v1/auth/otp", json={"username": delegate["username"], "channel": "email"})
    assert r.status_code == 202
    code = await latest_code(client, admin, delegate["email"])
    r = await client.post(
        "/api/v1/auth/password", json={"username": delegate["username"], "code": code, "new_password": password}
    )
    assert r.status_code == 204, r.text
    if clock is not None:
        clock.advance(seconds=31)  # past the re-send interval


async def ready_delegate(client, admin, producer, clock) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    d = await add_delegate(client, producer)
    await verify_link(client, admin, d)
    await create_password(client, admin, d, clock=clock)
    return d


async def mfa_sign_in(client, admin, d, clock, *, remember=False, password=STRONG) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = assert_problem(
        await client.post(TOKEN, data={"username": d["username"], "password": password}), 401, "mfa_required"
    )
    assert body["type"].endswith("mfa-required")
    assert body["error"] == "mfa_required"  # RFC 6749's member beside the problem fields (issue 16)
    r = await client.post("/api/v1/auth/mfa/send", json={"mfa_token": body["mfa_token"], "channel": "email"})
    assert r.status_code == 202, r.text
    code = await latest_code(client, admin, d["email"])
    r = await client.post(
        "/api/v1/auth/mfa/verify", json={"mfa_token": body["mfa_token"], "code": code, "remember_device": remember}
    )
    assert r.status_code == 200, r.text
    clock.advance(seconds=31)
    return r.json()


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    """These tests move the clock by hours and days: keep the admin's and producer's sessions alive."""
    return settings.model_copy(update={"access_token_minutes": 60 * 24 * 45, "refresh_token_days": 60})


# --- R-DEL-1 -----------------------------------------------------------------


async def test_r_del_1_producer_adds_a_delegate_in_its_active_states(client, producer) -> None:
    d = await add_delegate(client, producer, states=["IL", "TX"])
    assert d["states"] == ["IL", "TX"] and d["status"] == "email_not_verified" and d["email_verified"] is False
    assert d["mobile_number"] == "3125550177"
    listed = (await client.get("/api/v1/delegates", headers=producer)).json()
    assert [x["username"] for x in listed["items"]] == [d["username"]] and listed["total"] == 1
    one = (await client.get(f"/api/v1/delegates/{d['id']}", headers=producer)).json()
    assert one["email"] == d["email"]


async def test_r_del_1_states_must_be_a_subset_of_the_producers_active_states(client, demo) -> None:
    other = await bearer(client, "otheragent", "Other123")  # active in IL only
    body = assert_problem(
        await client.post("/api/v1/delegates", json=delegate_payload(states=["IL", "TX"]), headers=other),
        422,
        "delegate.state_not_active",
    )
    assert "TX" in body["detail"] and body["errors"][0]["field"] == "states"


@pytest.mark.parametrize("username", ["abc1234"[:6], "has space1", "dots.and1", "under_sc1"])
async def test_r_del_1_username_is_seven_plus_letters_and_digits(client, producer, username) -> None:
    assert_problem(
        await client.post("/api/v1/delegates", json=delegate_payload(username=username), headers=producer),
        422,
        "delegate.username_invalid",
    )


async def test_r_del_1_username_unique_across_producers_and_delegates(client, producer) -> None:
    assert_problem(
        await client.post("/api/v1/delegates", json=delegate_payload(username="demoagent"), headers=producer),
        409,
        "delegate.username_taken",
    )
    d = await add_delegate(client, producer)
    assert_problem(
        await client.post("/api/v1/delegates", json=delegate_payload(username=d["username"]), headers=producer),
        409,
        "delegate.username_taken",
    )
    r = await client.post(
        "/api/v1/registrations",
        json={
            "first_name": "A",
            "last_name": "B",
            "username": d["username"],
            "password": "Abc123",
            "password_confirmation": "Abc123",
            "state_registrations": [
                {
                    "state": "IL",
                    "address1": "1 Main",
                    "city": "Chicago",
                    "address_state": "IL",
                    "zip_code": "60601",
                    "agent_unique_id": "123456789",
                    "phone": "3125550100",
                    "email": "x@y.example",
                }
            ],
        },
    )
    assert_problem(r, 409, "registration.username_taken")


async def test_r_del_1_only_producers_manage_delegates(client, admin) -> None:
    assert_problem(await client.get("/api/v1/delegates"), 401)
    assert_problem(
        await client.post("/api/v1/delegates", json=delegate_payload(), headers=admin), 403, "forbidden_role"
    )


# --- R-DEL-2 -----------------------------------------------------------------


async def test_r_del_2_welcome_email_has_username_and_single_use_link(client, admin, producer, app) -> None:
    d = await add_delegate(client, producer)
    [welcome] = await outbox(client, admin, d["email"])
    assert d["username"] in welcome["body"] and "http://127.0.0.1:8000/delegate/verify-email?token=" in welcome["body"]
    token = welcome["body"].split("token=")[1].split()[0]
    async with app.state.ctx.uow() as uow:
        stored = (await uow.session.execute(select(EmailVerification.token_hash))).scalars().all()
    assert token not in stored and len(stored) == 1  # stored hashed
    r = await client.post("/api/v1/auth/email-verifications", json={"token": token})
    assert r.status_code == 200 and r.json()["username"] == d["username"]
    assert (await client.get(f"/api/v1/delegates/{d['id']}", headers=producer)).json()[
        "status"
    ] == "password_not_created"
    assert_problem(
        await client.post("/api/v1/auth/email-verifications", json={"token": token}), 422, "email_verification.used"
    )
    assert_problem(
        await client.post("/api/v1/auth/email-verifications", json={"token": "forged"}),
        422,
        "email_verification.invalid",
    )


async def test_r_del_2_link_expires_after_7_days(client, admin, producer, clock) -> None:
    d = await add_delegate(client, producer)
    [welcome] = await outbox(client, admin, d["email"])
    token = welcome["body"].split("token=")[1].split()[0]
    clock.advance(days=7, seconds=1)
    assert_problem(
        await client.post("/api/v1/auth/email-verifications", json={"token": token}), 422, "email_verification.expired"
    )


# --- R-DEL-3 / R-DEL-4 ---------------------------------------------------------------------------------------


async def test_r_del_3_create_password_through_an_emailed_code(client, admin, producer, app, mail) -> None:
    d = await add_delegate(client, producer)
    await verify_link(client, admin, d)
    r = await client.post("/api/v1/auth/otp", json={"username": d["username"], "channel": "email"})
    assert r.status_code == 202
    code = await latest_code(client, admin, d["email"])
    assert re.fullmatch(r"[A-Z0-9]{8}", code)
    async with app.state.ctx.uow() as uow:
        assert code not in (await uow.session.execute(select(OtpCode.code_hash))).scalars().all()
    r = await client.post(
        "/api/v1/auth/password", json={"username": d["username"], "code": code.lower(), "new_password": STRONG}
    )
    assert r.status_code == 204
    mails = await outbox(client, admin, d["email"])
    assert mails[-1]["subject"] == "Account Information - Update Password"
    assert (await client.get(f"/api/v1/delegates/{d['id']}", headers=producer)).json()["status"] == "active"
    # single use
    assert_problem(
        await client.post(
            "/api/v1/auth/password", json={"username": d["username"], "code": code, "new_password": "Another2026x"}
        ),
        422,
    )
    await app.state.ctx.outbox.drain()
    assert any(m["subject"] == "Account Information - Update Password" and m["to"] == d["email"] for m in mail.messages)


async def test_r_del_3_code_by_sms_reads_like_the_guide(client, admin, producer) -> None:
    d = await add_delegate(client, producer)
    await verify_link(client, admin, d)
    await client.post("/api/v1/auth/otp", json={"username": d["username"], "channel": "sms"})
    [sms] = await outbox(client, admin, "312.555.0177")
    assert sms["channel"] == "sms" and re.fullmatch(r"Your verification code is [A-Z0-9]{8}", sms["body"])


async def test_r_del_3_wrong_code_then_resend_and_expiry_and_burn(client, admin, producer, clock) -> None:
    d = await add_delegate(client, producer)
    await verify_link(client, admin, d)
    await client.post("/api/v1/auth/otp", json={"username": d["username"], "channel": "email"})
    first = await latest_code(client, admin, d["email"])
    body = assert_problem(
        await client.post(
            "/api/v1/auth/password", json={"username": d["username"], "code": "WRONG123", "new_password": STRONG}
        ),
        422,
        "otp.invalid",
    )
    assert body["errors"][0]["field"] == "code"
    # expired after 10 minutes (issue 12 #5: every code that does not work answers the same `otp.invalid`;
    # why it failed is in the audit log)
    clock.advance(minutes=10, seconds=1)
    assert_problem(
        await client.post(
            "/api/v1/auth/password", json={"username": d["username"], "code": first, "new_password": STRONG}
        ),
        422,
        "otp.invalid",
    )
    # re-send: a new code replaces the old one
    await client.post("/api/v1/auth/otp", json={"username": d["username"], "channel": "email"})
    second = await latest_code(client, admin, d["email"])
    assert second != first
    for _ in range(4):
        assert_problem(
            await client.post(
                "/api/v1/auth/password", json={"username": d["username"], "code": "BADBAD00", "new_password": STRONG}
            ),
            422,
            "otp.invalid",
        )
    assert_problem(
        await client.post(
            "/api/v1/auth/password", json={"username": d["username"], "code": "BADBAD00", "new_password": STRONG}
        ),
        422,
        "otp.invalid",
    )
    # the right code no longer works once burned
    assert_problem(
        await client.post(
            "/api/v1/auth/password", json={"username": d["username"], "code": second, "new_password": STRONG}
        ),
        422,
        "otp.invalid",
    )
    events = (
        await client.get(
            "/api/v1/admin/audit-events",
            params={"action": "otp.rejected", "page_size": 50, "target_id": str(d["id"])},
            headers=admin,
        )
    ).json()["items"]
    reasons = [e["details"]["reason"] for e in reversed(events)]
    assert reasons == ["otp.invalid", "otp.expired"] + ["otp.invalid"] * 4 + ["otp.burned", "otp.burned"]


async def test_r_del_3_sends_are_throttled_per_hour(client, admin, producer, clock) -> None:
    d = await add_delegate(client, producer)
    await verify_link(client, admin, d)
    for _ in range(5):
        assert (
            await client.post("/api/v1/auth/otp", json={"username": d["username"], "channel": "sms"})
        ).status_code == 202
        clock.advance(seconds=31)
    # the hourly cap is said (issue 15), not a 202 that sends nothing: wait until the oldest request is an hour old
    r = await client.post("/api/v1/auth/otp", json={"username": d["username"], "channel": "sms"})
    body = assert_problem(r, 429, "otp.request_throttled")
    assert int(r.headers["retry-after"]) == 3600 - 5 * 31 + 1
    assert "in the last hour" in body["detail"] and "Internet Help Desk" in body["detail"]
    assert len(await outbox(client, admin, d["mobile_number"])) == 5
    clock.advance(hours=1)
    assert (
        await client.post("/api/v1/auth/otp", json={"username": d["username"], "channel": "sms"})
    ).status_code == 202
    assert len(await outbox(client, admin, d["mobile_number"])) == 6


def _shape(r) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    """What a client can compare between two answers: status, Retry-After and the body without per-request ids."""
    body = {k: v for k, v in r.json().items() if k not in ("instance", "request_id")}
    return r.status_code, r.headers.get("retry-after"), body


async def test_issue15_otp_request_throttled_answers_429_the_same_for_known_and_unknown_usernames(
    client, admin, producer, clock, app
) -> None:
    """R-DEL-3 / R-DEL-7: a re-request within 30 s is a 429 with Retry-After, whether or not the name is a delegate's
    (throttled by the name as typed, before the account is looked up)."""
    d = await add_delegate(client, producer)
    await verify_link(client, admin, d)
    answers = {}
    for name in (d["username"], "nosuchdelegate1"):
        first = await client.post("/api/v1/auth/otp", json={"username": name, "channel": "email"})
        assert first.status_code == 202
        clock.advance(seconds=10)
        again = await client.post("/api/v1/auth/otp", json={"username": name, "channel": "email"})
        body = assert_problem(again, 429, "otp.request_throttled")
        assert again.headers["retry-after"] == "21" and "21 seconds" in body["detail"]
        answers[name] = _shape(again)
        clock.advance(seconds=-10)  # the unknown name asks at the same moments as the known one
    assert answers[d["username"]] == answers["nosuchdelegate1"]
    # one code went out for the delegate; the throttled request sent nothing
    assert len([m for m in await outbox(client, admin, d["email"]) if m["template"] == "verification_code"]) == 1
    clock.advance(seconds=31)
    assert (
        await client.post("/api/v1/auth/otp", json={"username": d["username"], "channel": "email"})
    ).status_code == 202
    assert len([m for m in await outbox(client, admin, d["email"]) if m["template"] == "verification_code"]) == 2
    async with app.state.ctx.uow() as uow:
        stored = (await uow.session.execute(select(OtpRequest.identifier_hash))).scalars().all()
    assert len(stored) == 3 and d["username"] not in stored and "nosuchdelegate1" not in stored
    events = (
        await client.get(
            "/api/v1/admin/audit-events", params={"action": "otp.request_throttled", "page_size": 50}, headers=admin
        )
    ).json()["items"]
    assert sorted(e["actor_username"] for e in events) == sorted([d["username"], "nosuchdelegate1"])


async def test_issue15_sign_in_code_right_after_creating_a_password(client, admin, producer, clock) -> None:
    """R-DEL-3 then R-DEL-6: the password-creation code does not hold back the first sign-in code (the re-send
    interval is per flow); within the sign-in flow a re-send still waits."""
    d = await add_delegate(client, producer)
    await verify_link(client, admin, d)
    await create_password(client, admin, d)  # no clock move: the sign-in follows at once
    challenge = assert_problem(
        await client.post(TOKEN, data={"username": d["username"], "password": STRONG}), 401, "mfa_required"
    )
    r = await client.post("/api/v1/auth/mfa/send", json={"mfa_token": challenge["mfa_token"], "channel": "email"})
    assert r.status_code == 202, r.text
    codes = [m for m in await outbox(client, admin, d["email"]) if m["template"] == "verification_code"]
    assert len(codes) == 2
    r = await client.post(
        "/api/v1/auth/mfa/verify", json={"mfa_token": challenge["mfa_token"], "code": code_in(codes[-1])}
    )
    assert r.status_code == 200 and r.json()["access_token"]
    again = assert_problem(
        await client.post(TOKEN, data={"username": d["username"], "password": STRONG}), 401, "mfa_required"
    )
    await client.post("/api/v1/auth/mfa/send", json={"mfa_token": again["mfa_token"], "channel": "email"})
    assert_problem(
        await client.post("/api/v1/auth/mfa/send", json={"mfa_token": again["mfa_token"], "channel": "email"}),
        429,
        "otp.send_throttled",
    )


async def test_r_del_3_unknown_or_unverified_usernames_get_the_same_answer(client, admin, producer) -> None:
    d = await add_delegate(client, producer)  # email not verified yet
    a = await client.post("/api/v1/auth/otp", json={"username": d["username"], "channel": "email"})
    b = await client.post("/api/v1/auth/otp", json={"username": "nosuchdelegate1", "channel": "email"})
    assert a.status_code == b.status_code == 202 and a.json() == b.json()
    assert [m for m in await outbox(client, admin, d["email"]) if m["template"] == "verification_code"] == []


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1", "password.policy"),
        ("nodigitshere", "password.policy"),
        ("12345678901", "password.policy"),
        ("x" * 60 + "1234567", "password.policy"),
    ],
)
async def test_r_del_4_password_must_have_and_cant_have(client, admin, producer, password, code) -> None:
    d = await add_delegate(client, producer)
    await verify_link(client, admin, d)
    await client.post("/api/v1/auth/otp", json={"username": d["username"], "channel": "email"})
    c = await latest_code(client, admin, d["email"])
    assert_problem(
        await client.post(
            "/api/v1/auth/password", json={"username": d["username"], "code": c, "new_password": password}
        ),
        422,
        code,
    )


async def test_r_del_4_password_cannot_contain_the_username_or_reuse_the_last_ten(
    client, admin, producer, clock
) -> None:
    d = await add_delegate(client, producer)
    await verify_link(client, admin, d)

    async def attempt(pw: str):  # type: ignore[no-untyped-def]
        clock.advance(seconds=31)
        await client.post("/api/v1/auth/otp", json={"username": d["username"], "channel": "email"})
        c = await latest_code(client, admin, d["email"])
        return await client.post(
            "/api/v1/auth/password", json={"username": d["username"], "code": c, "new_password": pw}
        )

    assert_problem(await attempt(f"X{d['username'].upper()}9"), 422, "password.contains_username")
    used = [f"Passw0rd{i:02d}" for i in range(11)]
    for i, pw in enumerate(used):
        if i == 4:
            clock.advance(hours=1)  # stay under the hourly send cap
        assert (await attempt(pw)).status_code == 204
        if i % 4 == 3:
            clock.advance(hours=1)
    assert_problem(await attempt(used[-1]), 422, "password.reused")
    assert_problem(await attempt(used[1]), 422, "password.reused")  # among the last 10
    clock.advance(hours=1)
    assert (await attempt(used[0])).status_code == 204  # the 11th-last is allowed again


# --- R-DEL-5 -----------------------------------------------------------------


async def test_r_del_5_five_wrong_passwords_lock_for_30_minutes_then_unlock(client, admin, producer, clock) -> None:
    d = await ready_delegate(client, admin, producer, clock)
    for _ in range(4):
        wrong = assert_problem(
            await client.post(TOKEN, data={"username": d["username"], "password": "Wrong123"}),
            401,
            "invalid_credentials",
        )
        # issue 15: the delegate's count, not the producers' "After three attempts"
        assert "After five attempts" in wrong["detail"] and "30 minutes" in wrong["detail"]
        assert "three" not in wrong["detail"]
    body = assert_problem(
        await client.post(TOKEN, data={"username": d["username"], "password": "Wrong123"}), 423, "account_locked"
    )
    assert "30 minutes" in body["detail"]
    assert_problem(await client.post(TOKEN, data={"username": d["username"], "password": STRONG}), 423)
    assert (await client.get(f"/api/v1/delegates/{d['id']}", headers=producer)).json()["locked"] is True
    clock.advance(minutes=29)
    assert_problem(await client.post(TOKEN, data={"username": d["username"], "password": STRONG}), 423)
    clock.advance(minutes=1, seconds=1)
    assert_problem(
        await client.post(TOKEN, data={"username": d["username"], "password": STRONG}), 401, "mfa_required"
    )  # unlocked by itself; the password is right again


# --- R-DEL-6 -----------------------------------------------------------------


async def test_r_del_6_sign_in_needs_an_otp_then_remembered_device_skips_it(
    client, admin, producer, clock, app
) -> None:
    d = await ready_delegate(client, admin, producer, clock)
    challenge = assert_problem(
        await client.post(TOKEN, data={"username": d["username"], "password": STRONG}), 401, "mfa_required"
    )
    assert challenge["channels"] == ["email", "sms"] and challenge["destinations"]["sms"].endswith("0177")
    assert "@agency.example" in challenge["destinations"]["email"] and d["email"] != challenge["destinations"]["email"]
    tokens = await mfa_sign_in(client, admin, d, clock, remember=True)
    assert tokens["access_token"] and tokens["device_token"]
    me = (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})).json()
    assert me["role"] == "delegate" and me["username"] == d["username"]
    async with app.state.ctx.uow() as uow:
        assert (
            tokens["device_token"]
            not in (await uow.session.execute(select(RememberedDevice.token_hash))).scalars().all()
        )
    # the remembered device signs in without a code
    r = await client.post(
        TOKEN, data={"username": d["username"], "password": STRONG, "device_token": tokens["device_token"]}
    )
    assert r.status_code == 200 and r.json()["access_token"]
    # 30 days later it no longer does
    clock.advance(days=30, seconds=1)
    assert_problem(
        await client.post(
            TOKEN, data={"username": d["username"], "password": STRONG, "device_token": tokens["device_token"]}
        ),
        401,
        "mfa_required",
    )


async def test_r_del_6_wrong_mfa_code_and_one_use_challenge(client, admin, producer, clock) -> None:
    d = await ready_delegate(client, admin, producer, clock)
    ch = (await client.post(TOKEN, data={"username": d["username"], "password": STRONG})).json()
    await client.post("/api/v1/auth/mfa/send", json={"mfa_token": ch["mfa_token"], "channel": "sms"})
    assert_problem(
        await client.post("/api/v1/auth/mfa/verify", json={"mfa_token": ch["mfa_token"], "code": "ZZZZ9999"}),
        401,
        "otp.invalid",
    )
    [sms] = [m for m in await outbox(client, admin, d["mobile_number"]) if m["channel"] == "sms"]
    code = sms["body"].rsplit(" ", 1)[1]
    r = await client.post("/api/v1/auth/mfa/verify", json={"mfa_token": ch["mfa_token"], "code": code})
    assert r.status_code == 200 and r.json()["device_token"] is None
    assert_problem(
        await client.post("/api/v1/auth/mfa/verify", json={"mfa_token": ch["mfa_token"], "code": code}),
        401,
        "mfa_token_invalid",
    )


async def test_r_del_6_mfa_resend_is_throttled_with_429(client, admin, producer, clock) -> None:
    d = await ready_delegate(client, admin, producer, clock)
    ch = (await client.post(TOKEN, data={"username": d["username"], "password": STRONG})).json()
    assert (
        await client.post("/api/v1/auth/mfa/send", json={"mfa_token": ch["mfa_token"], "channel": "email"})
    ).status_code == 202
    r = await client.post("/api/v1/auth/mfa/send", json={"mfa_token": ch["mfa_token"], "channel": "email"})
    assert_problem(r, 429, "otp.send_throttled")
    assert int(r.headers["retry-after"]) <= 31


async def test_r_del_6_password_change_revokes_remembered_devices(client, admin, producer, clock) -> None:
    d = await ready_delegate(client, admin, producer, clock)
    tokens = await mfa_sign_in(client, admin, d, clock, remember=True)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    r = await client.put(
        "/api/v1/me/password",
        headers=auth,
        json={"current_password": STRONG, "new_password": "Fresh2026pw", "new_password_confirmation": "Fresh2026pw"},
    )
    assert r.status_code == 204, r.text
    assert_problem(await client.get("/api/v1/me", headers=auth), 401, "session_revoked")
    assert_problem(
        await client.post(
            TOKEN, data={"username": d["username"], "password": "Fresh2026pw", "device_token": tokens["device_token"]}
        ),
        401,
        "mfa_required",
    )
    assert (await outbox(client, admin, d["email"]))[-1]["subject"] == "Account Information - Update Password"


# --- R-DEL-7 -----------------------------------------------------------------


async def test_r_del_7_forgot_username_by_full_email(client, admin, producer, app, mail) -> None:
    d = await add_delegate(client, producer)
    a = await client.post("/api/v1/auth/forgot-username", json={"email": d["email"].upper()})
    b = await client.post("/api/v1/auth/forgot-username", json={"email": "nobody@agency.example"})
    assert a.status_code == b.status_code == 202 and a.json() == b.json()
    msgs = [m for m in await outbox(client, admin, d["email"]) if m["template"] == "forgot_username"]
    assert len(msgs) == 1 and f"linked to your email address: {d['username']}" in msgs[0]["body"]
    # issue 15: the Producer Experience Portal's wording and help desk, not the producers' RPP email
    await app.state.ctx.outbox.drain()
    [sent] = [m for m in mail.messages if m["to"].lower() == d["email"] and "Username Request" in m["subject"]]
    assert sent["subject"] == "Producer Experience Portal - Username Request"
    assert f"Username(s) linked to your email address: {d['username']}" in sent["body"]
    assert "Internet Help Desk at 1-888-706-0583" in sent["body"]
    assert "Retail Producer Portal" not in sent["body"] and "(888) 313-5526" not in sent["body"]


async def test_issue15_verification_link_points_at_the_configured_spa_route(settings, clock, producer) -> None:
    """R-DEL-2: PORTAL_DELEGATE_VERIFY_URL is the link target; the token from it still confirms through the API."""
    spa = "https://producers.example.com/#/delegate/confirm?t={token}"
    async with serve(settings, clock, delegate_verify_url=spa) as (spa_app, c):
        d = {**delegate_payload()}
        r = await c.post("/api/v1/delegates", json=d, headers=producer)
        assert r.status_code == 201, r.text
        async with spa_app.state.ctx.uow() as uow:
            stmt = select(OutboxMessage).where(OutboxMessage.to == d["email"])
            [welcome] = (await uow.session.execute(stmt)).scalars()
        found = re.search(r"https://producers\.example\.com/#/delegate/confirm\?t=(\S+)", welcome.body)
        assert found and "/delegate/verify-email" not in welcome.body
        r = await c.post("/api/v1/auth/email-verifications", json={"token": found.group(1)})
        assert r.status_code == 200 and r.json()["username"] == d["username"]


async def test_r_del_7_forgot_password_through_an_otp(client, admin, producer, clock) -> None:
    d = await ready_delegate(client, admin, producer, clock)
    await create_password(client, admin, d, password="Recovered2026", clock=clock)
    await mfa_sign_in(client, admin, d, clock, password="Recovered2026")
    assert_problem(
        await client.post(TOKEN, data={"username": d["username"], "password": STRONG}), 401, "invalid_credentials"
    )


# --- R-DEL-8 -----------------------------------------------------------------


async def test_r_del_8_removing_a_delegate_revokes_sessions_at_once(client, admin, producer, clock) -> None:
    d = await ready_delegate(client, admin, producer, clock)
    tokens = await mfa_sign_in(client, admin, d, clock, remember=True)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await client.get("/api/v1/me", headers=auth)).status_code == 200
    assert (await client.delete(f"/api/v1/delegates/{d['id']}", headers=producer)).status_code == 204
    assert_problem(await client.get("/api/v1/me", headers=auth), 401, "session_revoked")
    assert_problem(await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401)
    assert_problem(
        await client.post(
            TOKEN, data={"username": d["username"], "password": STRONG, "device_token": tokens["device_token"]}
        ),
        403,
        "account_inactive",
    )
    assert (await client.get("/api/v1/delegates", headers=producer)).json()["total"] == 0
    assert_problem(await client.get(f"/api/v1/delegates/{d['id']}", headers=producer), 404)


async def test_r_del_8_another_producers_delegate_is_404(client, producer, demo) -> None:
    d = await add_delegate(client, producer)
    other = await bearer(client, "otheragent", "Other123")
    assert_problem(await client.get(f"/api/v1/delegates/{d['id']}", headers=other), 404)
    assert_problem(await client.delete(f"/api/v1/delegates/{d['id']}", headers=other), 404)
    assert (await client.get(f"/api/v1/delegates/{d['id']}", headers=producer)).status_code == 200


# --- R-DEL-9 -----------------------------------------------------------------


async def test_r_del_9_delegates_are_refused_producer_resources(client, admin, producer, clock) -> None:
    d = await ready_delegate(client, admin, producer, clock)
    tokens = await mfa_sign_in(client, admin, d, clock)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    for method, path, body in [
        ("GET", "/api/v1/delegates", None),
        ("POST", "/api/v1/delegates", delegate_payload()),
        ("PATCH", "/api/v1/me", {"state_registrations": []}),
        ("POST", "/api/v1/me/state-registrations", {}),
        ("GET", "/api/v1/admin/outbox", None),
    ]:
        r = await client.request(method, path, headers=auth, json=body)
        problem = assert_problem(r, 403)
        assert problem["code"] in ("delegate_not_permitted",), (path, problem)
        assert "quotes and off-exchange enrollment" in problem["detail"]


async def test_r_del_9_the_permission_dependency_resolves_the_producers_book(
    client, admin, producer, clock, app
) -> None:
    """`ProducerOrDelegate` lets a delegate in and says whose book it works on."""

    async def quotes_probe(p: ProducerOrDelegate) -> dict[str, Any]:
        return {"acting_producer_id": p.acting_producer_id, "role": p.role.value}

    async def reports_probe(p: CurrentProducer) -> dict[str, Any]:
        return {"ok": True}

    app.add_api_route("/probe/quotes", quotes_probe)
    app.add_api_route("/probe/reports", reports_probe)
    d = await ready_delegate(client, admin, producer, clock)
    auth = {"Authorization": f"Bearer {(await mfa_sign_in(client, admin, d, clock))['access_token']}"}
    me = (await client.get("/api/v1/me", headers=producer)).json()
    assert (await client.get("/probe/quotes", headers=auth)).json() == {
        "acting_producer_id": me["id"],
        "role": "delegate",
    }
    assert (await client.get("/probe/quotes", headers=producer)).json()["acting_producer_id"] == me["id"]
    assert_problem(await client.get("/probe/reports", headers=auth), 403, "delegate_not_permitted")


async def test_r_auth_10_delegate_steps_are_audited(client, admin, producer, clock) -> None:
    d = await ready_delegate(client, admin, producer, clock)
    await mfa_sign_in(client, admin, d, clock)
    events = (
        await client.get(
            "/api/v1/admin/audit-events", params={"target_id": str(d["id"]), "page_size": 50}, headers=admin
        )
    ).json()["items"]
    actions = {e["action"] for e in events}
    assert {
        "delegate.created",
        "delegate.email_verified",
        "otp.sent",
        "auth.password_changed",
        "auth.mfa_challenge",
        "auth.sign_in",
    } <= actions


async def test_issue14_r_del_9_a_delegates_me_lists_the_writing_numbers_it_may_use(
    client, admin, producer, clock
) -> None:
    """Issue 14: a delegate's GET /me shows its producer's active registrations in the delegate's states (the
    writing numbers it may choose on an application), and whom it acts for; its own account has none."""
    own = (await client.get("/api/v1/me", headers=producer)).json()
    active = {r["state"]: r for r in own["state_registrations"] if r["status"] == "active"}
    assert "IL" in active and own["producer_id"] is None
    d = await ready_delegate(client, admin, producer, clock)  # assigned IL
    tokens = await mfa_sign_in(client, admin, d, clock)
    me = (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})).json()
    assert me["role"] == "delegate" and me["producer_id"] == own["id"]
    assert [(r["state"], r["agent_unique_id"]) for r in me["state_registrations"]] == [
        ("IL", active["IL"]["agent_unique_id"])
    ]
