"""E-questions through the API: ask, list, delete; the carrier answers (R-EQ-1 .. R-EQ-4, R-BOOK-1, R-DEL-9)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.e_questions import EQuestionDraft, EQuestionKind, check_e_question
from app.repositories.orm import AuditEvent, EQuestion, IdempotencyKey
from app.schemas.e_questions import EQuestionRead
from app.services.idempotency import request_fingerprint
from tests.api.test_delegates import mfa_sign_in, ready_delegate
from tests.conftest import START
from tests.factories import producer_id
from tests.helpers import assert_problem, outbox

EQ = "/api/v1/e-questions"


def general(**overrides: Any) -> dict[str, Any]:
    return {"kind": "general", "subject": "Having RPP Issues", "question": "The report page is blank.", **overrides}


def member_specific(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "member_specific",
        "subject": "Needs ID Card",
        "question": "Please mail a new ID card.",
        "client_first_name": "Jane",
        "client_middle_initial": "q",
        "client_last_name": "Doe",
        "client_id": "730075112",
        **overrides,
    }  # demoagent's client (issue 12 #10: in the asker's book)


async def ask(client, headers, body) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.post(EQ, json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def stored(app) -> list[EQuestion]:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        return list((await uow.session.execute(select(EQuestion).order_by(EQuestion.id))).scalars())


async def make_e_question(client, app, producer) -> str:  # type: ignore[no-untyped-def]
    """Isolation-matrix maker: an e-question in demoagent's book."""
    return str((await ask(client, producer, general()))["id"])


# --- R-EQ-1 / R-EQ-3: asking ---------------------------------------------------------------------------------


async def test_r_eq_1_general_question_needs_subject_and_question_only(client, app, producer) -> None:
    q = await ask(client, producer, general())
    assert re.fullmatch(r"EQU\d+", q["tracking_number"])
    assert q["status"] == "In Progress" and q["kind"] == "general"
    assert q["subject"] == "Having RPP Issues" and q["question"] == "The report page is blank."
    assert q["responded_at"] is None and q["response"] is None
    assert q["client_id"] is None and q["client_name"] is None and q["client_first_name"] is None
    assert q["submitted_at"].startswith(START.strftime("%Y-%m-%dT%H:%M:%S"))
    [row] = await stored(app)
    assert (row.id, row.tracking_number, row.status, row.kind) == (
        q["id"],
        q["tracking_number"],
        "In Progress",
        "general",
    )
    async with app.state.ctx.uow() as uow:
        me = await producer_id(uow, "demoagent")
    assert row.producer_id == me and row.asked_by_id == me and row.deleted_at is None


async def test_r_eq_1_a_general_question_carries_no_client_fields(client, app, producer) -> None:
    body = assert_problem(
        await client.post(EQ, json=general(client_id="1231231234", client_last_name="Doe"), headers=producer), 422
    )
    assert {e["field"] for e in body["errors"]} == {"client_id", "client_last_name"}
    assert {e["code"] for e in body["errors"]} == {"e_question.not_for_general"}
    q = await ask(client, producer, general(client_id=None, client_first_name=None))  # null is fine
    assert q["client_id"] is None
    assert len(await stored(app)) == 1


async def test_r_eq_1_member_specific_needs_the_client(client, app, producer) -> None:
    q = await ask(client, producer, member_specific())
    assert q["kind"] == "member_specific" and q["client_id"] == "730075112"
    assert q["client_middle_initial"] == "Q" and q["client_name"] == "Jane Q Doe"
    q = await ask(client, producer, member_specific(client_middle_initial=None))  # middle initial optional
    assert q["client_name"] == "Jane Doe"
    body = assert_problem(
        await client.post(
            EQ, json={k: v for k, v in member_specific().items() if not k.startswith("client_")}, headers=producer
        ),
        422,
    )
    assert {e["field"] for e in body["errors"]} == {"client_first_name", "client_last_name", "client_id"}
    assert all(e["code"] == "e_question.client_required" for e in body["errors"])
    body = assert_problem(
        await client.post(EQ, json=member_specific(client_last_name="  "), headers=producer),
        422,
        "e_question.client_required",
    )
    assert body["errors"][0]["field"] == "client_last_name"
    body = assert_problem(
        await client.post(EQ, json=member_specific(client_middle_initial="AB"), headers=producer), 422
    )
    assert body["errors"][0]["field"] == "client_middle_initial"
    body = assert_problem(await client.post(EQ, json=member_specific(client_id="12-34"), headers=producer), 422)
    assert body["errors"][0]["field"] == "client_id"
    assert len(await stored(app)) == 2


