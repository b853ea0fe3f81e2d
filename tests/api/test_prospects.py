"""Prospects through the HTTP API: add, search, change, delete, export, print (R-PRO-1 .. R-PRO-4, R-BOOK-1)."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, insert, select

from app.domain.errors import ValidationFailed
from app.domain.prospects import PRINT_MAX_ROWS, validate_prospect
from app.repositories.orm import AuditEvent, Prospect, Quote
from app.services.proposals import QuoteProposalHook, get_proposal_hook
from tests.api.test_delegates import mfa_sign_in, ready_delegate
from tests.conftest import START
from tests.helpers import assert_problem, bearer, rand_username, register_and_activate

BASE = "/api/v1/prospects"
HEADERS = [
    "First Name",
    "MI",
    "Last Name",
    "Address 1",
    "Address 2",
    "City",
    "State",
    "Zip Code",
    "Phone Number",
    "Cell Phone",
    "Email Address",
    "Created",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "first_name": "Jessica",
        "last_name": "Tester" + rand_username("")[:5].title(),
        "state": "IL",
        "zip_code": "60601",
    }
    data.update(overrides)
    return data


async def add(client, auth, **overrides) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.post(BASE, json=payload(**overrides), headers=auth)
    assert r.status_code == 201, r.text
    return r.json()


async def names(client, auth, **params) -> list[str]:  # type: ignore[no-untyped-def]
    r = await client.get(BASE, params={"page_size": 200, **params}, headers=auth)
    assert r.status_code == 200, r.text
    return [f"{i['first_name']} {i['last_name']}" for i in r.json()["items"]]


async def db_prospect(app, prospect_id: int) -> Prospect | None:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        return (await uow.session.execute(select(Prospect).where(Prospect.id == prospect_id))).scalar_one_or_none()


async def audit_actions(app, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list((await uow.session.execute(stmt)).scalars().all())


async def count_prospects(app) -> int:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(Prospect))).scalar_one())


async def my_id(client, auth) -> int:  # type: ignore[no-untyped-def]
    return int((await client.get("/api/v1/me", headers=auth)).json()["id"])


@pytest.fixture
async def fresh(client, admin):  # type: ignore[no-untyped-def]
    """A newly activated producer with an empty book: totals and orders are exactly what a test adds."""
    reg = await register_and_activate(client, admin)
    return await bearer(client, reg["username"], reg["password"])


@pytest.fixture
async def book(client, fresh):  # type: ignore[no-untyped-def]
    """Five prospects that tell the seven search fields apart."""
    rows = {
        "john": dict(
            first_name="John",
            last_name="Smith",
            city="Chicago",
            state="IL",
            zip_code="60601",
            phone="(312) 555-0100",
            email="john.smith@example.com",
        ),
        "anna": dict(
            first_name="Anna",
            last_name="Smithers",
            city="Springfield",
            state="IL",
            zip_code="62701",
            cell_phone="312.555.0100",
            email="anna@example.com",
        ),
        "bob": dict(
            first_name="Bob",
            last_name="smythe",
            city="Houston",
            state="TX",
            zip_code="77001",
            phone="713-555-0199",
            email="BOB@Example.com",
        ),
        "johnny": dict(first_name="Johnny", last_name="Jones", city="chicago heights", state="IL", zip_code="60411"),
        "emile": dict(first_name="Émile", last_name="Ångström", city="Dallas", state="TX", zip_code="75201"),
    }
    return {key: await add(client, fresh, **row) for key, row in rows.items()}


# --- R-PRO-1: add, read, change, delete -----------------------------------------------------------------------


async def test_r_pro_1_create_stores_normalised_values_and_search_keys(client, producer, app) -> None:
    r = await client.post(
        BASE,
        headers=producer,
        json={
            "first_name": "  Jessica ",
            "middle_initial": "k",
            "last_name": "McTester",
            "address1": "1 Main St",
            "address2": "",
            "city": "Chicago",
            "state": "il",
            "zip_code": "60601",
            "phone": "(312) 555-0100",
            "cell_phone": "+1 312 555 0177",
            "email": "Jessica.McTester@Example.COM",
            "assigned_agent_number": "220002580",
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"{BASE}/{body['id']}"
    assert {
        k: body[k]
        for k in (
            "first_name",
            "middle_initial",
            "last_name",
            "address1",
            "address2",
            "city",
            "state",
            "zip_code",
            "phone",
            "cell_phone",
            "email",
            "assigned_agent_number",
        )
    } == {
        "first_name": "Jessica",
        "middle_initial": "K",
        "last_name": "McTester",
        "address1": "1 Main St",
        "address2": None,
        "city": "Chicago",
        "state": "IL",
        "zip_code": "60601",
        "phone": "3125550100",
        "cell_phone": "3125550177",
        "email": "Jessica.McTester@example.com",
        "assigned_agent_number": "220002580",
    }
    assert body["proposal"] is None
    assert datetime.fromisoformat(body["created_at"]) == START == datetime.fromisoformat(body["updated_at"])
    row = await db_prospect(app, body["id"])
    assert row is not None and row.producer_id == await my_id(client, producer)
    assert (row.first_name_key, row.last_name_key, row.city_key, row.email_key) == (
        "jessica",
        "mctester",
        "chicago",
        "jessica.mctester@example.com",
    )
    [event] = await audit_actions(app, "prospect.created")
    assert event.target_type == "prospect" and event.target_id == str(body["id"])
    assert event.actor_username == "demoagent" and "Jessica" not in str(event.details)


async def test_r_pro_1_another_producers_number_cannot_be_assigned(client, producer, app) -> None:
    last_name = f"Foreign{random.randint(1000, 9999)}"
    problem = assert_problem(
        await client.post(BASE, json=payload(last_name=last_name, assigned_agent_number="330003690"), headers=producer),
        422,
        "prospect.agent_number_not_yours",
    )
    assert problem["errors"][0]["field"] == "assigned_agent_number"
    assert "220002580, 220002581" in problem["detail"]
    async with app.state.ctx.uow() as uow:
        stored = (await uow.session.execute(select(Prospect).where(Prospect.last_name == last_name))).scalars().all()
    assert stored == []
    # a change to someone else's number is refused too; the producer's own TX number is accepted
    body = await add(client, producer, assigned_agent_number="220002581")
    assert body["assigned_agent_number"] == "220002581"
    assert_problem(
        await client.patch(f"{BASE}/{body['id']}", json={"assigned_agent_number": "330003690"}, headers=producer),
        422,
        "prospect.agent_number_not_yours",
    )
    row = await db_prospect(app, body["id"])
    assert row is not None and row.assigned_agent_number == "220002581"


async def test_r_pro_1_only_first_last_state_and_zip_are_required(client, producer) -> None:
    body = await add(client, producer, first_name="Ann", last_name="Lee", state="TX", zip_code="75201")
    assert body["first_name"] == "Ann" and body["state"] == "TX"
    for optional in (
        "middle_initial",
        "address1",
        "address2",
        "city",
        "phone",
        "cell_phone",
        "email",
        "assigned_agent_number",
    ):
        assert body[optional] is None
    # an empty form field is "not given"
    blank = await add(client, producer, email="", address1=" ", phone="", middle_initial="")
    assert (blank["email"], blank["address1"], blank["phone"], blank["middle_initial"]) == (None, None, None, None)


async def test_r_pro_1_every_invalid_field_is_reported_at_once(client, producer, app) -> None:
    bad = {
        "first_name": "",
        "last_name": "   ",
        "state": "ZZ",
        "zip_code": "6060",
        "middle_initial": "1",
        "phone": "555-0100",
        "cell_phone": "12",
        "assigned_agent_number": "12345",
    }
    before = await count_prospects(app)
    problem = assert_problem(await client.post(BASE, json=bad, headers=producer), 422, "validation_failed")
    errors = {e["field"]: e["code"] for e in problem["errors"]}
    assert errors == {
        "first_name": "prospect.required",
        "last_name": "prospect.required",
        "state": "prospect.state_invalid",
        "zip_code": "prospect.zip_code_invalid",
        "middle_initial": "prospect.middle_initial_invalid",
        "phone": "prospect.phone_invalid",
        "cell_phone": "prospect.phone_invalid",
        "assigned_agent_number": "prospect.agent_number_invalid",
    }
    assert all(e["message"] for e in problem["errors"])
    assert await count_prospects(app) == before


async def test_r_pro_1_missing_required_fields_are_all_named(client, producer) -> None:
    problem = assert_problem(await client.post(BASE, json={"city": "Chicago"}, headers=producer), 422)
    assert {e["field"]: e["code"] for e in problem["errors"]} == {
        "first_name": "required",
        "last_name": "required",
        "state": "required",
        "zip_code": "required",
    }


async def test_r_pro_1_unknown_or_read_only_fields_are_refused(client, producer) -> None:
    problem = assert_problem(await client.post(BASE, json=payload(producer_id=1, id=5), headers=producer), 422)
    assert {(e["field"], e["code"]) for e in problem["errors"]} == {
        ("producer_id", "unknown_field"),
        ("id", "unknown_field"),
    }


async def test_r_pro_1_email_must_be_an_address(client, producer) -> None:
    problem = assert_problem(await client.post(BASE, json=payload(email="not-an-email"), headers=producer), 422)
    assert [e["field"] for e in problem["errors"]] == ["email"]


async def test_r_pro_1_get_returns_the_prospect(client, producer) -> None:
    created = await add(client, producer, city="Evanston")
    r = await client.get(f"{BASE}/{created['id']}", headers=producer)
    assert r.status_code == 200
    assert r.json() == {k: v for k, v in created.items() if k != "proposal"}
    assert_problem(await client.get(f"{BASE}/999999", headers=producer), 404, "not_found")


async def test_r_pro_1_patch_changes_only_the_fields_sent_and_keeps_keys_in_step(client, producer, app, clock) -> None:
    created = await add(client, producer, last_name="Smith", city="Chicago", phone="3125550100", email="a@example.com")
    clock.advance(minutes=5)
    r = await client.patch(
        f"{BASE}/{created['id']}",
        headers=producer,
        json={"last_name": "Zimmerman", "city": "Evanston", "phone": None, "email": "Z@Example.com"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["last_name"], body["city"], body["phone"], body["email"]) == (
        "Zimmerman",
        "Evanston",
        None,
        "Z@example.com",
    )
    assert (body["first_name"], body["state"], body["zip_code"]) == (created["first_name"], "IL", "60601")
    assert body["created_at"] == created["created_at"] and body["updated_at"] != created["updated_at"]
    row = await db_prospect(app, created["id"])
    assert row is not None
    assert (row.last_name_key, row.city_key, row.email_key, row.phone) == (
        "zimmerman",
        "evanston",
        "z@example.com",
        None,
    )
    found = (await client.get(BASE, params={"last_name": "zimm"}, headers=producer)).json()["items"]
    assert [i["id"] for i in found] == [created["id"]]
    [event] = await audit_actions(app, "prospect.updated")
    assert event.details == {"fields": ["last_name", "city", "phone", "email"]}


async def test_r_pro_1_patch_cannot_clear_required_fields_and_checks_the_rules(client, producer, app) -> None:
    created = await add(client, producer)
    problem = assert_problem(
        await client.patch(
            f"{BASE}/{created['id']}", headers=producer, json={"first_name": None, "zip_code": None, "state": "XX"}
        ),
        422,
    )
    assert {e["field"]: e["code"] for e in problem["errors"]} == {
        "first_name": "prospect.required",
        "zip_code": "prospect.required",
        "state": "prospect.state_invalid",
    }
    row = await db_prospect(app, created["id"])
    assert row is not None and (row.first_name, row.zip_code, row.state) == ("Jessica", "60601", "IL")
    assert_problem(
        await client.patch(f"{BASE}/{created['id']}", headers=producer, json={"created_at": "2020-01-01"}), 422
    )


async def test_r_pro_1_delete_removes_the_prospect(client, producer, app) -> None:
    created = await add(client, producer)
    r = await client.delete(f"{BASE}/{created['id']}", headers=producer)
    assert r.status_code == 204 and r.content == b""
    assert await db_prospect(app, created["id"]) is None
    assert_problem(await client.get(f"{BASE}/{created['id']}", headers=producer), 404)
    assert_problem(await client.delete(f"{BASE}/{created['id']}", headers=producer), 404)
    assert [e.target_id for e in await audit_actions(app, "prospect.deleted")] == [str(created["id"])]


# --- R-PRO-2: search -----------------------------------------------------------------------------------------


async def test_r_pro_2_show_all_lists_every_prospect_of_the_producer(client, fresh, book) -> None:
    r = await client.get(BASE, headers=fresh)
    body = r.json()
    assert body["total"] == 5 and body["page"] == 1 and body["page_size"] == 25
    assert {i["id"] for i in body["items"]} == {p["id"] for p in book.values()}
    assert set(body["items"][0]) == {
        "id",
        "first_name",
        "middle_initial",
        "last_name",
        "address1",
        "address2",
        "city",
        "state",
        "zip_code",
        "phone",
        "cell_phone",
        "email",
        "assigned_agent_number",
        "created_at",
        "updated_at",
    }


async def test_r_pro_2_search_by_last_name_prefix_case_insensitive(client, fresh, book) -> None:
    assert await names(client, fresh, last_name="smi") == ["John Smith", "Anna Smithers"]
    assert await names(client, fresh, last_name="SMITH") == ["John Smith", "Anna Smithers"]
    assert await names(client, fresh, last_name="smy") == ["Bob smythe"]
    assert await names(client, fresh, last_name="ång") == ["Émile Ångström"]
    assert await names(client, fresh, last_name="smithz") == []


async def test_r_pro_2_search_by_first_name_prefix_case_insensitive(client, fresh, book) -> None:
    assert await names(client, fresh, first_name="JOH") == ["Johnny Jones", "John Smith"]
    assert await names(client, fresh, first_name="john") == ["Johnny Jones", "John Smith"]
    assert await names(client, fresh, first_name="johnn") == ["Johnny Jones"]


async def test_r_pro_2_search_by_city_prefix_case_insensitive(client, fresh, book) -> None:
    assert await names(client, fresh, city="Chic") == ["Johnny Jones", "John Smith"]
    assert await names(client, fresh, city="CHICAGO H") == ["Johnny Jones"]
    assert await names(client, fresh, city="hou") == ["Bob smythe"]


async def test_r_pro_2_search_by_state_exactly(client, fresh, book) -> None:
    assert await names(client, fresh, state="TX") == ["Bob smythe", "Émile Ångström"]
    assert await names(client, fresh, state="tx") == ["Bob smythe", "Émile Ångström"]
    assert await names(client, fresh, state="OK") == []


async def test_r_pro_2_search_by_zip_code_exactly(client, fresh, book) -> None:
    assert await names(client, fresh, zip_code="60601") == ["John Smith"]
    assert await names(client, fresh, zip_code="60602") == []
    problem = assert_problem(await client.get(BASE, params={"zip_code": "6060"}, headers=fresh), 422)
    assert problem["errors"][0]["field"] == "zip_code"


async def test_r_pro_2_search_by_phone_matches_phone_or_cell_phone(client, fresh, book) -> None:
    assert await names(client, fresh, phone="(312) 555-0100") == ["John Smith", "Anna Smithers"]
    assert await names(client, fresh, phone="7135550199") == ["Bob smythe"]
    assert await names(client, fresh, phone="2175550100") == []
    problem = assert_problem(
        await client.get(BASE, params={"phone": "555"}, headers=fresh), 422, "prospect.phone_invalid"
    )
    assert problem["errors"][0]["field"] == "phone"


async def test_r_pro_2_search_by_email_exactly_any_case(client, fresh, book) -> None:
    assert await names(client, fresh, email="bob@example.com") == ["Bob smythe"]
    assert await names(client, fresh, email="JOHN.SMITH@EXAMPLE.COM") == ["John Smith"]
    assert await names(client, fresh, email="john.smith@example") == []


async def test_r_pro_2_search_fields_combine_with_and(client, fresh, book) -> None:
    assert await names(client, fresh, last_name="smi", state="IL", city="chic") == ["John Smith"]
    assert await names(client, fresh, last_name="smi", zip_code="62701") == ["Anna Smithers"]
    assert await names(client, fresh, first_name="jo", city="chicago") == ["Johnny Jones", "John Smith"]
    assert await names(
        client,
        fresh,
        first_name="jo",
        phone="3125550100",
        email="john.smith@example.com",
        state="IL",
        zip_code="60601",
        city="c",
        last_name="s",
    ) == ["John Smith"]
    assert await names(client, fresh, last_name="smi", state="TX") == []


async def test_r_pro_2_blank_search_fields_are_ignored(client, fresh, book) -> None:
    r = await client.get(BASE, params={"last_name": "", "city": " ", "state": ""}, headers=fresh)
    assert r.status_code == 200 and r.json()["total"] == 5


async def test_r_pro_2_invalid_search_fields_are_reported_together(client, fresh) -> None:
    problem = assert_problem(
        await client.get(BASE, params={"state": "ZZ", "zip_code": "abcde", "phone": "1"}, headers=fresh), 422
    )
    assert {e["field"] for e in problem["errors"]} == {"state", "zip_code", "phone"}


async def test_r_pro_2_pages_carry_the_total(client, fresh) -> None:
    for i in range(7):
        await add(client, fresh, last_name=f"Page{i}")
    seen: list[int] = []
    for page, expected in ((1, 3), (2, 3), (3, 1), (4, 0)):
        body = (await client.get(BASE, params={"page": page, "page_size": 3}, headers=fresh)).json()
        assert (body["total"], body["page"], body["page_size"], len(body["items"])) == (7, page, 3, expected)
        seen += [i["id"] for i in body["items"]]
    assert len(seen) == len(set(seen)) == 7
    assert [n.split()[1] for n in await names(client, fresh)] == [f"Page{i}" for i in range(7)]
    assert_problem(await client.get(BASE, params={"page_size": 201}, headers=fresh), 422)
    assert_problem(await client.get(BASE, params={"page": 0}, headers=fresh), 422)


async def test_r_pro_2_sorting_over_whitelisted_fields(client, fresh, clock) -> None:
    await add(client, fresh, first_name="Cal", last_name="Baker", city="Aurora", zip_code="60505")
    clock.advance(minutes=1)
    await add(client, fresh, first_name="Amy", last_name="baker", city=None, zip_code="60601")
    clock.advance(minutes=1)
    await add(client, fresh, first_name="Zed", last_name="Adams", city="Zion", zip_code="60099")
    assert await names(client, fresh) == ["Zed Adams", "Amy baker", "Cal Baker"]  # last_name, first_name
    assert await names(client, fresh, sort="-last_name,first_name") == ["Amy baker", "Cal Baker", "Zed Adams"]
    assert await names(client, fresh, sort="-created_at") == ["Zed Adams", "Amy baker", "Cal Baker"]
    assert await names(client, fresh, sort="zip_code") == ["Zed Adams", "Cal Baker", "Amy baker"]
    assert await names(client, fresh, sort="city") == ["Cal Baker", "Zed Adams", "Amy baker"]  # empty city last
    assert await names(client, fresh, sort="-city") == ["Zed Adams", "Cal Baker", "Amy baker"]
    problem = assert_problem(
        await client.get(BASE, params={"sort": "last_name,password"}, headers=fresh), 422, "prospect.sort_invalid"
    )
    assert problem["errors"][0]["field"] == "sort" and "'password'" in problem["detail"]
    assert "last_name" in problem["detail"]


# --- R-BOOK-1 / R-DEL-9: who may see what ---------------------------------------------------------------------


async def test_r_book_1_another_producers_prospect_answers_404_and_stays_unchanged(
    client, producer, other, app
) -> None:
    mine = await add(client, producer, last_name="Isolated")
    url = f"{BASE}/{mine['id']}"
    for method, body in (("GET", None), ("PATCH", {"last_name": "Hacked"}), ("DELETE", None)):
        problem = assert_problem(await client.request(method, url, json=body, headers=other), 404, "not_found")
        assert "Isolated" not in str(problem) and str(mine["id"]) not in problem["detail"]
    row = await db_prospect(app, mine["id"])
    assert row is not None and row.last_name == "Isolated"
    assert mine["id"] not in [
        i["id"] for i in (await client.get(BASE, params={"page_size": 200}, headers=other)).json()["items"]
    ]
    assert await names(client, other, last_name="isolated") == []


async def test_r_pro_3_bulk_delete_with_a_foreign_id_deletes_nothing(client, producer, other, app) -> None:
    mine = [await add(client, producer) for _ in range(2)]
    theirs = await add(client, other)
    r = await client.post(
        f"{BASE}/bulk-delete", json={"ids": [mine[0]["id"], theirs["id"], mine[1]["id"]]}, headers=producer
    )
    problem = assert_problem(r, 404, "not_found")
    assert problem["missing_ids"] == [theirs["id"]] and "nothing was done" in problem["detail"]
    for p in (*mine, theirs):
        assert await db_prospect(app, p["id"]) is not None
    for path in ("export", "print"):
        assert_problem(
            await client.get(f"{BASE}/{path}", params={"ids": f"{mine[0]['id']},{theirs['id']}"}, headers=producer),
            404,
            "not_found",
        )


async def test_r_book_1_anonymous_callers_get_401(client, producer) -> None:
    created = await add(client, producer)
    for method, path, body in (
        ("POST", BASE, payload()),
        ("GET", BASE, None),
        ("GET", f"{BASE}/{created['id']}", None),
        ("PATCH", f"{BASE}/{created['id']}", {}),
        ("DELETE", f"{BASE}/{created['id']}", None),
        ("POST", f"{BASE}/bulk-delete", {"ids": [created["id"]]}),
        ("GET", f"{BASE}/export", None),
        ("GET", f"{BASE}/print", None),
    ):
        assert_problem(await client.request(method, path, json=body), 401, "not_authenticated")


async def test_r_del_9_delegates_cannot_use_prospects(client, admin, producer, clock, app) -> None:
    created = await add(client, producer)
    delegate = await ready_delegate(client, admin, producer, clock)
    tokens = await mfa_sign_in(client, admin, delegate, clock)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    for method, path, body in (
        ("POST", BASE, payload()),
        ("GET", BASE, None),
        ("GET", f"{BASE}/{created['id']}", None),
        ("PATCH", f"{BASE}/{created['id']}", {"city": "X"}),
        ("DELETE", f"{BASE}/{created['id']}", None),
        ("POST", f"{BASE}/bulk-delete", {"ids": [created["id"]]}),
        ("GET", f"{BASE}/export", None),
        ("GET", f"{BASE}/print", None),
    ):
        assert_problem(await client.request(method, path, json=body, headers=auth), 403, "delegate_not_permitted")
    row = await db_prospect(app, created["id"])
    assert row is not None and row.city is None


# --- R-PRO-3: delete selected, export, print ----------------------------------------------------------------------


async def test_r_pro_3_bulk_delete_removes_the_selected_rows_only(client, fresh, app) -> None:
    a, b, c = [await add(client, fresh) for _ in range(3)]
    r = await client.post(f"{BASE}/bulk-delete", json={"ids": [a["id"], c["id"], a["id"]]}, headers=fresh)
    assert r.status_code == 200 and r.json() == {"deleted": 2}
    assert await db_prospect(app, a["id"]) is None and await db_prospect(app, c["id"]) is None
    assert await db_prospect(app, b["id"]) is not None
    assert [i["id"] for i in (await client.get(BASE, headers=fresh)).json()["items"]] == [b["id"]]
    [event] = await audit_actions(app, "prospect.deleted")
    assert event.details == {"ids": [a["id"], c["id"]], "count": 2, "bulk": True}
    assert_problem(await client.post(f"{BASE}/bulk-delete", json={"ids": []}, headers=fresh), 422)
    assert_problem(await client.post(f"{BASE}/bulk-delete", json={"ids": [0]}, headers=fresh), 422)


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


async def test_r_pro_3_export_all_as_csv(client, fresh, book, app) -> None:
    await client.patch(
        f"{BASE}/{book['john']['id']}", json={"middle_initial": "Q", "address1": "1 Main St"}, headers=fresh
    )
    r = await client.get(f"{BASE}/export", params={"format": "csv"}, headers=fresh)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="prospects-20261122.csv"'
    rows = _csv_rows(r.content)
    assert rows[0] == HEADERS
    assert [row[2] for row in rows[1:]] == ["Jones", "Smith", "Smithers", "smythe", "Ångström"]  # screen order
    john = next(row for row in rows if row[2] == "Smith")
    assert john == [
        "John",
        "Q",
        "Smith",
        "1 Main St",
        "",
        "Chicago",
        "IL",
        "60601",
        "(312) 555-0100",
        "",
        "john.smith@example.com",
        "11/22/2026",
    ]
    anna = next(row for row in rows if row[2] == "Smithers")
    assert anna[8:10] == ["", "(312) 555-0100"]
    [event] = await audit_actions(app, "prospect.exported")
    assert event.details is not None and event.details["format"] == "csv" and event.details["count"] == 5


async def test_r_pro_3_export_selected_rows_only(client, fresh, book) -> None:
    ids = [book["bob"]["id"], book["anna"]["id"]]
    repeated = await client.get(
        f"{BASE}/export", params=[("format", "csv"), ("ids", ids[0]), ("ids", ids[1])], headers=fresh
    )
    comma = await client.get(f"{BASE}/export", params={"format": "csv", "ids": f"{ids[0]}, {ids[1]}"}, headers=fresh)
    for r in (repeated, comma):
        assert r.status_code == 200, r.text
        assert [row[2] for row in _csv_rows(r.content)[1:]] == ["Smithers", "smythe"]
    searched = await client.get(
        f"{BASE}/export", params={"format": "csv", "state": "TX", "sort": "-last_name"}, headers=fresh
    )
    assert [row[2] for row in _csv_rows(searched.content)[1:]] == ["Ångström", "smythe"]
    assert_problem(await client.get(f"{BASE}/export", params={"ids": "1,x"}, headers=fresh), 422)


async def test_r_pro_3_csv_cells_are_never_spreadsheet_formulas(client, fresh) -> None:
    await add(client, fresh, first_name='=HYPERLINK("http://evil")', last_name="+Plus", address1="@SUM(A1)")
    rows = _csv_rows((await client.get(f"{BASE}/export", params={"format": "csv"}, headers=fresh)).content)
    assert rows[1][0] == '\'=HYPERLINK("http://evil")' and rows[1][2] == "'+Plus" and rows[1][3] == "'@SUM(A1)"


async def test_r_pro_3_export_as_xlsx_workbook(client, fresh, book) -> None:
    r = await client.get(f"{BASE}/export", params={"format": "xlsx"}, headers=fresh)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"] == 'attachment; filename="prospects-20261122.xlsx"'
    assert int(r.headers["content-length"]) == len(r.content)
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None and sheet.title == "Prospects"
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert [row[2] for row in rows[1:]] == ["Jones", "Smith", "Smithers", "smythe", "Ångström"]
    john = next(row for row in rows if row[2] == "Smith")
    assert list(john[:11]) == [
        "John",
        None,
        "Smith",
        None,
        None,
        "Chicago",
        "IL",
        "60601",
        "(312) 555-0100",
        None,
        "john.smith@example.com",
    ]
    assert john[11] == datetime(2026, 11, 22)
    assert sheet.cell(row=2, column=12).number_format == "MM/DD/YYYY"
    # the default format is xlsx, and a selection works the same way
    selected = await client.get(f"{BASE}/export", params={"ids": str(book["emile"]["id"])}, headers=fresh)
    rows = list(load_workbook(io.BytesIO(selected.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert [row[:3] for row in rows[1:]] == [("Émile", None, "Ångström")]


async def test_r_pro_3_export_formats_are_xlsx_and_csv_only(client, fresh) -> None:
    problem = assert_problem(await client.get(f"{BASE}/export", params={"format": "pdf"}, headers=fresh), 422)
    assert problem["errors"][0]["field"] == "format"


async def test_r_pro_3_print_selected_rows_as_pdf(client, fresh, book, app) -> None:
    ids = f"{book['john']['id']},{book['bob']['id']}"
    r = await client.get(f"{BASE}/print", params={"ids": ids}, headers=fresh)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'attachment; filename="prospects-20261122.pdf"'
    reader = PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) >= 1
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Smith" in text and "smythe" in text and "11/22/2026" in text and "First Name" in text
    assert "printed 11/22/2026 09:00 AM CST" in text  # issue 15: in the producer's time zone, not UTC
    assert "Smithers" not in text and "Jones" not in text
    [event] = await audit_actions(app, "prospect.printed")
    assert event.details is not None and event.details["count"] == 2 and event.details["selected"] is True


async def _bulk_insert(app, producer_id: int, count: int) -> None:  # type: ignore[no-untyped-def]
    data = validate_prospect({"first_name": "Bulk", "last_name": "Row", "state": "IL", "zip_code": "60601"})
    row = {**data.as_dict(), **data.keys(), "producer_id": producer_id, "created_at": START, "updated_at": START}
    async with app.state.ctx.uow() as uow:
        await uow.session.execute(
            insert(Prospect),
            [{**row, "last_name": f"Row{i:05d}", "last_name_key": f"row{i:05d}"} for i in range(count)],
        )
        await uow.commit()


async def test_r_pro_3_print_all_repeats_the_header_on_every_page(client, fresh, app) -> None:
    await _bulk_insert(app, await my_id(client, fresh), 150)
    r = await client.get(f"{BASE}/print", headers=fresh)
    assert r.status_code == 200
    pages = PdfReader(io.BytesIO(r.content)).pages
    assert len(pages) >= 3
    for page in pages:
        assert "First Name" in page.extract_text() and "Email Address" in page.extract_text()
    text = "\n".join(p.extract_text() for p in pages)
    assert "Row00000" in text and "Row00149" in text and "150 prospects" in text


async def test_r_pro_3_print_is_capped_with_a_clear_error(client, fresh, app) -> None:
    await _bulk_insert(app, await my_id(client, fresh), PRINT_MAX_ROWS + 1)
    problem = assert_problem(await client.get(f"{BASE}/print", headers=fresh), 422, "prospect.file_too_large")
    assert f"{PRINT_MAX_ROWS:,}" in problem["detail"]
    # a narrower search prints
    r = await client.get(f"{BASE}/print", params={"last_name": "row0000"}, headers=fresh)
    assert r.status_code == 200 and "Row00009" in PdfReader(io.BytesIO(r.content)).pages[0].extract_text()


# --- R-PRO-4: save and create proposal ---------------------------------------------------------------------------


PROPOSAL_QUOTE: dict[str, Any] = {
    "county": "Cook",
    "effective_date": "2027-01-01",
    "coverage": "medical",
    "applicant": {"date_of_birth": "1988-02-10", "sex": "female"},
    "dependents": [{"date_of_birth": "2015-03-03", "sex": "male"}],
}


async def test_r_pro_4_save_and_create_proposal_creates_the_quote_prefilled_from_the_prospect(
    client, producer, app
) -> None:
    body = await add(
        client,
        producer,
        first_name="Quin",
        last_name="Quote",
        state="IL",
        zip_code="60601",
        create_proposal=True,
        quote=PROPOSAL_QUOTE,
    )
    proposal = body["proposal"]
    assert proposal["prospect_id"] == body["id"] and proposal["zip_code"] == "60601"
    assert (proposal["county"], proposal["state"], proposal["effective_date"], proposal["coverage"]) == (
        "Cook",
        "IL",
        "2027-01-01",
        "medical",
    )
    assert proposal["applicant"]["first_name"] == "Quin" and proposal["applicant"]["last_name"] == "Quote"
    assert proposal["applicant"]["date_of_birth"] == "1988-02-10"
    assert [d["date_of_birth"] for d in proposal["dependents"]] == ["2015-03-03"]
    # the quote is stored in the producer's book, as GET /quotes/{id} answers it
    r = await client.get(f"/api/v1/quotes/{proposal['id']}", headers=producer)
    assert r.status_code == 200 and r.json() == proposal
    async with app.state.ctx.uow() as uow:
        stored = (await uow.session.execute(select(Quote).where(Quote.prospect_id == body["id"]))).scalars().all()
    assert [q.id for q in stored] == [proposal["id"]]
    [event] = [e for e in await audit_actions(app, "quote.created") if e.target_id == str(proposal["id"])]
    assert event.details["prospect_id"] == body["id"]
    plain = await add(client, producer, create_proposal=False)
    assert plain["proposal"] is None


async def test_r_pro_4_proposal_needs_the_quote_details(client, producer) -> None:
    problem = assert_problem(
        await client.post(BASE, json=payload(create_proposal=True), headers=producer), 422, "validation_failed"
    )
    assert "date of birth" in problem["detail"]
    problem = assert_problem(
        await client.post(BASE, json=payload(quote=PROPOSAL_QUOTE), headers=producer), 422, "validation_failed"
    )
    assert "create_proposal" in problem["detail"]


async def test_r_pro_4_a_quote_error_saves_neither_prospect_nor_quote(client, producer, app) -> None:
    last_name = f"NoQuote{random.randint(1000, 9999)}"
    bad = {**PROPOSAL_QUOTE, "county": "Lake"}
    r = await client.post(BASE, json=payload(last_name=last_name, create_proposal=True, quote=bad), headers=producer)
    problem = assert_problem(r, 422, "quote.county_mismatch")
    assert problem["errors"][0]["field"] == "county"
    async with app.state.ctx.uow() as uow:
        stored = (await uow.session.execute(select(Prospect).where(Prospect.last_name == last_name))).scalars().all()
    assert stored == []


class _RecordingHook:
    """A stand-in for the quotes feature: writes in the prospect's transaction, or fails."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail

    async def create_for_prospect(self, *, uow, producer, prospect, **rest: Any) -> Any:  # type: ignore[no-untyped-def]
        uow.audit.add(
            AuditEvent(
                occurred_at=START,
                action="quote.created",
                outcome="success",
                target_type="prospect",
                target_id=str(prospect.id),
            )
        )
        if self.fail:
            raise ValidationFailed(
                "No plans are offered in this zip code.", code="quote.no_plans_offered", field="zip_code"
            )
        return await QuoteProposalHook().create_for_prospect(uow=uow, producer=producer, prospect=prospect, **rest)


@pytest.mark.parametrize("fail", [False, True])
async def test_r_pro_4_the_proposal_is_created_in_the_same_transaction(client, producer, app, fail) -> None:
    app.dependency_overrides[get_proposal_hook] = lambda: _RecordingHook(fail)
    try:
        last_name = f"Hook{random.randint(1000, 9999)}"
        r = await client.post(
            BASE, json=payload(last_name=last_name, create_proposal=True, quote=PROPOSAL_QUOTE), headers=producer
        )
    finally:
        app.dependency_overrides.clear()
    async with app.state.ctx.uow() as uow:
        stored = (await uow.session.execute(select(Prospect).where(Prospect.last_name == last_name))).scalars().all()
    quotes = await audit_actions(app, "quote.created")
    if fail:
        assert_problem(r, 422, "quote.no_plans_offered")
        assert stored == [] and quotes == []  # nothing half-done
    else:
        assert r.status_code == 201 and r.json()["proposal"]["prospect_id"] == r.json()["id"]
        assert [p.id for p in stored] == [r.json()["id"]]
        assert sorted(q.target_id for q in quotes) == sorted([str(r.json()["id"]), str(r.json()["proposal"]["id"])])
