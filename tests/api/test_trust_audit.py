"""Issue 12, finding 7: every read of personal data is audited, declaratively; a delegate's rows name its producer.

Every GET route declares in its decorator the audit action it writes (`audit_read`), the action its service
writes (`audited_by_service`) or that it carries no personal data (`PHI_FREE`); the walk below fails on a
route that does neither. The reads that wrote nothing before (applications, payments, quotes, prospects, ID-card
requests, PCP changes and history, documents, e-questions) are each checked against the audit_events table.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select

from app.deps import PHI_FREE, AuditDeclaration, audit_declaration, audit_read
from app.repositories.audit import AuditRepository
from app.repositories.orm import AuditEvent, Payment
from tests.api.test_delegates import mfa_sign_in, ready_delegate
from tests.api.test_quotes import create_quote
from tests.factories import NOW, make_family, producer_id
from tests.helpers import assert_problem

API = "/api/v1"

# The reads that wrote no audit row before issue 12: (path template, action the route declares).
ROUTE_AUDITED = {
    "/api/v1/enrollments": "enrollment.list",
    "/api/v1/enrollments/{application_id}": "enrollment.read",
    "/api/v1/payments/{payment_id}": "payment.read",
    "/api/v1/quotes": "quote.list",
    "/api/v1/quotes/{quote_id}": "quote.read",
    "/api/v1/quotes/{quote_id}/plans": "quote.plans_read",
    "/api/v1/prospects": "prospect.list",
    "/api/v1/prospects/{prospect_id}": "prospect.read",
    "/api/v1/id-card-requests": "id_card.list",
    "/api/v1/id-card-requests/{request_id}": "id_card.read",
    "/api/v1/pcp-changes": "pcp_change.list",
    "/api/v1/pcp-changes/{change_id}": "pcp_change.read",
    "/api/v1/members/{account_number}/members/{member_id}/pcp-history": "member.pcp_history",
    "/api/v1/documents": "document.list",
    "/api/v1/e-questions": "e_question.list",
    "/api/v1/e-questions/{question_id}": "e_question.read",
    "/api/v1/admin/e-questions": "e_question.admin_list",
}
# The reads whose services already wrote their rows (search, detail, PDFs, reports, prospect files).
SERVICE_AUDITED = {
    "/api/v1/members": "member.search",
    "/api/v1/members/{account_number}": "member.detail",
    "/api/v1/enrollments/{application_id}/pdf": "member.application_pdf",
    "/api/v1/id-card-requests/{request_id}/pdf": "member.id_card_pdf",
    "/api/v1/reports/{report_type}": "report.run",
    "/api/v1/saved-reports/{report_id}/run": "report.run",
    "/api/v1/prospects/export": "prospect.exported",
    "/api/v1/prospects/print": "prospect.printed",
}


def get_routes(app: FastAPI) -> dict[str, AuditDeclaration | None]:
    """Every GET route of the app (routers included at any depth) and its audit declaration."""
    found: dict[str, AuditDeclaration | None] = {}
    for rc in iter_route_contexts(app.routes):
        if isinstance(rc.original_route, APIRoute) and "GET" in (rc.methods or set()):
            found[str(rc.path)] = audit_declaration(rc.dependencies)
    return found


def undeclared(app: FastAPI) -> list[str]:
    return sorted(path for path, declaration in get_routes(app).items() if declaration is None)


async def events(app, action: str | None = None, **where: Any) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            stmt = stmt.where(AuditEvent.action == action)
        for column, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, column) == value)
        return list((await uow.session.execute(stmt)).scalars())


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    """The delegate steps move the clock by minutes: keep the sessions alive."""
    return settings.model_copy(update={"access_token_minutes": 600})


# --- the walk ---------------------------------------------------------------------------------------------------


async def test_trust_7_every_get_route_is_audited_or_declared_phi_free(app) -> None:
    routes = get_routes(app)
    assert len(routes) >= 40, sorted(routes)  # the walk reaches into the included routers
    assert undeclared(app) == [], "declare audit_read(...), audited_by_service(...) or PHI_FREE on these GET routes"
    for path, action in ROUTE_AUDITED.items():
        assert routes[path] == AuditDeclaration(action, "route"), path
    for path, action in SERVICE_AUDITED.items():
        assert routes[path] == AuditDeclaration(action, "service"), path
    assert routes["/api/v1/counties"] == AuditDeclaration(None, "none")


def test_trust_7_the_walk_finds_an_undeclared_get_route() -> None:
    router = APIRouter(prefix="/inner")

    @router.get("/phi")
    async def phi() -> dict[str, str]:
        return {}

    @router.get("/free", dependencies=[PHI_FREE])
    async def free() -> dict[str, str]:
        return {}

    @router.get("/read/{thing_id}", dependencies=[audit_read("thing.read", target=("thing", "thing_id"))])
    async def read(thing_id: int) -> dict[str, str]:
        return {}

    probe = FastAPI()
    outer = APIRouter(prefix="/outer")
    outer.include_router(router)
    probe.include_router(outer)
    assert undeclared(probe) == ["/outer/inner/phi"]


# --- the reads write their rows ------------------------------------------------------------------------------


async def _book(client, app, producer) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One of everything in demoagent's book, made through the API where it can be."""
    async with app.state.ctx.uow() as uow:
        pid = await producer_id(uow, "demoagent")
        fam = await make_family(uow, pid, children=[date(2015, 3, 3)], dental=True)
        await uow.commit()
    change = await client.post(
        f"{API}/pcp-changes",
        headers=producer,
        json={
            "account_number": fam.account_number,
            "policy_id": str(fam.policy_ids["medical"]),
            "provider_number": "T127",
            "effective_date": "2026-12-01",
            "dry_run": False,
            "members": [{"member_id": str(fam.member_ids["primary"]), "reason": "Concern With Service"}],
        },
    )
    assert change.status_code == 201, change.text
    application = await client.post(f"{API}/enrollments", headers=producer)
    assert application.status_code == 201, application.text
    async with app.state.ctx.uow() as uow:
        payment = Payment(
            application_id=application.json()["id"],
            producer_id=pid,
            method="card",
            amount=Decimal("410.00"),
            payment_date=date(2026, 12, 1),
            autopay=False,
            status="Pending",
            processor_token="tok_trust7",
            last4="4242",
            account_type=None,
            confirmation_number="TRUST7-0001",
            decline_reason=None,
            created_at=NOW,
            submitted_at=None,
        )
        uow.session.add(payment)
        await uow.commit()
    prospect = await client.post(
        f"{API}/prospects",
        headers=producer,
        json={"first_name": "Pat", "last_name": "Prospect", "state": "IL", "zip_code": "60601"},
    )
    assert prospect.status_code == 201, prospect.text
    question = await client.post(
        f"{API}/e-questions",
        headers=producer,
        json={"kind": "general", "subject": "Audit", "question": "Is every read audited?"},
    )
    assert question.status_code == 201, question.text
    return {
        "producer_id": pid,
        "fam": fam,
        "application_id": application.json()["id"],
        "payment_id": payment.id,
        "quote_id": (await create_quote(client, producer))["id"],
        "prospect_id": prospect.json()["id"],
        "change_id": change.json()["id"],
        "card_id": change.json()["id_card_request_ids"][0],
        "question_id": question.json()["id"],
    }