async def test_r_eq_2_question_at_most_1000_characters(client, app, producer) -> None:
    q = await ask(client, producer, general(question="x" * 1000))
    assert len(q["question"]) == 1000
    body = assert_problem(await client.post(EQ, json=general(question="x" * 1001), headers=producer), 422)
    assert [e["field"] for e in body["errors"]] == ["question"]
    assert "1000" in body["errors"][0]["message"]
    assert [len(r.question) for r in await stored(app)] == [1000]


@pytest.mark.parametrize("subject", [None, "", "   "])
async def test_r_eq_2_subject_is_required(client, app, producer, subject) -> None:
    payload = general(subject=subject)
    if subject is None:
        del payload["subject"]
    body = assert_problem(await client.post(EQ, json=payload, headers=producer), 422)
    assert [e["field"] for e in body["errors"]] == ["subject"]
    assert await stored(app) == []


async def test_r_eq_1_kind_must_be_general_or_member_specific_and_extra_fields_are_refused(client, producer) -> None:
    body = assert_problem(await client.post(EQ, json=general(kind="urgent"), headers=producer), 422)
    assert body["errors"][0]["field"] == "kind"
    body = assert_problem(await client.post(EQ, json=general(status="Responded"), headers=producer), 422)
    assert body["errors"][0]["field"] == "status"


async def test_r_eq_3_tracking_numbers_are_unique_equ_digits(client, producer, other) -> None:
    numbers = [(await ask(client, h, general()))["tracking_number"] for h in (producer, other, producer)]
    assert len(set(numbers)) == 3 and all(re.fullmatch(r"EQU\d+", n) for n in numbers)


# --- R-EQ-4: My E-Questions -----------------------------------------------------------------------------------


async def test_r_eq_4_my_e_questions_newest_first_with_the_guides_columns(client, producer, other, clock) -> None:
    first = await ask(client, producer, general())
    clock.advance(minutes=1)
    second = await ask(client, producer, member_specific())
    await ask(client, other, general(subject="Not yours"))
    r = await client.get(EQ, headers=producer)
    assert r.status_code == 200, r.text
    page = r.json()
    assert (page["total"], page["page"], page["page_size"]) == (2, 1, 25)
    top, bottom = page["items"]
    assert top["number"] == 1 and bottom["number"] == 2
    assert top["tracking_number"] == second["tracking_number"] and bottom["id"] == first["id"]
    assert (top["subject"], top["status"], top["client_id"], top["client_name"]) == (
        "Needs ID Card",
        "In Progress",
        "730075112",
        "Jane Q Doe",
    )
    assert top["responded_at"] is None and bottom["client_name"] is None
    assert top["submitted_at"] > bottom["submitted_at"]
    page2 = (await client.get(EQ, headers=producer, params={"page": 2, "page_size": 1})).json()
    assert [(i["number"], i["id"]) for i in page2["items"]] == [(2, first["id"])]


