"""Providers and PCP changes through the API (R-PCP-1 .. R-PCP-8)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.repositories.orm import MedicalGroup, PcpAssignment
from tests.factories import make_family, producer_id
from tests.helpers import assert_problem, bearer

URL = "/api/v1/pcp-changes"


@pytest.fixture
async def fam(app, demo):  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        f = await make_family(uow, await producer_id(uow, "demoagent"), children=[date(2015, 3, 3)], dental=True)
        # the spouse was once asked out of group T127 (R-PCP-4)
        t127 = (
            await uow.session.execute(select(MedicalGroup).where(MedicalGroup.medical_group_number == "T127"))
        ).scalar_one()
        uow.session.add(
            PcpAssignment(
                member_id=f.member_ids["spouse"],
                policy_id=f.policy_ids["medical"],
                medical_group_id=t127.id,
                effective_date=date(2025, 1, 1),
                term_date=date(2025, 12, 31),
                reason="New Enrollee",
                end_reason="Asked Out",
                assigned_by="Carrier",
                request_received_date=date(2024, 12, 1),
                created_at=__import__("tests.factories", fromlist=["NOW"]).NOW,
            )
        )
        await uow.commit()
    return f


def change(fam, members, provider="T124", effective="2026-12-01", **extra):  # type: ignore[no-untyped-def]
    return {
        "account_number": fam.account_number,
        "policy_id": str(fam.policy_ids["medical"]),
        "provider_number": provider,
        "effective_date": effective,
        "members": [{"member_id": str(fam.member_ids[k]), "reason": r} for k, r in members],
        **extra,
    }


async def test_r_pcp_2_provider_lookup_by_any_number(client, producer, fam) -> None:
    for number in ("T124", "PT124", "AT124"):
        page = (await client.get("/api/v1/providers", params={"number": number}, headers=producer)).json()
        assert page["total"] == 1
        item = page["items"][0]
        assert item["medical_group_number"] == "T124" and item["medical_group_name"] == "Group T124"
        assert item["accepting_new_patients"] is True and item["networks"] == ["T-HMO"]
    everything = (await client.get("/api/v1/providers", params={"page_size": 200}, headers=producer)).json()
    assert {"T124", "T125", "T126", "T127"} <= {i["medical_group_number"] for i in everything["items"]}
    assert everything["total"] == len(everything["items"])
    ppo = (await client.get("/api/v1/providers", params={"network": "T-PPO"}, headers=producer)).json()
    assert [i["medical_group_number"] for i in ppo["items"]] == ["T126"]


async def test_r_pcp_2_provider_lookup_by_name_contains_any_case_wildcards_literal(client, producer, fam) -> None:
    async def numbers(name: str) -> set[str]:
        page = (await client.get("/api/v1/providers", params={"name": name, "page_size": 200}, headers=producer)).json()
        return {i["medical_group_number"] for i in page["items"]}

    assert {"T124", "T125", "T126", "T127"} <= await numbers("ROUP t12")
    assert await numbers("group t124") == {"T124"}
    assert await numbers("%") == set() and await numbers("_") == set()  # LIKE wildcards match only themselves


async def test_r_pcp_3_reasons_list(client, producer) -> None:
    reasons = (await client.get("/api/v1/pcp-change-reasons", headers=producer)).json()
    assert len(reasons) == 18 and reasons[0] == {"reason": "Asked Out", "dependents_only": False}
    assert {"reason": "Dependent Age", "dependents_only": True} in reasons


async def test_r_pcp_8_dry_run_shows_current_vs_updated_and_changes_nothing(client, producer, fam, app) -> None:
    r = await client.post(
        URL, headers=producer, json=change(fam, [("primary", "Concern With Service")], provider="T127")
    )
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["valid"] is True and v["errors"] == []
    [c] = v["changes"]
    assert c["current"]["medical_group_number"] == "T124" and c["current"]["term_date"] == "9999-12-31"
    assert c["updated"] == {
        "medical_group_number": "T127",
        "medical_group_name": "Group T127",
        "effective_date": "2026-12-01",
        "term_date": "9999-12-31",
        "request_received_date": "2026-11-22",
        "assigned_by": "Dana Demo (producer)",
        "reason": "Concern With Service",
    }
    async with app.state.ctx.uow() as uow:
        rows = (
            (
                await uow.session.execute(
                    select(PcpAssignment).where(PcpAssignment.policy_id == fam.policy_ids["medical"])
                )
            )
            .scalars()
            .all()
        )
    assert len(rows) == 3 + 1 and not any(r.change_id for r in rows)  # 3 members + the asked-out one


async def test_r_pcp_4_asked_out_members_and_dependent_age(client, producer, fam) -> None:
    v = (
        await client.post(
            URL,
            headers=producer,
            json=change(fam, [("primary", "Dependent Age"), ("spouse", "Asked Out")], provider="T127"),
        )
    ).json()
    assert v["valid"] is False
    by_member = {e["member_id"]: e for e in v["errors"]}
    assert by_member[str(fam.member_ids["primary"])]["code"] == "pcp.reason_dependent_age"
    spouse = by_member[str(fam.member_ids["spouse"])]
    assert spouse["code"] == "pcp.asked_out_of_group"
    assert spouse["message"].endswith(
        "Member was previously asked out of this Medical Group, please select a new Medical Group"
    )
    ok = (
        await client.post(URL, headers=producer, json=change(fam, [("child0", "Dependent Age")], provider="T127"))
    ).json()
    assert ok["valid"] is True


async def test_r_pcp_2_provider_must_be_in_network_and_accepting(client, producer, fam) -> None:
    for provider, code in (
        ("T125", "pcp.provider_not_accepting"),
        ("T126", "pcp.provider_out_of_network"),
        ("NOPE", "pcp.provider_not_found"),
    ):
        v = (
            await client.post(URL, headers=producer, json=change(fam, [("primary", "Retired")], provider=provider))
        ).json()
        assert code in [e["code"] for e in v["errors"]], (provider, v)


async def test_r_pcp_1_only_for_pcp_plans(client, producer, fam) -> None:
    body = change(fam, [("primary", "Retired")])
    body["policy_id"] = str(fam.policy_ids["dental"])
    v = (await client.post(URL, headers=producer, json=body)).json()
    assert [e["code"] for e in v["errors"]] == ["pcp.plan_has_no_pcp"]


async def test_r_pcp_3_reason_must_come_from_the_list(client, producer, fam) -> None:
    v = (await client.post(URL, headers=producer, json=change(fam, [("primary", "Bored")], provider="T127"))).json()
    assert [e["code"] for e in v["errors"]] == ["pcp.reason_invalid"]


async def test_r_pcp_5_one_change_per_member_per_transaction(client, producer, fam) -> None:
    v = (
        await client.post(
            URL, headers=producer, json=change(fam, [("primary", "Retired"), ("primary", "Retired")], provider="T127")
        )
    ).json()
    assert [e["code"] for e in v["errors"]] == ["pcp.member_repeated"]


async def test_r_pcp_6_term_date_must_stay_9999_12_31(client, producer, fam) -> None:
    v = (
        await client.post(
            URL, headers=producer, json=change(fam, [("primary", "Retired")], provider="T127", term_date="2027-06-30")
        )
    ).json()
    assert [e["code"] for e in v["errors"]] == ["pcp.term_date_fixed"]


async def test_r_pcp_7_first_of_month_warning_must_be_accepted(client, producer, fam, app) -> None:
    body = change(fam, [("primary", "Retired")], provider="T127", effective="2026-12-15", dry_run=False)
    v = (await client.post(URL, headers=producer, json={**body, "dry_run": True})).json()
    assert v["valid"] is True and [w["code"] for w in v["warnings"]] == ["pcp.first_of_month"]
    problem = assert_problem(await client.post(URL, headers=producer, json=body), 422, "pcp.warnings_not_accepted")
    assert problem["result"]["warnings"][0]["code"] == "pcp.first_of_month"
    async with app.state.ctx.uow() as uow:
        assert all(
            a.term_date == date(9999, 12, 31) or a.end_reason == "Asked Out"
            for a in (
                await uow.session.execute(
                    select(PcpAssignment).where(PcpAssignment.policy_id == fam.policy_ids["medical"])
                )
            ).scalars()
        )
    r = await client.post(URL, headers=producer, json={**body, "accept_warnings": True})
    assert r.status_code == 201, r.text
    change_id = r.json()["id"]
    assert (await client.get(f"{URL}/{change_id}", headers=producer)).json()["warnings_accepted"] == [
        "pcp.first_of_month"
    ]


async def test_r_pcp_8_finish_commits_all_members_and_requests_id_cards(client, producer, fam, app) -> None:
    r = await client.post(
        URL,
        headers=producer,
        json=change(
            fam, [("primary", "Concern With Service"), ("child0", "Dependent Age")], provider="T127", dry_run=False
        ),
    )
    assert r.status_code == 201, r.text
    done = r.json()
    assert done["message"] == "The transaction was successful and all applicable ID cards were requested."
    [card_id] = done["id_card_request_ids"]
    cards = (await client.get(f"/api/v1/id-card-requests/{card_id}", headers=producer)).json()
    assert cards["kind"] == "permanent" and cards["source"] == "pcp_change"
    assert sorted(c["member_id"] for c in cards["cards"]) == sorted(
        [str(fam.member_ids["primary"]), str(fam.member_ids["child0"])]
    )
    history = (
        await client.get(
            f"/api/v1/members/{fam.account_number}/members/{fam.member_ids['primary']}/pcp-history", headers=producer
        )
    ).json()
    assert [(h["medical_group_number"], h["effective_date"], h["term_date"], h["end_reason"]) for h in history] == [
        ("T124", "2026-01-01", "2026-11-30", "Concern With Service"),  # ended the day before (R-PCP-6)
        ("T127", "2026-12-01", "9999-12-31", None),
    ]
    detail = (await client.get(f"/api/v1/members/{fam.account_number}", headers=producer)).json()
    medical = next(p for p in detail["policies"] if p["coverage"] == "medical")
    spouse = next(m for m in medical["members"] if m["relationship"] == "spouse")
    assert spouse["pcp"]["medical_group_number"] == "T124"  # not part of the change
    listed = (await client.get(URL, headers=producer)).json()
    assert listed["total"] == 1 and {m["reason"] for m in listed["items"][0]["members"]} == {
        "Concern With Service",
        "Dependent Age",
    }


async def test_r_pcp_8_an_invalid_finish_changes_nothing(client, producer, fam, app) -> None:
    problem = assert_problem(
        await client.post(
            URL,
            headers=producer,
            json=change(fam, [("primary", "Retired"), ("spouse", "Asked Out")], provider="T127", dry_run=False),
        ),
        422,
        "pcp.invalid",
    )
    assert problem["result"]["valid"] is False
    async with app.state.ctx.uow() as uow:
        rows = (
            (
                await uow.session.execute(
                    select(PcpAssignment).where(PcpAssignment.policy_id == fam.policy_ids["medical"])
                )
            )
            .scalars()
            .all()
        )
    assert len(rows) == 4 and not any(r.change_id for r in rows)


async def test_pcp_changes_of_another_producer_are_404(client, producer, fam, demo) -> None:
    r = await client.post(
        URL, headers=producer, json=change(fam, [("primary", "Retired")], provider="T127", dry_run=False)
    )
    other = await bearer(client, "otheragent", "Other123")
    assert_problem(await client.get(f"{URL}/{r.json()['id']}", headers=other), 404)
    assert_problem(await client.post(URL, headers=other, json=change(fam, [("primary", "Retired")])), 404)