async def test_trust_7_each_unaudited_read_now_writes_its_row(client, app, producer, admin) -> None:
    b = await _book(client, app, producer)
    fam = b["fam"]
    reads = [  # (path, action, target type, target id, details)
        (f"{API}/enrollments?status=incomplete", "enrollment.list", None, None, {"status": "incomplete"}),
        (f"{API}/enrollments/{b['application_id']}", "enrollment.read", "application", b["application_id"], None),
        (f"{API}/payments/{b['payment_id']}", "payment.read", "payment", b["payment_id"], None),
        (f"{API}/quotes", "quote.list", None, None, None),
        (f"{API}/quotes/{b['quote_id']}", "quote.read", "quote", b["quote_id"], None),
        (f"{API}/quotes/{b['quote_id']}/plans", "quote.plans_read", "quote", b["quote_id"], None),
        (f"{API}/prospects?last_name=Pro", "prospect.list", None, None, None),
        (f"{API}/prospects/{b['prospect_id']}", "prospect.read", "prospect", b["prospect_id"], None),
        (
            f"{API}/id-card-requests?account_number={fam.account_number}",
            "id_card.list",
            None,
            None,
            {"account_number": fam.account_number},
        ),
        (f"{API}/id-card-requests/{b['card_id']}", "id_card.read", "id_card_request", b["card_id"], None),
        (f"{API}/pcp-changes", "pcp_change.list", None, None, None),
        (f"{API}/pcp-changes/{b['change_id']}", "pcp_change.read", "pcp_change", b["change_id"], None),
        (
            f"{API}/members/{fam.account_number}/members/{fam.member_ids['primary']}/pcp-history",
            "member.pcp_history",
            "member",
            fam.member_ids["primary"],
            {"account_number": fam.account_number},
        ),
        (f"{API}/documents", "document.list", None, None, None),
        (f"{API}/e-questions", "e_question.list", None, None, None),
        (f"{API}/e-questions/{b['question_id']}", "e_question.read", "e_question", b["question_id"], None),
    ]
    for path, action, target_type, target_id, details in reads:
        before = len(await events(app, action))
        r = await client.get(path, headers=producer)
        assert r.status_code == 200, (path, r.text)
        rows = await events(app, action)
        assert len(rows) == before + 1, (path, [e.action for e in rows])
        row = rows[-1]
        assert (row.outcome, row.actor_user_id, row.actor_username) == ("success", b["producer_id"], "demoagent"), path
        assert (row.target_type, row.target_id) == (target_type, None if target_id is None else str(target_id)), path
        assert row.details == details, path
        assert row.request_id == r.headers["x-request-id"] and row.ip == "127.0.0.1", path
        assert row.on_behalf_of_user_id is None, path  # the producer acted for themselves
    # The carrier's queue of e-questions holds members' names: the admin's read is audited too.
    r = await client.get(f"{API}/admin/e-questions", headers=admin)
    assert r.status_code == 200, r.text
    [row] = await events(app, "e_question.admin_list")
    assert row.actor_username == "admin" and row.request_id == r.headers["x-request-id"]