async def test_r_eq_4_get_and_delete_my_own_others_are_404(client, app, producer, other) -> None:
    mine = await ask(client, producer, member_specific())
    theirs = await ask(client, other, general())
    r = await client.get(f"{EQ}/{mine['id']}", headers=producer)
    assert r.status_code == 200 and r.json() == mine
    assert_problem(await client.get(f"{EQ}/{theirs['id']}", headers=producer), 404, "not_found")
    assert_problem(await client.delete(f"{EQ}/{theirs['id']}", headers=producer), 404, "not_found")
    r = await client.delete(f"{EQ}/{mine['id']}", headers=producer)
    assert r.status_code == 204 and r.content == b""
    assert (await client.get(EQ, headers=producer)).json()["total"] == 0
    assert_problem(await client.get(f"{EQ}/{mine['id']}", headers=producer), 404, "not_found")
    assert_problem(await client.delete(f"{EQ}/{mine['id']}", headers=producer), 404, "not_found")
    rows = {q.id: q for q in await stored(app)}
    assert rows[mine["id"]].deleted_at is not None and rows[theirs["id"]].deleted_at is None
    assert_problem(await client.get(f"{EQ}/999999999", headers=producer), 404, "not_found")


# --- R-EQ-3: the carrier's answer --------------------------------------------------------------------------


async def test_r_eq_3_admin_answer_sets_responded_once_and_emails_the_producer(
    client, app, producer, admin, clock
) -> None:
    q = await ask(client, producer, member_specific())
    clock.advance(minutes=10)
    queue = (await client.get("/api/v1/admin/e-questions", headers=admin, params={"status": "In Progress"})).json()
    assert [i["id"] for i in queue["items"]] == [q["id"]]
    r = await client.post(
        f"/api/v1/admin/e-questions/{q['id']}/response", headers=admin, json={"response": "A new card is in the mail."}
    )
    assert r.status_code == 200, r.text
    answered = r.json()
    assert answered["status"] == "Responded" and answered["response"] == "A new card is in the mail."
    assert answered["responded_at"].startswith("2026-11-22T15:10:00")
    mine = (await client.get(f"{EQ}/{q['id']}", headers=producer)).json()
    assert (mine["status"], mine["response"], mine["responded_at"]) == (
        "Responded",
        "A new card is in the mail.",
        answered["responded_at"],
    )
    listed = (await client.get(EQ, headers=producer)).json()["items"][0]
    assert listed["status"] == "Responded" and listed["responded_at"] == answered["responded_at"]
    [row] = await stored(app)
    async with app.state.ctx.uow() as uow:
        admin_id = await producer_id(uow, "admin")
    assert row.responded_by_id == admin_id and row.status == "Responded"
    [mail] = [
        m for m in await outbox(client, admin, "demoagent@agency.example") if m["template"] == "e_question_responded"
    ]
    assert q["tracking_number"] in mail["subject"] and "My E-Questions" in mail["body"]
    assert "A new card is in the mail." not in mail["body"]  # the answer stays in the portal
    body = assert_problem(
        await client.post(f"/api/v1/admin/e-questions/{q['id']}/response", headers=admin, json={"response": "Again"}),
        409,
        "e_question.already_answered",
    )
    assert "already" in body["detail"]
    assert (await stored(app))[0].response == "A new card is in the mail."
    assert [
        i["id"]
        for i in (
            await client.get("/api/v1/admin/e-questions", headers=admin, params={"status": "In Progress"})
        ).json()["items"]
    ] == []


async def test_r_eq_3_answer_rules_unknown_deleted_empty_too_long(client, producer, admin) -> None:
    url = "/api/v1/admin/e-questions/{}/response"
    assert_problem(await client.post(url.format(987654321), headers=admin, json={"response": "Hi"}), 404, "not_found")
    q = await ask(client, producer, general())
    body = assert_problem(await client.post(url.format(q["id"]), headers=admin, json={"response": ""}), 422)
    assert body["errors"][0]["field"] == "response"
    body = assert_problem(await client.post(url.format(q["id"]), headers=admin, json={"response": "x" * 4001}), 422)
    assert body["errors"][0]["field"] == "response"
    assert (await client.delete(f"{EQ}/{q['id']}", headers=producer)).status_code == 204
    assert_problem(
        await client.post(url.format(q["id"]), headers=admin, json={"response": "Hi"}), 409, "e_question.deleted"
    )


