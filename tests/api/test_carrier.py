"""Issue 14: carrier processing and the book an approval writes, through the API, on both databases.

quote -> application -> submit -> pay -> approve (by carrier staff, or by the simulated back office's job when the
FrozenClock has moved past its review time) -> member search by e-app number, name and phone -> client detail ->
a report row -> a temporary ID card PDF for the new member."""

from __future__ import annotations

import asyncio
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.repositories.orm import Account, Application, AuditEvent, Member, PcpAssignment, Policy, PolicyMember
from app.services.carrier import decide_due
from tests.api.test_enrollments import (
    HOUSEHOLD,
    OTHER,
    PLANS,
    SIGNATURES,
    URL,
    applicant,
    complete_application,
    general,
    reference,  # noqa: F401 - fixture
    save_sections,
    settings,  # noqa: F401 - fixture
    start_from_family_quote,  # the factories of a complete application (and their fixtures)
)
from tests.helpers import assert_problem

pytestmark = pytest.mark.usefixtures("reference")  # the plans, counties and providers of tests/api/test_enrollments.py
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123", "name": "Riley Enroller"}


def decision_url(app_id: int) -> str:
    return f"/api/v1/admin/applications/{app_id}/decision"


async def from_quote(client: Any, producer: dict[str, str], *, sigs: dict[str, Any] = SIGNATURES) -> int:
    """Quote -> application started from it -> every section saved -> effective date."""
    app_id = await start_from_family_quote(client, producer)
    await save_sections(
        client,
        producer,
        app_id,
        ("general", general()),
        ("applicant", applicant()),
        ("household", HOUSEHOLD),
        ("plans", PLANS),
        ("other-coverage", OTHER),
        ("signatures", sigs),
    )
    assert (await client.post(f"{URL}/{app_id}/effective-date", headers=producer)).json() == {
        "effective_date": "2027-01-01",
        "warnings": [],
    }
    return app_id


async def submit(client: Any, producer: dict[str, str], app_id: int) -> dict[str, Any]:
    r = await client.post(f"{URL}/{app_id}/submit", headers=producer)
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    return dict(r.json())


async def pay(client: Any, producer: dict[str, str], app_id: int) -> None:
    body = {"method": "card", "card": CARD, "payment_date": "2026-12-01", "terms_accepted": True, "autopay": False}
    captured = await client.post(f"{URL}/{app_id}/payments", headers=producer, json=body)
    assert captured.status_code == 201, captured.text
    done = await client.post(
        f"/api/v1/payments/{captured.json()['id']}/submit", headers=producer, json={"agreement": True}
    )
    assert done.status_code == 200 and done.json()["status"] == "Successful", done.text


async def search(client: Any, producer: dict[str, str], **params: str) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/members", params=params, headers=producer)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def book_counts(app: Any, account_number: str) -> tuple[int, int, int, int]:
    async with app.state.ctx.uow() as uow:
        s = uow.session
        account_ids = (await s.execute(select(Account.id).where(Account.account_number == account_number))).scalars()
        ids = list(account_ids)
        policies = (
            await s.execute(select(func.count()).select_from(Policy).where(Policy.account_id.in_(ids)))
        ).scalar()
        members = (await s.execute(select(func.count()).select_from(Member).where(Member.account_id.in_(ids)))).scalar()
        covered = (
            await s.execute(
                select(func.count()).select_from(PolicyMember).join(Policy).where(Policy.account_id.in_(ids))
            )
        ).scalar()
    return len(ids), int(policies or 0), int(members or 0), int(covered or 0)


