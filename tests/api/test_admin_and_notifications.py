"""Admin role checks, the outbox (R-NOTE-1, R-NOTE-2) over a real SMTP server, audit listing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.repositories.orm import OutboxMessage
from tests.helpers import assert_problem, bearer, outbox, registration

ADMIN_GETS = [
    "/api/v1/admin/registrations",
    "/api/v1/admin/outbox",
    "/api/v1/admin/audit-events",
    "/api/v1/admin/users",
]
ADMIN_POSTS = ["/api/v1/admin/registrations/1/activate", "/api/v1/admin/users/1/unlock"]


@pytest.mark.parametrize("path", ADMIN_GETS + ADMIN_POSTS)
async def test_admin_routes_need_the_admin_role(client, demo, path) -> None:
    call = client.get if path in ADMIN_GETS else client.post
    assert_problem(await call(path), 401, "not_authenticated")
    producer = await bearer(client, "demoagent", "Demo1234")
    body = assert_problem(await call(path, headers=producer), 403, "forbidden_role")
    assert "admin" in body["detail"]


async def test_unknown_ids_on_admin_actions_are_404(client, demo) -> None:
    admin = await bearer(client, "admin", "Admin123")
    assert_problem(await client.post("/api/v1/admin/registrations/999999/activate", headers=admin), 404)
    assert_problem(await client.post("/api/v1/admin/users/999999/unlock", headers=admin), 404)


async def test_r_note_1_email_goes_through_smtp_and_stays_in_the_outbox(client, demo, app, mail) -> None:
    admin = await bearer(client, "admin", "Admin123")
    payload = registration()
    to = payload["state_registrations"][0]["email"]
    await client.post("/api/v1/registrations", json=payload)
    [queued] = await outbox(client, admin, to.upper())  # case-insensitive match on email
    assert queued["channel"] == "email" and queued["template"] == "registration_received"
    await app.state.ctx.outbox.drain()  # the background dispatcher may already have sent it
    [row] = await outbox(client, admin, to)
    assert row["status"] == "sent" and row["sent_at"] and row["attempts"] == 1
    delivered = [m for m in mail.messages if m["to"] == to]
    assert len(delivered) == 1
    assert delivered[0]["subject"] == "Retail Producer Portal Registration Received"
    assert "within 1 business day" in delivered[0]["body"]


async def test_r_note_2_a_failed_send_is_kept_and_retried(client, demo, app, mail, clock) -> None:
    admin = await bearer(client, "admin", "Admin123")
    payload = registration()
    to = payload["state_registrations"][0]["email"]
    mail.fail_next = 1
    await client.post("/api/v1/registrations", json=payload)
    await app.state.ctx.outbox.drain()
    [row] = await outbox(client, admin, to)
    assert row["status"] == "failed" and row["attempts"] == 1 and "451" in row["last_error"]
    assert not [m for m in mail.messages if m["to"] == to]
    await app.state.ctx.outbox.drain()  # not due yet: backoff
    assert (await outbox(client, admin, to))[0]["attempts"] == 1
    clock.advance(seconds=61)
    await app.state.ctx.outbox.drain()
    [row] = await outbox(client, admin, to)
    assert row["status"] == "sent" and row["attempts"] == 2 and row["last_error"] is None
    assert len([m for m in mail.messages if m["to"] == to]) == 1


async def test_r_note_2_messages_survive_an_smtp_outage(settings, clock, demo, app) -> None:
    """With no SMTP server at all, the message is still in the outbox, marked failed."""
    from app.adapters.notifier import SmtpTransport
    from app.outbox import OutboxDispatcher

    dead = OutboxDispatcher(
        sessionmaker=app.state.ctx.db.sessionmaker,
        email=SmtpTransport(host="127.0.0.1", port=1, sender="x@y.example", timeout=2),
        sms=app.state.ctx.outbox.sms,
        clock=clock,
        retry_seconds=30,
        max_attempts=3,
    )
    async with app.state.ctx.uow() as uow:
        from app.domain.messages import registration_received

        dead.enqueue_email(uow, to="someone@agency.example", message=registration_received("Sam"))
        await uow.commit()
    await dead.drain()
    async with app.state.ctx.uow() as uow:
        row = (
            await uow.session.execute(select(OutboxMessage).where(OutboxMessage.to == "someone@agency.example"))
        ).scalar_one()
    assert row.status == "failed" and row.attempts == 1 and row.body.startswith("Hello Sam")


async def test_r_note_1_sms_goes_through_the_gateway_and_matches_by_digits(client, demo, app) -> None:
    admin = await bearer(client, "admin", "Admin123")
    async with app.state.ctx.uow() as uow:
        app.state.ctx.outbox.enqueue_sms(
            uow, to="+1 (312) 555-0100", body="Your verification code is K7Q2M9XA", template="otp"
        )
        await uow.commit()
    await app.state.ctx.outbox.drain()
    [row] = await outbox(client, admin, "312-555-0100")
    assert row["channel"] == "sms" and row["status"] == "sent" and row["subject"] is None
    assert app.state.ctx.outbox.sms.sent[-1] == ("+1 (312) 555-0100", "Your verification code is K7Q2M9XA")


async def test_outbox_lists_oldest_first_with_paging(client, demo) -> None:
    admin = await bearer(client, "admin", "Admin123")
    for _ in range(3):
        await client.post("/api/v1/registrations", json=registration())
    page1 = (await client.get("/api/v1/admin/outbox", params={"page_size": 2}, headers=admin)).json()
    page2 = (await client.get("/api/v1/admin/outbox", params={"page_size": 2, "page": 2}, headers=admin)).json()
    assert page1["total"] == 3 and len(page1["items"]) == 2 and len(page2["items"]) == 1
    ids = [m["id"] for m in page1["items"] + page2["items"]]
    assert ids == sorted(ids)


async def test_page_size_over_200_is_refused(client, demo) -> None:
    admin = await bearer(client, "admin", "Admin123")
    body = assert_problem(await client.get("/api/v1/admin/outbox", params={"page_size": 201}, headers=admin), 422)
    assert body["errors"][0]["field"] == "page_size"


async def test_audit_events_filter_by_action_and_newest_first(client, demo) -> None:
    admin = await bearer(client, "admin", "Admin123")
    await client.post("/api/v1/auth/token", data={"username": "demoagent", "password": "Demo1234"})
    items = (await client.get("/api/v1/admin/audit-events", params={"action": "auth.sign_in"}, headers=admin)).json()[
        "items"
    ]
    assert [e["actor_username"] for e in items] == ["demoagent", "admin"]
    assert all(e["action"] == "auth.sign_in" for e in items)


async def test_audit_events_since_filter_takes_iso_dates_and_refuses_nonsense(client, demo, clock) -> None:
    admin = await bearer(client, "admin", "Admin123")
    later = (clock.now().replace(year=2027)).date().isoformat()
    assert (await client.get("/api/v1/admin/audit-events", params={"since": later}, headers=admin)).json()["total"] == 0
    got = (
        await client.get("/api/v1/admin/audit-events", params={"since": "2026-01-01T00:00:00Z"}, headers=admin)
    ).json()
    assert got["total"] >= 1
    assert_problem(await client.get("/api/v1/admin/audit-events", params={"since": "0.5"}, headers=admin), 422)
    assert_problem(
        await client.get("/api/v1/admin/audit-events", params={"since": "2026-13-45"}, headers=admin),
        422,
        "invalid_datetime",
    )