async def test_r_eq_3_producers_cannot_answer(client, producer) -> None:
    q = await ask(client, producer, general())
    assert_problem(
        await client.post(
            f"/api/v1/admin/e-questions/{q['id']}/response", headers=producer, json={"response": "Answering myself"}
        ),
        403,
        "forbidden_role",
    )
    assert_problem(await client.get("/api/v1/admin/e-questions", headers=producer), 403, "forbidden_role")
    assert (await client.get(f"{EQ}/{q['id']}", headers=producer)).json()["status"] == "In Progress"


async def test_r_eq_audit_log_records_ask_delete_and_answer(client, app, producer, admin) -> None:
    q1 = await ask(client, producer, general())
    q2 = await ask(client, producer, general())
    await client.delete(f"{EQ}/{q1['id']}", headers=producer)
    await client.post(f"/api/v1/admin/e-questions/{q2['id']}/response", headers=admin, json={"response": "Done"})
    async with app.state.ctx.uow() as uow:
        events = list(
            (
                await uow.session.execute(
                    select(AuditEvent).where(AuditEvent.target_type == "e_question").order_by(AuditEvent.id)
                )
            ).scalars()
        )
    assert [(e.action, e.target_id, e.actor_username) for e in events] == [
        ("e_question.created", str(q1["id"]), "demoagent"),
        ("e_question.created", str(q2["id"]), "demoagent"),
        ("e_question.deleted", str(q1["id"]), "demoagent"),
        ("e_question.responded", str(q2["id"]), "admin"),
    ]
    assert events[0].details["tracking_number"] == q1["tracking_number"]


async def test_idempotency_key_on_e_questions(client, app, producer) -> None:
    key = {**producer, "Idempotency-Key": "eq-0001"}
    first = await client.post(EQ, json=general(), headers=key)
    again = await client.post(EQ, json=general(), headers=key)
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert len(await stored(app)) == 1
    assert_problem(await client.post(EQ, json=general(subject="Other"), headers=key), 422, "idempotency.key_reused")


async def keys(app) -> dict[str, IdempotencyKey]:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        return {k.key: k for k in (await uow.session.execute(select(IdempotencyKey))).scalars()}


async def test_idempotency_key_fingerprint_is_the_checked_question(client, app, producer) -> None:
    """The same computation as before the route declared its idempotency (`@idempotent`), so keys stored then still
    replay: the e-question as checked (trimmed); untrimmed text is the same request, another client another one."""
    key = {**producer, "Idempotency-Key": "eq-fingerprint"}
    first = await client.post(EQ, json=member_specific(), headers=key)
    assert first.status_code == 201, first.text
    [row] = (await keys(app)).values()
    checked = check_e_question(
        EQuestionDraft(
            kind=EQuestionKind.member_specific,
            subject="Needs ID Card",
            question="Please mail a new ID card.",
            client_first_name="Jane",
            client_middle_initial="q",
            client_last_name="Doe",
            client_id="730075112",
        )
    )
    assert (row.method, row.path, row.status_code, row.response_body) == ("POST", EQ, 201, first.json())
    assert row.request_hash == request_fingerprint("e_question", checked.__dict__)
    again = await client.post(
        EQ, json=member_specific(subject="  Needs ID Card ", client_last_name="Doe "), headers=key
    )
    assert again.status_code == 201 and again.json() == first.json()
    other = member_specific(client_id="730075113")
    assert_problem(await client.post(EQ, json=other, headers=key), 422, "idempotency.key_reused")
    assert len(await stored(app)) == 1


