"""ID cards through the API (R-ID-1 .. R-ID-5); the temporary card PDF is parsed."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.repositories.orm import AuditEvent, IdCardRequestItem
from tests.factories import make_family, producer_id
from tests.helpers import assert_problem, bearer

URL = "/api/v1/id-card-requests"


@pytest.fixture
async def fam(app, demo):  # type: ignore[no-untyped-def]
    from datetime import date

    async with app.state.ctx.uow() as uow:
        f = await make_family(uow, await producer_id(uow, "demoagent"), children=[date(2015, 3, 3)], dental=True)
        await uow.commit()
    return f


async def order(client, producer, fam, kind, policy="medical", **extra):  # type: ignore[no-untyped-def]
    body = {"account_number": fam.account_number, "kind": kind, "policy_id": str(fam.policy_ids[policy]), **extra}
    return await client.post(URL, json=body, headers=producer)


async def test_r_id_2_pcp_plan_one_card_per_chosen_member_with_their_own_pcp(client, producer, fam) -> None:
    r = await order(
        client, producer, fam, "temporary", member_ids=[str(fam.member_ids["primary"]), str(fam.member_ids["child0"])]
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "Generated" and body["pdf_url"] == f"{URL}/{body['id']}/pdf"
    assert [(c["relationship"], c["quantity"]) for c in body["cards"]] == [("primary", 1), ("child", 1)]
    pdf = await client.get(body["pdf_url"], headers=producer)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith('attachment; filename="temporary-id-card-')
    reader = PdfReader(BytesIO(pdf.content))
    assert len(reader.pages) == 2  # R-ID-5: one page per card
    first, second = (p.extract_text() for p in reader.pages)
    for text in (first, second):  # R-ID-5: carrier, plan, ids, group, effective date, PCP, phone
        assert "Blue Cross and Blue Shield of Illinois" in text and "Blue Precision Bronze HMO 205" in text
        assert "IB2121" in text and "01/01/2026" in text and "Group T124" in text and "(800) 555-1212" in text
        # issue 15: what a pharmacy needs (Rx BIN, PCN, group from the plan's reference data) and member services
        assert "Rx BIN / PCN:\n011552 / ILIFP" in text and "Rx Group:\nILHMO205" in text
        assert "Member Services: (800) 555-1212" in text
    assert "JESSICA TESTER" in first and f"{fam.account_number}-01" in first
    assert "KID0 TESTER" in second and f"{fam.account_number}-03" in second


async def test_r_id_2_pcp_plan_needs_members(client, producer, fam) -> None:
    body = assert_problem(await order(client, producer, fam, "temporary"), 422, "id_card.members_required")
    assert body["errors"][0]["field"] == "member_ids"


async def test_r_id_2_plan_without_pcp_carries_only_the_primary_name(client, producer, fam) -> None:
    r = await order(client, producer, fam, "temporary", policy="dental")
    assert r.status_code == 201, r.text
    assert [c["relationship"] for c in r.json()["cards"]] == ["primary"]
    text = PdfReader(BytesIO((await client.get(r.json()["pdf_url"], headers=producer)).content)).pages[0].extract_text()
    assert "JESSICA TESTER" in text and "PCP" not in text and "Rx BIN" not in text  # a dental plan has no pharmacy
    assert_problem(
        await order(client, producer, fam, "temporary", policy="dental", member_ids=[str(fam.member_ids["spouse"])]),
        422,
        "id_card.no_member_choice",
    )


async def test_r_id_3_permanent_cards_one_per_member_or_several_copies(client, producer, fam, app) -> None:
    r = await order(client, producer, fam, "permanent", member_ids=[str(fam.member_ids["spouse"])])
    assert r.status_code == 201 and r.json()["status"] == "Requested" and r.json()["pdf_url"] is None
    assert_problem(
        await order(client, producer, fam, "permanent", member_ids=[str(fam.member_ids["spouse"])], quantity=2),
        422,
        "id_card.one_per_member",
    )
    r = await order(client, producer, fam, "permanent", policy="dental", quantity=5)
    assert r.status_code == 201 and r.json()["cards"][0]["quantity"] == 5
    assert_problem(
        await order(client, producer, fam, "permanent", policy="dental", quantity=6), 422, "id_card.quantity_range"
    )
    async with app.state.ctx.uow() as uow:
        items = (
            await uow.session.execute(
                select(IdCardRequestItem).where(IdCardRequestItem.member_id.in_(list(fam.member_ids.values())))
            )
        ).scalars()
        assert sorted(i.quantity for i in items) == [1, 5]
    assert_problem(await client.get(f"{URL}/{r.json()['id']}/pdf", headers=producer), 409, "id_card.not_temporary")


async def test_r_id_4_termed_policies_get_no_cards(client, producer, app, demo) -> None:
    async with app.state.ctx.uow() as uow:
        f = await make_family(uow, await producer_id(uow, "demoagent"), status="Termed", plan_id="T-PPO-1")
        await uow.commit()
    assert_problem(await order(client, producer, f, "temporary"), 422, "id_card.policy_termed")


async def test_r_id_4_on_exchange_waits_24_hours_after_submission(client, producer, app, demo, clock) -> None:
    async with app.state.ctx.uow() as uow:
        f = await make_family(
            uow,
            await producer_id(uow, "demoagent"),
            exchange="on",
            plan_id="T-PPO-1",
            application_submitted_at=clock.now() - timedelta(hours=23),
        )
        await uow.commit()
    body = assert_problem(await order(client, producer, f, "temporary"), 422, "id_card.too_soon")
    assert "24 hours" in body["detail"] and body["available_at"]
    # issue 15: a time shown to people is in the producer's time zone (PORTAL_DISPLAY_TIME_ZONE), with its abbreviation
    ready = datetime.fromisoformat(body["available_at"]).astimezone(ZoneInfo("America/Chicago"))
    assert body["detail"].endswith(f"from {ready:%m/%d/%Y %I:%M %p} CST.") and "UTC" not in body["detail"]
    clock.advance(hours=1, seconds=1)
    producer = await bearer(client, "demoagent", "Demo1234")
    assert (await order(client, producer, f, "temporary")).status_code == 201


async def test_members_not_on_the_policy_and_foreign_accounts(client, producer, fam, app, demo) -> None:
    async with app.state.ctx.uow() as uow:
        theirs = await make_family(uow, await producer_id(uow, "otheragent"))
        await uow.commit()
    assert_problem(
        await order(client, producer, fam, "temporary", member_ids=[str(theirs.member_ids["primary"])]),
        422,
        "id_card.member_not_on_policy",
    )
    assert_problem(
        await order(client, producer, theirs, "temporary", member_ids=[str(theirs.member_ids["primary"])]), 404
    )
    other = {**fam.__dict__}
    other["policy_ids"] = {"medical": theirs.policy_ids["medical"]}
    r = await client.post(
        URL,
        headers=producer,
        json={
            "account_number": fam.account_number,
            "kind": "temporary",
            "policy_id": str(theirs.policy_ids["medical"]),
        },
    )
    assert_problem(r, 404)


async def test_r_mem_6_temporary_card_pdf_is_an_audited_read(client, producer, fam, app) -> None:
    r = await order(client, producer, fam, "temporary", member_ids=[str(fam.member_ids["primary"])])
    await client.get(r.json()["pdf_url"], headers=producer)
    async with app.state.ctx.uow() as uow:
        ev = (
            await uow.session.execute(select(AuditEvent).where(AuditEvent.action == "member.id_card_pdf"))
        ).scalar_one()
    assert ev.target_id == fam.account_number and ev.details["pages"] == 1


async def test_list_and_get_requests(client, producer, fam) -> None:
    await order(client, producer, fam, "permanent", policy="dental")
    await order(client, producer, fam, "temporary", policy="dental")
    listed = (await client.get(URL, headers=producer)).json()
    assert listed["total"] == 2 and [i["kind"] for i in listed["items"]] == ["temporary", "permanent"]
    one = (await client.get(f"{URL}/{listed['items'][1]['id']}", headers=producer)).json()
    assert one["account_number"] == fam.account_number and one["product_name"] == "BlueCare Dental 1B"
