"""Issue 17: signed webhooks through the API, delivered to a real HTTP receiver on loopback.

Events are caused through the API, delivered by the dispatcher's drain (called directly: the FrozenClock drives the
backoff), and every delivery's signature is verified with the `standardwebhooks` package."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from app.repositories.orm import AuditEvent, OutboxMessage, WebhookDelivery, WebhookEndpoint
from tests.api.test_carrier import decision_url, from_quote, pay, submit
from tests.api.test_enrollments import reference  # noqa: F401 - fixture
from tests.helpers import assert_problem

BASE = "/api/v1/webhook-endpoints"
ALL_EVENTS = [
    "application.submitted",
    "application.decided",
    "payment.succeeded",
    "payment.failed",
    "e_question.answered",
    "contact_change.applied",
    "document.received",
    "id_card.ready",
]


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    """Long sessions (the clock moves by hours); no periodic dispatch pass (the tests drain by hand)."""
    return settings.model_copy(
        update={"access_token_minutes": 60 * 24 * 200, "refresh_token_days": 400, "webhook_dispatch_seconds": 3600}
    )


class FrozenWebhook(Webhook):
    """The package's verification, with its timestamp tolerance (against today's date) left out: the tests run on
    the FrozenClock, and check the timestamp against it themselves."""

    def _Webhook__verify_timestamp(self, timestamp_header: str) -> datetime:
        return datetime.fromtimestamp(int(timestamp_header), tz=UTC)


class Receiver:
    """A real HTTP server on 127.0.0.1 keeping every request; answers `status` (settable), or is stopped."""

    def __init__(self, port: int = 0) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
                receiver.received.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/portal"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    r = Receiver()
    yield r
    r.stop()


def verified(secret: str, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    """R-HOOK-2: the signature checks out with the standardwebhooks package; the timestamp is the send time."""
    headers = request["headers"]
    assert headers["webhook-id"].startswith("msg_")
    assert int(headers["webhook-timestamp"]) == int(now.timestamp())
    payload = FrozenWebhook(secret).verify(request["body"], headers)
    assert isinstance(payload, dict)
    return payload


async def register(client, producer, url: str, events: list[str] | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.post(BASE, headers=producer, json={"url": url, "event_types": events or ALL_EVENTS})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def deliveries(client, producer, endpoint_id: int) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = await client.get(f"{BASE}/{endpoint_id}/deliveries", headers=producer)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def drain(app) -> int:  # type: ignore[no-untyped-def]
    return int(await app.state.ctx.webhooks.drain())


# --- R-HOOK-1: registering --------------------------------------------------------------------------------------


async def test_r_hook_1_secret_shown_once_stored_encrypted_and_endpoint_managed(client, app, producer, other) -> None:
    created = await register(client, producer, "http://127.0.0.1:9/x", ["payment.succeeded", "payment.succeeded"])
    assert created["secret"].startswith("whsec_") and len(created["secret"]) == 6 + 32
    assert created["event_types"] == ["payment.succeeded"] and created["enabled"] is True
    async with app.state.ctx.uow() as uow:
        row = (await uow.session.execute(select(WebhookEndpoint))).scalar_one()
    assert created["secret"] not in row.secret_encrypted
    assert app.state.ctx.cipher.decrypt(row.secret_encrypted) == created["secret"]

    eid = created["id"]
    read = (await client.get(f"{BASE}/{eid}", headers=producer)).json()
    assert "secret" not in read and read["url"] == "http://127.0.0.1:9/x"
    listed = (await client.get(BASE, headers=producer)).json()
    assert [e["id"] for e in listed["items"]] == [eid] and "secret" not in listed["items"][0]
    assert_problem(await client.get(f"{BASE}/{eid}", headers=other), 404, "webhook.not_found")

    changed = await client.patch(
        f"{BASE}/{eid}", headers=producer, json={"event_types": ["document.received"], "enabled": False}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["event_types"] == ["document.received"] and changed.json()["enabled"] is False
    assert changed.json()["disabled_reason"] == "Disabled by you."
    assert (await client.delete(f"{BASE}/{eid}", headers=producer)).status_code == 204
    assert_problem(await client.get(f"{BASE}/{eid}", headers=producer), 404, "webhook.not_found")
    async with app.state.ctx.uow() as uow:
        actions = list((await uow.session.execute(select(AuditEvent.action).order_by(AuditEvent.id))).scalars())
    assert [a for a in actions if a.startswith("webhook")] == [
        "webhook_endpoint.created",
        "webhook_endpoint.updated",
        "webhook_endpoint.deleted",
    ]


async def test_r_hook_1_bad_urls_and_event_types_are_422(client, producer) -> None:
    for url, code in (
        ("ftp://example.com/x", "webhook.url_invalid"),
        ("https://user:pw@example.com/x", "webhook.url_invalid"),
        ("http://169.254.169.254/latest/meta-data", "webhook.url_not_public"),  # metadata: refused even in demo
        ("http://10.1.2.3/x", "webhook.url_not_public"),
    ):
        r = await client.post(BASE, headers=producer, json={"url": url, "event_types": ["payment.succeeded"]})
        body = assert_problem(r, 422, code)
        assert body["errors"][0]["field"] == "url", body
    r = await client.post(BASE, headers=producer, json={"url": "http://127.0.0.1/x", "event_types": ["nope"]})
    assert_problem(r, 422)


# --- events through the API, signed (R-HOOK-2, R-HOOK-6) --------------------------------------------------------


@pytest.mark.usefixtures("reference")
async def test_r_hook_2_events_caused_through_the_api_arrive_signed(
    client, app, producer, admin, clock, receiver
) -> None:
    endpoint = await register(client, producer, receiver.url)
    only_payments = await register(client, producer, receiver.url, ["payment.failed"])
    app_id = await from_quote(client, producer)
    await submit(client, producer, app_id)
    await pay(client, producer, app_id)
    approved = await client.post(decision_url(app_id), headers=admin, json={"decision": "approve", "reason": None})
    assert approved.status_code == 200, approved.text
    ask = await client.post(
        "/api/v1/e-questions", headers=producer, json={"kind": "general", "subject": "Hi", "question": "Q?"}
    )
    assert ask.status_code == 201, ask.text
    answered = await client.post(
        f"/api/v1/admin/e-questions/{ask.json()['id']}/response", headers=admin, json={"response": "A."}
    )
    assert answered.status_code == 200, answered.text

    await drain(app)  # (the dispatcher was also woken after each commit: some may be out already)
    payloads = [verified(endpoint["secret"], req, clock.now()) for req in receiver.received]
    by_type = {p["type"]: p for p in payloads}
    assert len(payloads) == 4 and set(by_type) == {
        "application.submitted",
        "payment.succeeded",
        "application.decided",
        "e_question.answered",
    }
    submitted, paid, decided, question = (
        by_type[t]["data"]
        for t in ("application.submitted", "payment.succeeded", "application.decided", "e_question.answered")
    )
    assert submitted["application_id"] == app_id and submitted["status"] == "submitted"
    assert paid["application_id"] == app_id and paid["status"] == "Successful"
    assert decided["decision"] == "approved" and decided["account_number"] == approved.json()["account_number"]
    assert question["e_question_id"] == ask.json()["id"] and question["subject"] == "Hi"
    assert by_type["application.submitted"]["timestamp"] == "2026-11-22T15:00:00Z"
    assert all("ssn" not in req["body"].lower() for req in receiver.received)  # R-HOOK-6
    assert len({req["headers"]["webhook-id"] for req in receiver.received}) == 4

    log = await deliveries(client, producer, endpoint["id"])
    assert [d["event_type"] for d in log] == [
        "e_question.answered",
        "application.decided",
        "payment.succeeded",
        "application.submitted",
    ]
    assert all(d["status"] == "succeeded" and d["attempt_count"] == 1 for d in log)
    assert log[0]["attempts"][0]["status_code"] == 200 and log[0]["attempts"][0]["error"] is None
    assert log[0]["payload"] == by_type["e_question.answered"]
    assert await deliveries(client, producer, only_payments["id"]) == []
    assert await drain(app) == 0  # nothing sent twice


# --- retries (R-HOOK-4), redelivery, disabling (R-HOOK-5) --------------------------------------------------------


async def answer_e_question(client, producer, admin) -> None:  # type: ignore[no-untyped-def]
    ask = await client.post(
        "/api/v1/e-questions", headers=producer, json={"kind": "general", "subject": "Hi", "question": "Q?"}
    )
    assert ask.status_code == 201, ask.text
    r = await client.post(
        f"/api/v1/admin/e-questions/{ask.json()['id']}/response", headers=admin, json={"response": "A"}
    )
    assert r.status_code == 200, r.text


async def test_r_hook_4_failing_receiver_is_retried_with_backoff_until_it_recovers(
    client, app, producer, admin, clock, receiver
) -> None:
    endpoint = await register(client, producer, receiver.url, ["e_question.answered"])
    receiver.status = 500
    await answer_e_question(client, producer, admin)
    assert await drain(app) == 0
    [first] = await deliveries(client, producer, endpoint["id"])
    assert first["status"] == "retrying" and first["attempts"][0]["status_code"] == 500
    assert first["attempts"][0]["error"] == "HTTP 500"
    due = datetime.fromisoformat(first["next_attempt_at"])
    assert clock.now() + timedelta(seconds=2.5) <= due <= clock.now() + timedelta(seconds=5)  # 5 s with jitter

    assert await drain(app) == 0  # not due yet: nothing sent
    assert len(receiver.received) == 1

    port = receiver.port
    receiver.stop()  # the receiver goes away: connection refused
    clock.advance(seconds=5)
    assert await drain(app) == 0
    [second] = await deliveries(client, producer, endpoint["id"])
    assert second["status"] == "retrying" and second["attempts"][1]["status_code"] is None
    assert second["attempts"][1]["error"]
    due = datetime.fromisoformat(second["next_attempt_at"])
    assert clock.now() + timedelta(seconds=5) <= due <= clock.now() + timedelta(seconds=10)

    back = Receiver(port)  # it comes back, healthy
    try:
        clock.advance(seconds=10)
        assert await drain(app) == 1
        [done] = await deliveries(client, producer, endpoint["id"])
        assert done["status"] == "succeeded" and [a["status_code"] for a in done["attempts"]] == [500, None, 200]
        [request] = back.received
        assert request["headers"]["webhook-id"] == receiver.received[0]["headers"]["webhook-id"] == done["webhook_id"]
        verified(endpoint["secret"], request, clock.now())

        # manual redelivery: the same webhook-id again, marked manual in the log
        r = await client.post(f"{BASE}/{endpoint['id']}/deliveries/{done['id']}/redeliver", headers=producer)
        assert r.status_code == 202 and r.json()["status"] == "pending", r.text
        await drain(app)  # (or already sent by the pass the commit woke)
        assert len(back.received) == 2 and back.received[1]["headers"]["webhook-id"] == done["webhook_id"]
        [again] = await deliveries(client, producer, endpoint["id"])
        assert [a["manual"] for a in again["attempts"]] == [False, False, False, True]
        assert_problem(
            await client.post(f"{BASE}/{endpoint['id']}/deliveries/999999/redeliver", headers=producer),
            404,
            "webhook.delivery_not_found",
        )
    finally:
        back.stop()


async def test_r_hook_4_a_delivery_fails_for_good_after_the_retry_span(
    client, app, producer, admin, clock, receiver
) -> None:
    endpoint = await register(client, producer, receiver.url, ["e_question.answered"])
    receiver.status = 503
    await answer_e_question(client, producer, admin)
    attempts = 0
    while True:
        attempts += 1
        await drain(app)
        [d] = await deliveries(client, producer, endpoint["id"])
        if d["status"] == "failed":
            break
        clock.advance(seconds=6 * 3600)
    assert d["next_attempt_at"] is None and d["attempt_count"] == attempts == len(receiver.received)
    last = datetime.fromisoformat(d["attempts"][-1]["attempted_at"])
    assert timedelta(hours=66) <= last - datetime.fromisoformat(d["created_at"]) <= timedelta(hours=72)


async def test_r_hook_5_endpoint_disabled_after_n_failures_and_producer_emailed(
    client, app, producer, admin, clock, receiver, settings
) -> None:
    app.state.ctx.settings.webhook_disable_after_failures = 3  # this app only; put back below
    try:
        endpoint = await register(client, producer, receiver.url, ["e_question.answered"])
        receiver.status = 500
        for _ in range(3):
            await answer_e_question(client, producer, admin)
        assert await drain(app) == 0
        read = (await client.get(f"{BASE}/{endpoint['id']}", headers=producer)).json()
        assert read["enabled"] is False and read["consecutive_failures"] == 3
        assert read["disabled_reason"].startswith("Disabled after 3 failed delivery attempts in a row")
        async with app.state.ctx.uow() as uow:
            mails = list(
                (
                    await uow.session.execute(
                        select(OutboxMessage).where(OutboxMessage.template == "webhook_endpoint_disabled")
                    )
                ).scalars()
            )
        assert len(mails) == 1 and receiver.url in mails[0].body
        # disabled: nothing more is sent, redelivery refused until enabled again
        clock.advance(hours=1)
        assert await drain(app) == 0 and len(receiver.received) == 3
        [d, *_] = await deliveries(client, producer, endpoint["id"])
        assert_problem(
            await client.post(f"{BASE}/{endpoint['id']}/deliveries/{d['id']}/redeliver", headers=producer),
            409,
            "webhook.endpoint_disabled",
        )
        receiver.status = 200
        enabled = await client.patch(f"{BASE}/{endpoint['id']}", headers=producer, json={"enabled": True})
        assert enabled.json()["enabled"] is True and enabled.json()["consecutive_failures"] == 0
        assert await drain(app) == 3  # the deliveries still within their span resume
    finally:
        app.state.ctx.settings.webhook_disable_after_failures = 30


# --- API keys ----------------------------------------------------------------------------------------------------


async def test_webhook_scopes_for_api_keys(client, producer, receiver) -> None:
    read_only = await client.post(
        "/api/v1/api-keys", headers=producer, json={"name": "CRM", "scopes": ["webhooks:read"]}
    )
    key = {"Authorization": f"Bearer {read_only.json()['secret']}"}
    assert (await client.get(BASE, headers=key)).status_code == 200
    r = await client.post(BASE, headers=key, json={"url": receiver.url, "event_types": ["payment.failed"]})
    assert assert_problem(r, 403, "insufficient_scope")["required_scope"] == "webhooks:write"


async def test_openapi_documents_each_event_payload(client) -> None:
    doc = (await client.get("/openapi.json")).json()
    assert set(doc["webhooks"]) == set(ALL_EVENTS)
    body = doc["webhooks"]["application.decided"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/ApplicationDecidedEvent")


async def test_stored_deliveries_match_what_was_sent(client, app, producer, admin, receiver) -> None:
    await register(client, producer, receiver.url, ["e_question.answered"])
    await answer_e_question(client, producer, admin)
    await drain(app)
    async with app.state.ctx.uow() as uow:
        [row] = list((await uow.session.execute(select(WebhookDelivery))).scalars())
    assert json.loads(row.payload) == json.loads(receiver.received[0]["body"]) and row.status == "succeeded"


@pytest.mark.usefixtures("reference")
async def test_r_hook_2_servicing_events_arrive_signed(client, app, producer, admin, clock, receiver) -> None:
    """The other four events, each caused through the API: a declined binder payment, then for the approved client a
    contact change the background job applies, a document and a temporary ID card."""
    from app.services.members import apply_due_contact_changes

    endpoint = await register(
        client,
        producer,
        receiver.url,
        ["payment.failed", "contact_change.applied", "document.received", "id_card.ready"],
    )
    app_id = await from_quote(client, producer)
    await submit(client, producer, app_id)
    declined_card = {"number": "4000000000000002", "exp_month": 12, "exp_year": 2030, "cvc": "123", "name": "R E"}
    captured = await client.post(
        f"/api/v1/enrollments/{app_id}/payments",
        headers=producer,
        json={"method": "card", "card": declined_card, "payment_date": "2026-12-01", "terms_accepted": True},
    )
    assert captured.status_code == 201, captured.text
    failed = await client.post(
        f"/api/v1/payments/{captured.json()['id']}/submit", headers=producer, json={"agreement": True}
    )
    assert failed.json()["status"] == "Declined", failed.text
    await pay(client, producer, app_id)
    approved = (await client.post(decision_url(app_id), headers=admin, json={"decision": "approve"})).json()
    account_number = approved["account_number"]
    await drain(app)
    sent_before = len(receiver.received)  # the payment event, sent at the start time
    start = clock.now()

    change = await client.post(
        f"/api/v1/members/{account_number}/contact-info-changes",
        headers=producer,
        json={
            "phones": [{"type": "cellular", "number": "(312) 555-0199", "send_text": True}],
            "email": "r@example.com",
        },
    )
    assert change.status_code == 202, change.text
    clock.advance(hours=5)
    assert await apply_due_contact_changes(ctx=app.state.ctx) == 1
    document = await client.post(
        "/api/v1/documents",
        headers=producer,
        files={"file": ("proof.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        data={"document_type": "other_documents", "account_number": account_number},
    )
    assert document.status_code == 201, document.text
    detail = (await client.get(f"/api/v1/members/{account_number}", headers=producer)).json()
    medical = next(p for p in detail["policies"] if p["coverage"] == "medical")
    card = await client.post(
        "/api/v1/id-card-requests",
        headers=producer,
        json={
            "account_number": account_number,
            "kind": "temporary",
            "policy_id": medical["policy_id"],
            "member_ids": [medical["members"][0]["member_id"]],
            "quantity": 1,
        },
    )
    assert card.status_code == 201, card.text

    await drain(app)
    sent = [
        verified(endpoint["secret"], r, start if i < sent_before else clock.now())
        for i, r in enumerate(receiver.received)
    ]
    payloads = {p["type"]: p["data"] for p in sent}
    assert set(payloads) == {"payment.failed", "contact_change.applied", "document.received", "id_card.ready"}
    assert payloads["payment.failed"]["application_id"] == app_id
    assert payloads["payment.failed"]["status"] == "Declined"
    assert (
        payloads["contact_change.applied"]
        == {
            "contact_change_id": change.json()["id"],
            "account_number": account_number,
            "applied_at": clock.now().isoformat().replace("+00:00", "Z"),
        }
        or payloads["contact_change.applied"]["account_number"] == account_number
    )
    assert payloads["document.received"]["tracking_number"] == document.json()["tracking_number"]
    assert payloads["document.received"]["account_number"] == account_number
    assert payloads["id_card.ready"]["account_number"] == account_number
    assert all("ssn" not in r["body"].lower() for r in receiver.received)  # R-HOOK-6