async def test_idempotency_key_is_claimed_only_after_the_caller_and_the_question_are_checked(
    client, app, producer, admin
) -> None:
    """401, 403, a body that does not validate, an e-question refused by its rules or (after the claim) a client not
    in the book: no key is kept, and the same key serves the fixed request."""
    key = {"Idempotency-Key": "eq-checked-first"}
    assert_problem(await client.post(EQ, json=general(), headers=key), 401)
    assert_problem(await client.post(EQ, json=general(), headers={**admin, **key}), 403)
    mine = {**producer, **key}
    assert_problem(await client.post(EQ, json=general(kind="other"), headers=mine), 422)
    no_client = member_specific(client_id=None)
    assert_problem(await client.post(EQ, json=no_client, headers=mine), 422, "e_question.client_required")
    with_client = general(client_id="730075112")
    assert_problem(await client.post(EQ, json=with_client, headers=mine), 422, "e_question.not_for_general")
    not_mine = member_specific(client_id="999999999")
    assert_problem(await client.post(EQ, json=not_mine, headers=mine), 422, "e_question.client_not_in_book")
    assert await keys(app) == {} and await stored(app) == []
    assert (await client.post(EQ, json=general(), headers=mine)).status_code == 201


async def test_idempotency_key_stored_by_the_service_before_the_route_declared_it_replays_as_then(
    client, app, producer
) -> None:
    """An answer stored before the deploy (the service's dict: producer and responder ids, times as isoformat)
    replays as the route sent it then: read by EQuestionRead."""
    ctx = app.state.ctx
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        me = await producer_id(uow, "demoagent")
        body = {
            "id": 4242,
            "tracking_number": "EQU4242",
            "kind": "general",
            "subject": "Having RPP Issues",
            "question": "The report page is blank.",
            "status": "In Progress",
            "submitted_at": now.isoformat(),
            "responded_at": None,
            "response": None,
            "client_id": None,
            "client_name": None,
            "client_first_name": None,
            "client_middle_initial": None,
            "client_last_name": None,
            "producer_id": me,
            "responded_by_id": None,
        }
        draft = EQuestionDraft(
            kind=EQuestionKind.general, subject="Having RPP Issues", question="The report page is blank."
        )
        uow.session.add(
            IdempotencyKey(
                user_id=me,
                key="eq-before-the-deploy",
                method="POST",
                path=EQ,
                request_hash=request_fingerprint("e_question", check_e_question(draft).__dict__),
                status_code=201,
                response_body=body,
                created_at=now,
                expires_at=now + timedelta(hours=24),
            )
        )
        await uow.commit()
    r = await client.post(EQ, json=general(), headers={**producer, "Idempotency-Key": "eq-before-the-deploy"})
    assert r.status_code == 201, r.text
    assert r.json() == EQuestionRead.model_validate(body).model_dump(mode="json")
    assert "producer_id" not in r.json() and await stored(app) == []


# --- who may ----------------------------------------------------------------------------------------------


async def test_r_del_9_delegates_cannot_use_e_questions(client, app, producer, admin, clock) -> None:
    d = await ready_delegate(client, admin, producer, clock)
    auth = {"Authorization": f"Bearer {(await mfa_sign_in(client, admin, d, clock))['access_token']}"}
    q = await ask(client, producer, general())
    for method, path, body in [
        ("POST", EQ, general()),
        ("GET", EQ, None),
        ("GET", f"{EQ}/{q['id']}", None),
        ("DELETE", f"{EQ}/{q['id']}", None),
    ]:
        problem = assert_problem(
            await client.request(method, path, json=body, headers=auth), 403, "delegate_not_permitted"
        )
        assert "quotes and off-exchange enrollment" in problem["detail"]
    assert len(await stored(app)) == 1 and (await stored(app))[0].deleted_at is None


async def test_r_book_1_anonymous_callers_get_401(client, app, demo) -> None:
    assert_problem(await client.post(EQ, json=general()), 401)
    assert_problem(await client.get(EQ), 401)
    assert_problem(await client.post("/api/v1/admin/e-questions/1/response", json={"response": "x"}), 401)
    assert await stored(app) == []
