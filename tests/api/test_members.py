"""Member search, client detail and contact changes through the API (R-BOOK-1, R-MEM-2..7, R-CIC-1..5)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.repositories.orm import Account, AuditEvent, ContactInfoChange
from tests.factories import make_family, producer_id
from tests.helpers import assert_problem, bearer

SEARCH = "/api/v1/members"


@pytest.fixture
async def book(app, demo):  # type: ignore[no-untyped-def]
    """demoagent: Jessica Tester (+spouse, 2 kids, HMO + dental), Tess Testerman, Sam Smith (Termed PPO);
    otheragent: a Jessica Tester of its own with the same SSN-4 and date of birth."""
    async with app.state.ctx.uow() as uow:
        me = await producer_id(uow, "demoagent")
        other = await producer_id(uow, "otheragent")
        # names, zip and numbers chosen not to collide with the demo book loaded by the `demo` fixture
        jt = await make_family(
            uow,
            me,
            last_name="Qtester",
            first_name="Jessica",
            dob=date(1961, 7, 13),
            ssn_last4="0412",
            children=[date(2015, 3, 3), date(2000, 12, 1)],
            dental=True,
            client_app_id="PP97127",
            pending_application_id="AB12CD",
            zip_code="60698",
            email="qjessica@example.com",
            phone_home="3125559100",
        )
        tt = await make_family(
            uow,
            me,
            last_name="Qtesterman",
            first_name="Tess",
            dob=date(1960, 1, 1),
            ssn_last4="0413",
            spouse=False,
            email="qtess@example.com",
            phone_home="2145559123",
            zip_code="60698",
        )
        ss = await make_family(
            uow,
            me,
            last_name="Qsmith",
            first_name="Sam",
            dob=date(1950, 6, 6),
            ssn_last4="0414",
            spouse=False,
            plan_id="T-PPO-1",
            status="Termed",
            exchange="on",
            termination_date=date(2026, 6, 30),
            exchange_assigned_id="EX123QQ",
            producer_number="220002581",
            zip_code="60698",
            email="qsam@example.com",
            phone_home="3125559102",
        )
        theirs = await make_family(
            uow,
            other,
            last_name="Qtester",
            first_name="Jessica",
            dob=date(1961, 7, 13),
            ssn_last4="0412",
            producer_number="330003690",
            zip_code="60698",
        )
        await uow.commit()
    return {"jt": jt, "tt": tt, "ss": ss, "theirs": theirs}


async def search(client, headers, **params):  # type: ignore[no-untyped-def]
    r = await client.get(SEARCH, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_r_mem_2_simple_search_by_account_number_or_ssn4(client, producer, book) -> None:
    jt = book["jt"]
    res = await search(client, producer, account_number=jt.account_number)
    assert res["total"] == 2  # medical and dental policy rows
    assert {r["coverage"] for r in res["items"]} == {"medical", "dental"}
    assert all(r["account_number"] == jt.account_number for r in res["items"])
    res = await search(client, producer, ssn_last4="0412")
    assert {r["account_number"] for r in res["items"]} == {jt.account_number}  # not otheragent's Jessica


async def test_r_mem_2_spouse_and_dependent_details_never_match(client, producer, book) -> None:
    # the spouse is "Sam Tester" born 1987-05-01 with SSN-4 9999: none of that finds the account
    assert (await search(client, producer, ssn_last4="9999"))["total"] == 0
    assert (await search(client, producer, date_of_birth="1987-05-01"))["total"] == 0
    assert (await search(client, producer, first_name="Sam", last_name="Tester"))["total"] == 0


async def test_r_mem_3_advanced_criteria_alone_and_combined(client, producer, book) -> None:
    jt, tt, ss = book["jt"], book["tt"], book["ss"]
    cases = [
        ({"last_name": "qtest"}, {jt.account_number, tt.account_number}),  # prefix, any case
        ({"last_name": "QTESTERM"}, {tt.account_number}),
        ({"first_name": "jess", "last_name": "qtester"}, {jt.account_number}),
        ({"ssn_last4": "0412", "date_of_birth": "07/13/1961"}, {jt.account_number}),
        ({"date_of_birth": "1960-01-01"}, {tt.account_number}),
        ({"phone": "(214) 555-9123"}, {tt.account_number}),
        ({"email": "QTESS@Example.com"}, {tt.account_number}),
        ({"zip_code": "60698"}, {jt.account_number, tt.account_number, ss.account_number}),
        ({"client_app_id": "pp97127"}, {jt.account_number}),
        ({"pending_application_id": "ab12cd"}, {jt.account_number}),
        ({"exchange_assigned_id": "EX123QQ"}, {ss.account_number}),
        ({"producer_number": "220002581", "zip_code": "60698"}, {ss.account_number}),
        ({"producer_last_name": "demo", "ssn_last4": "0414"}, {ss.account_number}),
        ({"producer_last_name": "someoneelse"}, set()),
        ({"last_name": "qtester", "zip_code": "99999"}, set()),
    ]
    for params, expected in cases:
        got = {r["account_number"] for r in (await search(client, producer, **params))["items"]}
        assert got == expected, params


async def test_r_mem_3_searches_are_scoped_to_the_book_first(client, demo, book) -> None:
    other = await bearer(client, "otheragent", "Other123")
    res = await search(client, other, last_name="qtester")
    assert {r["account_number"] for r in res["items"]} == {book["theirs"].account_number}
    assert (await search(client, other, account_number=book["jt"].account_number))["total"] == 0


async def test_r_mem_3_at_least_one_criterion_and_valid_values(client, producer, book) -> None:
    assert_problem(await client.get(SEARCH, headers=producer), 422, "search.criteria_required")
    body = assert_problem(
        await client.get(
            SEARCH,
            params={"ssn_last4": "12a4", "date_of_birth": "31/31/2020", "phone": "123", "zip_code": "abcde"},
            headers=producer,
        ),
        422,
    )
    assert {e["field"] for e in body["errors"]} == {"ssn_last4", "date_of_birth", "phone", "zip_code"}


async def test_r_mem_4_result_rows_paging_sorting_and_column_filters(client, producer, book) -> None:
    jt, ss = book["jt"], book["ss"]
    res = await search(client, producer, zip_code="60698", sort="last_name,-coverage", page_size=2)
    assert res["total"] == 4 and res["page_size"] == 2 and len(res["items"]) == 2
    first = res["items"][0]
    assert first["last_name"] == "Qsmith" and first["record_type"] == "Policy"
    assert set(first) >= {
        "last_name",
        "first_name",
        "record_type",
        "e_app_number",
        "client_app_id",
        "member_count",
        "group_number",
        "account_number",
        "status",
        "product_type",
        "product_name",
        "coverage_effective_date",
        "paid_to_date",
        "termed_date",
        "producer_name",
        "producer_number",
    }
    assert first["status"] == "Termed" and first["termed_date"] == "2026-06-30"
    assert first["product_type"] == "ON-EXCHANGE" and first["producer_name"] == "Dana Demo"
    assert (res["items"][1]["account_number"], res["items"][1]["coverage"]) == (jt.account_number, "medical")
    page2 = await search(client, producer, zip_code="60698", sort="last_name,-coverage", page_size=2, page=2)
    assert [(r["last_name"], r["coverage"]) for r in page2["items"]] == [
        ("Qtester", "dental"),
        ("Qtesterman", "medical"),
    ]
    assert page2["items"][0]["member_count"] == 4
    filtered = await search(client, producer, zip_code="60698", filter_status="termed")
    assert [r["account_number"] for r in filtered["items"]] == [ss.account_number]
    filtered = await search(client, producer, zip_code="60698", filter_product_name="dental")
    assert [r["coverage"] for r in filtered["items"]] == ["dental"]
    assert (await search(client, producer, zip_code="60698", filter_record_type="Application"))["total"] == 0
    assert_problem(
        await client.get(SEARCH, params={"zip_code": "60601", "sort": "ssn"}, headers=producer),
        422,
        "sort.unknown_field",
    )


async def test_r_mem_5_client_detail_with_policies_members_and_current_pcp(client, producer, book, app) -> None:
    jt = book["jt"]
    r = await client.get(f"{SEARCH}/{jt.account_number}", headers=producer)
    assert r.status_code == 200, r.text
    d = r.json()
    assert (d["first_name"], d["last_name"], d["ssn_last4"]) == ("Jessica", "Qtester", "0412")
    assert d["address"]["zip_code"] == "60698" and d["phones"]["home"] == "3125559100"
    assert d["email"] == "qjessica@example.com"
    medical = next(p for p in d["policies"] if p["coverage"] == "medical")
    dental = next(p for p in d["policies"] if p["coverage"] == "dental")
    assert medical["requires_pcp"] is True and medical["network_type"] == "HMO"
    assert [m["relationship"] for m in medical["members"]] == ["primary", "spouse", "child", "child"]
    assert all(
        m["pcp"]["medical_group_number"] == "T124" and m["pcp"]["term_date"] == "9999-12-31" for m in medical["members"]
    )
    assert all(m["pcp"] is None for m in dental["members"])
    assert d["pending_contact_changes"] == []
    assert "ssn" not in r.text.replace("ssn_last4", "")  # R-MEM-7: never a full SSN
    kid, adult_kid = medical["members"][2], medical["members"][3]
    assert kid["uses_primary_contact"] is True and adult_kid["uses_primary_contact"] is False  # R-CIC-5


async def test_r_mem_5_detail_of_another_producers_account_is_404(client, producer, book) -> None:
    assert_problem(await client.get(f"{SEARCH}/{book['theirs'].account_number}", headers=producer), 404)
    assert_problem(await client.get(f"{SEARCH}/000000000", headers=producer), 404)


async def test_r_mem_6_every_phi_read_is_audited(client, producer, book, app) -> None:
    jt = book["jt"]
    await search(client, producer, ssn_last4="0412", date_of_birth="1961-07-13")
    await client.get(f"{SEARCH}/{jt.account_number}", headers=producer)
    async with app.state.ctx.uow() as uow:
        events = (
            (
                await uow.session.execute(
                    select(AuditEvent).where(AuditEvent.action.like("member.%")).order_by(AuditEvent.id)
                )
            )
            .scalars()
            .all()
        )
    assert [e.action for e in events] == ["member.search", "member.detail"]
    s, d = events
    assert s.actor_username == "demoagent" and s.details["accounts"] == [jt.account_number]
    assert s.details["criteria"] == ["ssn_last4", "date_of_birth"] and s.request_id and s.ip
    # the criteria values (PHI) are not copied into the log (account numbers are random digits: left out of the look)
    assert not [v for k, v in s.details.items() if k != "accounts" and ("0412" in str(v) or "1961" in str(v))]
    assert d.target_id == jt.account_number and d.occurred_at is not None


async def test_r_cic_4_change_is_pending_then_applied_after_four_hours(client, producer, book, app, clock) -> None:
    jt = book["jt"]
    url = f"{SEARCH}/{jt.account_number}/contact-info-changes"
    r = await client.post(
        url,
        headers=producer,
        json={
            "phones": [{"type": "cellular", "number": "(312) 555-0199", "send_text": True}],
            "email": "qnew@example.com",
        },
    )
    assert r.status_code == 202, r.text
    change = r.json()
    assert change["status"] == "pending"
    assert change["effective_at"].startswith("2026-11-22T19:00")  # 4 hours after 15:00
    detail = (await client.get(f"{SEARCH}/{jt.account_number}", headers=producer)).json()
    assert detail["email"] == "qjessica@example.com" and detail["phones"]["cell"] is None  # old values still current
    [pending] = detail["pending_contact_changes"]
    assert pending["updated"]["phones"]["cell"] == "3125550199" and pending["updated"]["email"] == "qnew@example.com"
    assert (await search(client, producer, email="qnew@example.com"))["total"] == 0
    clock.advance(hours=4)
    producer = await bearer(client, "demoagent", "Demo1234")  # the first token has expired by now
    r = await client.get(f"{SEARCH}/{jt.account_number}", headers=producer)
    assert r.status_code == 200, r.text
    detail = r.json()
    assert detail["email"] == "qnew@example.com" and detail["phones"]["cell"] == "3125550199"
    assert detail["pending_contact_changes"] == []
    assert (await search(client, producer, email="QNEW@example.com"))["total"] == 2
    async with app.state.ctx.uow() as uow:
        row = (await uow.session.execute(select(ContactInfoChange))).scalar_one()
        assert row.status == "applied" and row.applied_at is not None


async def test_r_cic_4_the_background_job_applies_due_changes(client, producer, book, app, clock) -> None:
    from app.services.members import apply_due_contact_changes

    jt = book["jt"]
    await client.post(
        f"{SEARCH}/{jt.account_number}/contact-info-changes",
        headers=producer,
        json={"phones": [{"type": "work", "number": "3125550777", "extension": "12"}]},
    )
    assert await apply_due_contact_changes(ctx=app.state.ctx) == 0
    clock.advance(hours=4, seconds=1)
    assert await apply_due_contact_changes(ctx=app.state.ctx) == 1
    async with app.state.ctx.uow() as uow:
        acc = (
            await uow.session.execute(select(Account).where(Account.account_number == jt.account_number))
        ).scalar_one()
    assert acc.phone_work == "3125550777" and acc.phone_details["work"] == {"extension": "12", "send_text": False}


async def test_r_cic_1_only_the_primary_insured(client, producer, book) -> None:
    jt = book["jt"]
    body = assert_problem(
        await client.post(
            f"{SEARCH}/{jt.account_number}/contact-info-changes",
            headers=producer,
            json={"member_id": jt.member_ids["spouse"], "email": "spouse@example.com"},
        ),
        422,
        "cic.not_primary",
    )
    assert "primary insured" in body["detail"]
    ok = await client.post(
        f"{SEARCH}/{jt.account_number}/contact-info-changes",
        headers=producer,
        json={"member_id": jt.member_ids["primary"], "email": "primary@example.com"},
    )
    assert ok.status_code == 202


async def test_r_cic_2_every_phone_needs_a_type(client, producer, book) -> None:
    jt = book["jt"]
    body = assert_problem(
        await client.post(
            f"{SEARCH}/{jt.account_number}/contact-info-changes",
            headers=producer,
            json={"phones": [{"number": "3125550101"}, {"type": "pager", "number": "3125550102"}]},
        ),
        422,
    )
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        ("phones.0.type", "cic.phone_type_required"),
        ("phones.1.type", "cic.phone_type_invalid"),
    ]


async def test_r_cic_3_a_request_that_changes_nothing(client, producer, book, app) -> None:
    jt = book["jt"]
    body = assert_problem(
        await client.post(
            f"{SEARCH}/{jt.account_number}/contact-info-changes",
            headers=producer,
            json={"phones": [{"type": "home", "number": "312-555-9100"}], "email": "QJESSICA@example.com"},
        ),
        422,
        "cic.no_change",
    )
    assert body["detail"] == "No change to the existing record"
    async with app.state.ctx.uow() as uow:
        assert (await uow.session.execute(select(ContactInfoChange))).first() is None


async def test_contact_change_on_another_producers_account_is_404(client, producer, book) -> None:
    assert_problem(
        await client.post(
            f"{SEARCH}/{book['theirs'].account_number}/contact-info-changes",
            headers=producer,
            json={"email": "x@example.com"},
        ),
        404,
    )


async def test_issue_16_unknown_filter_values_are_422_naming_the_allowed_values(client, producer, book) -> None:
    cases = {
        "filter_product_type": ("off", "'ON-EXCHANGE'"),
        "filter_exchange": ("ON", None),  # any letter case reads as the one spelling (below)
        "filter_status": ("Cancelled", "'Grace Period'"),
        "filter_coverage": ("vision", "'dental'"),
        "filter_record_type": ("Quote", "'Application'"),
    }
    for name, (value, named) in cases.items():
        r = await client.get(SEARCH, params={"zip_code": "60698", name: value}, headers=producer)
        if named is None:
            assert r.status_code == 200, r.text
            continue
        body = assert_problem(r, 422, "validation_failed")
        assert body["errors"] == [
            {"field": name, "code": body["errors"][0]["code"], "message": body["errors"][0]["message"]}
        ]
        assert named in body["errors"][0]["message"] and body["errors"][0]["message"].startswith("Choose one of")
    r = await client.get("/api/v1/enrollments", params={"status": "done"}, headers=producer)
    body = assert_problem(r, 422, "validation_failed")
    assert body["errors"][0]["field"] == "status" and "'submitted'" in body["errors"][0]["message"]


async def test_issue_16_one_exchange_spelling_and_the_old_one_still_read(client, producer, book) -> None:
    ss = book["ss"]
    rows = (await search(client, producer, zip_code="60698"))["items"]
    assert {(r["product_type"], r["exchange"]) for r in rows} == {("ON-EXCHANGE", "on"), ("OFF-EXCHANGE", "off")}
    on = await search(client, producer, zip_code="60698", filter_exchange="on")
    assert [r["account_number"] for r in on["items"]] == [ss.account_number]
    old = await search(client, producer, zip_code="60698", filter_product_type="on-exchange")  # deprecated spelling
    assert old["items"] == on["items"]
    upper = await search(client, producer, zip_code="60698", filter_exchange="ON")
    assert upper["items"] == on["items"]
    off = await search(client, producer, zip_code="60698", filter_exchange="off", filter_status="ACTIVE")
    assert off["total"] == 3 and {r["status"] for r in off["items"]} == {"Active"}
    conflict = await client.get(
        SEARCH,
        params={"zip_code": "60698", "filter_exchange": "on", "filter_product_type": "OFF-EXCHANGE"},
        headers=producer,
    )
    body = assert_problem(conflict, 422, "search.filter_conflict")
    assert body["errors"][0]["field"] == "filter_exchange"


async def test_issue_16_member_id_is_a_string_in_the_history_path_too(client, producer, book) -> None:
    jt = book["jt"]
    url = f"{SEARCH}/{jt.account_number}/members/{jt.member_ids['primary']}/pcp-history"
    r = await client.get(url, headers=producer)
    assert r.status_code == 200, r.text
    assert isinstance(r.json(), list)
    bad = await client.get(
        f"{SEARCH}/{jt.account_number}/members/x{jt.member_ids['primary']}/pcp-history", headers=producer
    )
    assert assert_problem(bad, 422, "validation_failed")["errors"][0]["field"] == "member_id"
    change = await client.post(
        f"{SEARCH}/{jt.account_number}/contact-info-changes",
        json={"member_id": str(jt.member_ids["primary"]), "email": "qjessica2@example.com"},
        headers=producer,
    )
    assert change.status_code == 202, change.text
    assert change.json()["updated"]["email"] == "qjessica2@example.com"