async def test_trust_7_a_refused_read_records_failure_and_an_anonymous_one_nothing(
    client, app, producer, other
) -> None:
    quote_id = (await create_quote(client, producer))["id"]
    assert_problem(await client.get(f"{API}/quotes/{quote_id}", headers=other), 404)
    [row] = await events(app, "quote.read")
    assert (row.outcome, row.actor_username, row.target_id) == ("failure", "otheragent", str(quote_id))
    assert row.details == {"code": "not_found"}
    assert_problem(await client.get(f"{API}/quotes/{quote_id}"), 401)
    assert_problem(await client.get(f"{API}/quotes/{quote_id}", headers={"Authorization": "Bearer nonsense"}), 401)
    assert len(await events(app, "quote.read")) == 1


async def test_trust_7_no_audit_row_no_answer(client, app, producer, monkeypatch) -> None:
    """The row is committed before the response leaves: when it cannot be written, the PHI is not sent."""
    quote_id = (await create_quote(client, producer))["id"]

    async def broken(self: Any, rows: list[dict[str, Any]]) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(AuditRepository, "insert_rows", broken)
    r = await client.get(f"{API}/quotes/{quote_id}", headers=producer)
    assert r.status_code == 500
    assert "Jessica" not in r.text and "Tester" not in r.text  # the applicant's names never left
    monkeypatch.undo()
    r = await client.get(f"{API}/quotes/{quote_id}", headers=producer)
    assert r.status_code == 200 and r.json()["applicant"]["first_name"] == "Jessica"
    assert [e.outcome for e in await events(app, "quote.read")] == ["success"]


# --- on whose behalf ------------------------------------------------------------------------------------------