@pytest.mark.parametrize("decided_by", ["carrier_staff", "simulated_back_office"])
async def test_issue_14_walk_quote_to_approved_client_with_report_row_and_temporary_id_card(
    client, producer, admin, app, clock, decided_by
) -> None:
    app_id = await from_quote(client, producer)
    submitted = await submit(client, producer, app_id)
    e_app = submitted["record_number"]
    assert e_app.isdigit() and len(e_app) == 10  # one e-app number format (member search takes 4 to 12 digits)
    # before the decision: the application answers the e-app number search as record type "Application" (R-ENR-15)
    assert [(r["record_type"], r["e_app_number"]) for r in await search(client, producer, e_app_number=e_app)] == [
        ("Application", e_app)
    ]
    # pay-now application not paid yet: the carrier has not got it
    waiting = assert_problem(
        await client.post(decision_url(app_id), headers=admin, json={"decision": "approve"}),
        409,
        "carrier.awaiting_payment",
    )
    assert waiting["payment_status"] == "Pending" and "binder payment" in waiting["detail"]
    clock.advance(seconds=app.state.ctx.settings.carrier_review_seconds + 60)
    assert await decide_due(ctx=app.state.ctx) == 0  # the back office waits for the binder payment too
    await pay(client, producer, app_id)

    if decided_by == "simulated_back_office":
        assert await decide_due(ctx=app.state.ctx) == 1
    approved = await client.post(decision_url(app_id), headers=admin, json={"decision": "approve", "reason": None})
    assert approved.status_code == 200, approved.text
    body = approved.json()  # by hand, or (after the job) the same decision answered again
    account_number = body["account_number"]
    assert body["decision"] == "approved" and body["status"] == "submitted" and body["e_app_number"] == e_app
    assert body["effective_date"] == "2027-01-01" and len(body["policy_ids"]) == 2 and account_number.isdigit()
    # idempotent: the same decision answers the same result; the opposite one is a conflict
    again = await client.post(decision_url(app_id), headers=admin, json={"decision": "approve"})
    assert again.status_code == 200 and again.json() == body
    conflict = assert_problem(
        await client.post(decision_url(app_id), headers=admin, json={"decision": "decline", "reason": "late"}),
        409,
        "carrier.already_decided",
    )
    assert conflict["decision"] == "approved"
    assert await book_counts(app, account_number) == (1, 2, 3, 6)

    # the application's detail shows the decision and what it wrote
    detail = (await client.get(f"{URL}/{app_id}", headers=producer)).json()
    assert detail["e_app_number"] == e_app and detail["decision"]["account_number"] == account_number
    assert detail["decision"]["policy_ids"] == body["policy_ids"] and detail["decision"]["decision"] == "approved"

    # member search: by the e-app number the application showed, by name and by phone - policies now
    for params in (
        {"e_app_number": e_app},
        {"last_name": "enroller", "first_name": "riley"},
        {"phone": "(312) 555-0100"},
    ):
        # (the demo book has another client with this phone number)
        rows = [r for r in await search(client, producer, **params) if r["e_app_number"] == e_app]
        assert sorted((r["record_type"], r["coverage"], r["account_number"], r["e_app_number"]) for r in rows) == [
            ("Policy", "dental", account_number, e_app),
            ("Policy", "medical", account_number, e_app),
        ], params
    # another producer's book does not hold it (R-BOOK-1)

    # client detail: both policies, the household, the chosen PCP (primary) and the carrier's (the others)
    client_detail = await client.get(f"/api/v1/members/{account_number}", headers=producer)
    assert client_detail.status_code == 200, client_detail.text
    cd = client_detail.json()
    assert (cd["first_name"], cd["last_name"], cd["address"]["zip_code"]) == ("Riley", "Enroller", "60699")
    medical = next(p for p in cd["policies"] if p["product_name"] == "Enroll Test Silver HMO 301")
    assert medical["status"] == "Active" and medical["coverage_effective_date"] == "2027-01-01"
    assert medical["paid_to_date"] == "2027-01-31"  # the binder paid the first month
    people = {m["first_name"]: m for m in medical["members"]}
    assert set(people) == {"Riley", "Sam", "Kelly"}
    assert people["Riley"]["pcp"]["medical_group_number"] == "T124"
    async with app.state.ctx.uow() as uow:
        pcps = (
            (
                await uow.session.execute(
                    select(PcpAssignment).where(PcpAssignment.policy_id == int(medical["policy_id"]))
                )
            )
            .scalars()
            .all()
        )
        assert sorted(p.assigned_by for p in pcps) == ["Carrier", "Carrier", "Producer"]
        events = (
            (await uow.session.execute(select(AuditEvent).where(AuditEvent.action == "carrier.application_approved")))
            .scalars()
            .all()
        )
        actor = "admin" if decided_by == "carrier_staff" else "carrier-back-office"
        assert [(e.actor_username, e.target_id, e.details["account_number"]) for e in events] == [
            (actor, str(app_id), account_number)
        ]

    # a report row: coverage effective in January 2027, paid (not in initial payment not received)
    report = await client.get(
        "/api/v1/reports/coverage_effective_date",
        params={"date_from": "2027-01-01", "date_to": "2027-01-31"},
        headers=producer,
    )
    assert report.status_code == 200, report.text
    rows = [r for r in report.json()["items"] if r["account_number"] == account_number]
    assert len(rows) == 2 and all(r["e_app_number"] == e_app for r in rows)
    unpaid = await client.get(
        "/api/v1/reports/initial_payment_not_received",
        params={"date_from": "2027-01-01", "date_to": "2027-01-31"},
        headers=producer,
    )
    assert [r for r in unpaid.json()["items"] if r["account_number"] == account_number] == []

    # a temporary ID card for the new member (R-ID-5): the PDF names the member and the plan
    riley = people["Riley"]
    card = await client.post(
        "/api/v1/id-card-requests",
        headers=producer,
        json={
            "account_number": account_number,
            "kind": "temporary",
            "policy_id": medical["policy_id"],
            "member_ids": [riley["member_id"]],
            "quantity": 1,
        },
    )
    assert card.status_code == 201, card.text
    pdf = await client.get(card.json()["pdf_url"], headers=producer)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(BytesIO(pdf.content)).pages[0].extract_text()
    assert "RILEY ENROLLER" in text and "Enroll Test Silver HMO 301" in text and f"{account_number}-01" in text
    assert "01/01/2027" in text and "EG0001" in text

    # the rest of servicing reaches the new client: a PCP change for the spouse (dry run: the current assignment
    # is the carrier's), a member-specific e-question and a document, each stored against the new account
    sam = people["Sam"]
    pcp = await client.post(
        "/api/v1/pcp-changes",
        headers=producer,
        json={
            "account_number": account_number,
            "policy_id": medical["policy_id"],
            "provider_number": "T127",
            "effective_date": "2027-02-01",
            "members": [{"member_id": sam["member_id"], "reason": "Concern With Service"}],
        },
    )
    assert pcp.status_code == 200, pcp.text
    [change] = pcp.json()["changes"]
    assert pcp.json()["valid"] is True and change["updated"]["medical_group_number"] == "T127"
    question = await client.post(
        "/api/v1/e-questions",
        headers=producer,
        json={
            "kind": "member_specific",
            "subject": "Needs ID Card",
            "question": "Please mail the permanent cards.",
            "client_first_name": "Riley",
            "client_last_name": "Enroller",
            "client_id": account_number,
        },
    )
    assert question.status_code == 201, question.text
    assert question.json()["client_id"] == account_number and question.json()["client_name"] == "Riley Enroller"
    document = await client.post(
        "/api/v1/documents",
        headers=producer,
        files={"file": ("proof.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        data={"document_type": "other_documents", "account_number": account_number},
    )
    assert document.status_code == 201, document.text
    assert document.json()["account_number"] == account_number


async def test_issue_14_simulated_back_office_approves_pay_later_after_its_review_time(
    client, producer, app, clock
) -> None:
    """The job decides once the FrozenClock passes the review time; initial payment not received until paid."""
    app_id = await from_quote(client, producer, sigs={**SIGNATURES, "payment_option": "pay_later"})
    e_app = (await submit(client, producer, app_id))["record_number"]
    ctx = app.state.ctx
    assert await decide_due(ctx=ctx) == 0  # still in review
    clock.advance(seconds=ctx.settings.carrier_review_seconds)
    assert await decide_due(ctx=ctx) == 1
    assert await decide_due(ctx=ctx) == 0  # decided once
    detail = (await client.get(f"{URL}/{app_id}", headers=producer)).json()
    assert detail["status"] == "submitted" and detail["decision"]["decision"] == "approved"
    account_number = detail["decision"]["account_number"]
    [row] = [r for r in await search(client, producer, e_app_number=e_app) if r["coverage"] == "medical"]
    assert row["record_type"] == "Policy" and row["paid_to_date"] is None and row["account_number"] == account_number

    async def unpaid_rows() -> list[dict[str, Any]]:
        r = await client.get(
            "/api/v1/reports/initial_payment_not_received",
            params={"date_from": "2027-01-01", "date_to": "2027-01-31"},
            headers=producer,
        )
        return [i for i in r.json()["items"] if i["account_number"] == account_number]

    assert len(await unpaid_rows()) == 2  # until the binder payment succeeds
    await pay(client, producer, app_id)
    assert await unpaid_rows() == []
    [row] = [r for r in await search(client, producer, e_app_number=e_app) if r["coverage"] == "medical"]
    assert row["paid_to_date"] == "2027-01-31"
    async with ctx.uow() as uow:
        [event] = (
            (await uow.session.execute(select(AuditEvent).where(AuditEvent.action == "carrier.application_approved")))
            .scalars()
            .all()
        )
        assert event.actor_username == "carrier-back-office" and event.actor_user_id is None


async def test_issue_14_decline_lists_the_application_as_failed_with_the_reason(
    client, producer, admin, app, clock
) -> None:
    app_id = await complete_application(client, producer, sigs={**SIGNATURES, "payment_option": "pay_later"})
    await submit(client, producer, app_id)
    missing = assert_problem(
        await client.post(decision_url(app_id), headers=admin, json={"decision": "decline", "reason": "  "}),
        422,
        "carrier.reason_required",
    )
    assert missing["errors"][0]["field"] == "reason"
    r = await client.post(
        decision_url(app_id), headers=admin, json={"decision": "decline", "reason": "Incomplete medical history"}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["decision"], r.json()["account_number"], r.json()["policy_ids"]) == (
        "failed",
        "declined",
        None,
        [],
    )
    failed = (await client.get(URL, params={"status": "failed"}, headers=producer)).json()
    [item] = failed["items"]
    assert item["id"] == app_id and item["decision"] == "declined"
    assert item["failure_reason"] == "Declined by the carrier: Incomplete medical history"
    assert await search(client, producer, last_name="enroller") == []  # no client, no application row
    again = await client.post(decision_url(app_id), headers=admin, json={"decision": "decline", "reason": "other"})
    assert again.json() == r.json()
    assert_problem(await client.post(decision_url(app_id), headers=admin, json={"decision": "approve"}), 409)
    # producers cannot decide; unknown applications are 404
    assert_problem(await client.post(decision_url(app_id), headers=producer, json={"decision": "approve"}), 403)
    assert_problem(await client.post(decision_url(999999), headers=admin, json={"decision": "approve"}), 404)


async def test_issue_14_simulated_back_office_declines_its_test_applicant(client, producer, app, clock):
    person = {**applicant()["applicant"], "last_name": "Decline"}
    app_id = await complete_application(
        client, producer, app_=applicant(applicant=person), sigs={**SIGNATURES, "payment_option": "pay_later"}
    )
    await submit(client, producer, app_id)
    clock.advance(seconds=app.state.ctx.settings.carrier_review_seconds + 1)
    assert await decide_due(ctx=app.state.ctx) == 1
    detail = (await client.get(f"{URL}/{app_id}", headers=producer)).json()
    assert detail["status"] == "failed" and detail["decision"]["decision"] == "declined"
    assert "underwriting" in detail["failure_reason"]


async def test_issue_14_concurrent_decisions_write_the_book_once(client, producer, admin, app) -> None:
    """Exactly once: two approvals at the same time answer the same; approve against decline: one wins, one 409."""
    pay_later = {**SIGNATURES, "payment_option": "pay_later"}
    first = await complete_application(client, producer, sigs=pay_later)
    await submit(client, producer, first)
    a, b = await asyncio.gather(
        client.post(decision_url(first), headers=admin, json={"decision": "approve"}),
        client.post(decision_url(first), headers=admin, json={"decision": "approve"}),
    )
    assert a.status_code == b.status_code == 200 and a.json() == b.json(), (a.text, b.text)
    assert await book_counts(app, a.json()["account_number"]) == (1, 2, 3, 6)

    person = {**applicant()["applicant"], "first_name": "Robin"}
    second = await complete_application(client, producer, app_=applicant(applicant=person), sigs=pay_later)
    await submit(client, producer, second)
    ok, no = await asyncio.gather(
        client.post(decision_url(second), headers=admin, json={"decision": "approve"}),
        client.post(decision_url(second), headers=admin, json={"decision": "decline", "reason": "duplicate"}),
    )
    assert sorted([ok.status_code, no.status_code]) == [200, 409], (ok.text, no.text)
    winner = ok if ok.status_code == 200 else no
    loser = no if winner is ok else ok
    assert loser.json()["code"] == "carrier.already_decided"
    async with app.state.ctx.uow() as uow:
        stored = await uow.session.get(Application, second)
        policies = (await uow.session.execute(select(Policy).where(Policy.application_id == second))).scalars().all()
        events = (
            (
                await uow.session.execute(
                    select(AuditEvent).where(AuditEvent.action.like("carrier.%"), AuditEvent.target_id == str(second))
                )
            )
            .scalars()
            .all()
        )
    assert stored.decision == winner.json()["decision"] and len(events) == 1
    assert len(policies) == (2 if stored.decision == "approved" else 0)