async def test_trust_7_delegate_rows_name_the_producer_for_reads_and_writes(
    client, app, admin, producer, clock
) -> None:
    d = await ready_delegate(client, admin, producer, clock)
    delegate = {"Authorization": f"Bearer {(await mfa_sign_in(client, admin, d, clock))['access_token']}"}
    async with app.state.ctx.uow() as uow:
        pid = await producer_id(uow, "demoagent")
    quote = await client.post(
        f"{API}/quotes",
        headers=delegate,
        json={
            "prospect_id": None,
            "zip_code": "60601",
            "county": "Cook",
            "effective_date": "2027-01-01",
            "coverage": "medical",
            "applicant": {
                "first_name": "Del",
                "last_name": "Egate",
                "date_of_birth": "1980-01-01",
                "sex": "female",
                "tobacco_use": False,
            },
            "spouse": None,
            "dependents": [],
        },
    )
    assert quote.status_code == 201, quote.text
    assert (await client.get(f"{API}/quotes/{quote.json()['id']}", headers=delegate)).status_code == 200
    application = await client.post(f"{API}/enrollments", headers=delegate)
    assert application.status_code == 201, application.text
    assert (await client.get(f"{API}/enrollments/{application.json()['id']}", headers=delegate)).status_code == 200
    for action in ("quote.created", "quote.read", "enrollment.started", "enrollment.read"):
        [row] = await events(app, action)
        assert (row.actor_user_id, row.on_behalf_of_user_id) == (d["id"], pid), action
    # Prospects and ID cards are not a delegate's (R-DEL-9): the refusal is recorded, before the parameters are
    # even validated - so only plain identifiers of them are kept, and junk never breaks the audit insert.
    junk = "9" * 80
    assert_problem(await client.get(f"{API}/prospects/{junk}", headers=delegate), 403, "delegate_not_permitted")
    assert_problem(
        await client.get(f"{API}/id-card-requests", params={"account_number": "12' OR 1=1 " + junk}, headers=delegate),
        403,
        "delegate_not_permitted",
    )
    [prospect_read] = await events(app, "prospect.read")
    [card_list] = await events(app, "id_card.list")
    assert (prospect_read.outcome, prospect_read.target_id, prospect_read.on_behalf_of_user_id) == (
        "failure",
        None,
        pid,
    )
    assert card_list.details == {"account_number": None, "code": "delegate_not_permitted"}
    # The same client (one task, as in these tests) then serves the producer: nothing of the delegate lingers.
    assert (await client.get(f"{API}/quotes/{quote.json()['id']}", headers=producer)).status_code == 200
    rows = await events(app, "quote.read")
    assert (rows[-1].actor_user_id, rows[-1].on_behalf_of_user_id) == (pid, None)
    # The admin's audit log shows it.
    r = await client.get(
        f"{API}/admin/audit-events", headers=admin, params={"actor_user_id": d["id"], "action": "quote.created"}
    )
    assert r.status_code == 200, r.text
    [listed] = r.json()["items"]
    assert listed["on_behalf_of_user_id"] == pid and listed["actor_user_id"] == d["id"]
    first = (await client.get(f"{API}/admin/audit-events", headers=admin, params={"action": "auth.sign_in"})).json()[
        "items"
    ]
    assert first and all("on_behalf_of_user_id" in e for e in first)


def test_trust_7_on_behalf_of_is_set_for_the_request_and_undone_after() -> None:
    from app.services.audit import RequestContext, act_for, event_row, stop_acting

    def row() -> dict[str, Any]:
        return event_row(now=NOW, request=RequestContext(), action="probe")

    assert row()["on_behalf_of_user_id"] is None
    token = act_for(42)
    try:
        assert row()["on_behalf_of_user_id"] == 42
        assert (
            event_row(now=NOW, request=RequestContext(), action="probe", on_behalf_of_user_id=7)["on_behalf_of_user_id"]
            == 7
        )  # given wins
    finally:
        stop_acting(token)
    assert row()["on_behalf_of_user_id"] is None
