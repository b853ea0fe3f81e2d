"""The demo book of business (api.md "Demo data"; R-MEM-1, R-REP-1, R-PCP-4/6, R-ID-4, R-ENR-13, R-QUO-2)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from app.demo.book_data import birthday_of_age
from app.demo.seed import seed_demo
from app.domain.dates import OPEN_END_DATE
from app.repositories.orm import (
    Account,
    County,
    MedicalGroup,
    MedicalGroupNetwork,
    Member,
    Network,
    PcpAssignment,
    Plan,
    PlanRate,
    Policy,
    PolicyMember,
    Prospect,
    User,
)
from app.repositories.uow import SqlUnitOfWork

BOOK_TABLES = (
    Account,
    Member,
    Policy,
    PolicyMember,
    PcpAssignment,
    Prospect,
    Plan,
    PlanRate,
    County,
    Network,
    MedicalGroup,
    MedicalGroupNetwork,
)


async def rows(app: Any, stmt: Any) -> list[Any]:
    async with app.state.ctx.db.engine.connect() as conn:
        return list((await conn.execute(stmt)).all())


async def producer_id(app: Any, username: str) -> int:
    return (await rows(app, select(User.id).where(User.username == username)))[0][0]


def today(app: Any) -> date:
    return app.state.ctx.clock.now().date()


def turns_within_a_year(born: date, age: int, on: date) -> bool:
    return on < birthday_of_age(born, age) <= on + timedelta(days=365)


async def test_demoagent_book_covers_every_status_exchange_coverage_and_network_type(app, demo) -> None:
    demo_id = await producer_id(app, "demoagent")
    accounts = await rows(app, select(Account).where(Account.producer_id == demo_id))
    assert len(accounts) >= 50
    numbers = {a.account_number for a in accounts}
    assert "730075112" in numbers  # api.md's example account
    assert all(len(n) == 9 and n.startswith("7300") for n in numbers)
    assert {a.state for a in accounts} == {"IL", "TX"}
    for a in accounts:
        assert a.first_name_key == a.first_name.lower() and a.last_name_key == a.last_name.lower()
        assert a.email_key == (a.email.lower() if a.email else None)
        for phone in (a.phone_home, a.phone_cell, a.phone_work, a.phone_spouse_cell, a.phone_fax):
            assert phone is None or (len(phone) == 10 and phone.isdigit())
    assert sum(1 for a in accounts if a.last_name == "Tester") >= 3

    policies = await rows(app, select(Policy).where(Policy.producer_id == demo_id))
    state_of = {a.id: a.state for a in accounts}
    assert {p.account_id for p in policies} == set(state_of)
    assert all(p.producer_number == {"IL": "220002580", "TX": "220002581"}[state_of[p.account_id]] for p in policies)
    assert {p.status for p in policies} == {"Active", "Grace Period", "Termed"}
    assert {p.exchange for p in policies} == {"on", "off"}
    assert {p.coverage for p in policies} == {"medical", "dental"}
    assert {p.network_type for p in policies if p.coverage == "medical"} == {"HMO", "POS", "PPO", "EPO"}
    assert all(p.requires_pcp == (p.network_type in ("HMO", "POS")) for p in policies)
    both = {p.account_id for p in policies if p.coverage == "medical"} & {
        p.account_id for p in policies if p.coverage == "dental"
    }
    assert len(both) >= 3
    assert any(p.grandfathered for p in policies) and any(p.temporary_plan for p in policies)
    for p in policies:
        assert p.eapp_start_date <= p.app_signature_date < p.coverage_effective_date
        assert (p.exchange_assigned_id is not None) == (p.exchange == "on")
        if p.status == "Termed":
            assert p.termination_date is not None and p.termination_date < today(app)
        assert p.pending_application_id is None or len(p.pending_application_id) == 6
        assert p.client_app_id is None or (p.client_app_id.startswith("PP") and len(p.client_app_id) == 7)
        assert p.e_app_number is None or (len(p.e_app_number) == 10 and p.e_app_number.isdigit())
    counts = dict(await rows(app, select(PolicyMember.policy_id, func.count()).group_by(PolicyMember.policy_id)))
    assert all(p.member_count == counts[p.id] for p in policies)


async def test_families_birthdays_and_unpaid_premiums_for_the_reports(app, demo) -> None:
    demo_id = await producer_id(app, "demoagent")
    members = await rows(
        app, select(Member).join(Account, Account.id == Member.account_id).where(Account.producer_id == demo_id)
    )
    on = today(app)
    by_account: dict[int, list[Any]] = {}
    for m in members:
        by_account.setdefault(m.account_id, []).append(m)
    for family in by_account.values():
        assert 1 <= len(family) <= 6
        assert sorted(m.suffix for m in family)[0] == "01"
        assert [m.relationship for m in family if m.suffix == "01"] == ["primary"]
        assert all(m.relationship == "spouse" for m in family if m.suffix == "02")
        assert all(m.relationship == "child" for m in family if m.suffix >= "03")
    assert sum(1 for f in by_account.values() if {"spouse", "child"} <= {m.relationship for m in f}) >= 5
    # R-REP-1: members approaching 65 (primary or spouse) and dependents approaching 26, within the year.
    assert sum(1 for m in members if m.relationship != "child" and turns_within_a_year(m.date_of_birth, 65, on)) >= 3
    assert sum(1 for m in members if m.relationship == "child" and turns_within_a_year(m.date_of_birth, 26, on)) >= 3

    policies = await rows(app, select(Policy).where(Policy.producer_id == demo_id))
    unpaid = [p for p in policies if not p.initial_payment_received]
    assert len(unpaid) >= 3
    assert all(p.application_status == "Submitted" and p.coverage_effective_date >= on.replace(day=1) for p in unpaid)
    # R-ID-4: one on-exchange policy submitted less than 24 hours ago, all others earlier.
    now = app.state.ctx.clock.now()
    recent = [p for p in policies if p.application_submitted_at > now - timedelta(hours=24)]
    assert [(p.exchange, p.product_name) for p in recent] == [("on", "Blue Advantage Gold HMO 207")]

    jessica = await rows(
        app,
        select(Account).where(
            Account.producer_id == demo_id, Account.last_name_key == "tester", Account.first_name_key == "jessica"
        ),
    )
    assert len(jessica) == 1
    assert (jessica[0].date_of_birth, jessica[0].zip_code, jessica[0].county) == (date(1988, 2, 10), "60601", "Cook")


async def test_reference_data_has_plans_and_rates_for_every_demo_county(app, demo) -> None:
    year = today(app).year
    counties = await rows(app, select(County))
    assert ("60601", "17031", "Cook", "IL", 1) in [tuple(c) for c in counties]
    assert ("75201", "48113", "Dallas", "TX", 1) in [tuple(c) for c in counties]
    assert len([c for c in counties if c.zip_code == "60010"]) == 2
    plans = await rows(app, select(Plan))
    assert {p.plan_year for p in plans} == {year, year + 1}
    tx_207 = [p for p in plans if p.name == "Blue Advantage Gold HMO 207"]
    assert tx_207 and {p.state for p in tx_207} == {"TX"} and all(p.requires_pcp for p in tx_207)
    for state in ("IL", "TX"):
        mine = [p for p in plans if p.state == state and p.plan_year == year]
        assert {(p.network_type, p.exchange) for p in mine if p.coverage == "medical"} == {
            (t, e) for t in ("HMO", "POS", "PPO", "EPO") for e in ("on", "off")
        }
        assert {p.metal_level for p in mine if p.coverage == "medical"} == {
            "bronze",
            "silver",
            "gold",
            "platinum",
            None,
        }
        # issue 15: the temporary plans are short-term medical plans, off exchange, without a metal level
        assert [(p.name, p.exchange) for p in mine if p.coverage == "medical" and p.metal_level is None] == [
            ("Blue Short Term Medical 180", "off")
        ]
        assert any(p.coverage == "dental" and not p.requires_pcp and p.metal_level is None for p in mine)
    rates = {(r.plan_id, r.rating_area): r.base_rate for r in await rows(app, select(PlanRate))}
    for plan in plans:
        if plan.coverage == "medical" and plan.metal_level is None:  # short-term plans are not quoted: no rates
            assert not any(plan_id == plan.plan_id for plan_id, _ in rates)
            continue
        for county in (c for c in counties if c.state == plan.state):
            rate = rates[(plan.plan_id, county.rating_area)]
            assert (250 <= rate <= 700) if plan.coverage == "medical" else (25 <= rate <= 50)


async def test_provider_directory_and_pcp_history(app, demo) -> None:
    g124 = (await rows(app, select(MedicalGroup).where(MedicalGroup.medical_group_number == "124")))[0]
    assert g124.accepting_new_patients and g124.state == "IL"
    networks = {
        n
        for (n,) in await rows(
            app, select(MedicalGroupNetwork.network_code).where(MedicalGroupNetwork.medical_group_id == g124.id)
        )
    }
    il_hmo = {
        n for (n,) in await rows(app, select(Plan.network_code).where(Plan.state == "IL", Plan.network_type == "HMO"))
    }
    assert il_hmo and il_hmo <= networks
    groups = await rows(app, select(MedicalGroup))
    assert len(groups) >= 25 and any(not g.accepting_new_patients for g in groups)

    # R-PCP-6: every member of an HMO/POS policy has one current assignment (term 9999-12-31).
    covered = await rows(
        app,
        select(PolicyMember.policy_id, PolicyMember.member_id)
        .join(Policy, Policy.id == PolicyMember.policy_id)
        .where(Policy.requires_pcp),
    )
    pcps = await rows(app, select(PcpAssignment))
    current = {(a.policy_id, a.member_id) for a in pcps if a.term_date == OPEN_END_DATE}
    assert covered and set(map(tuple, covered)) == current
    assert all(a.assigned_by and a.reason and a.request_received_date for a in pcps)
    assert {a.reason for a in pcps if a.term_date == OPEN_END_DATE} >= {"New Enrollee"}

    # R-PCP-4: the documented Asked Out history (demo/book.py).
    asked_out = await rows(
        app,
        select(Account.account_number, Member.suffix, MedicalGroup.medical_group_number)
        .select_from(PcpAssignment)
        .join(Member, Member.id == PcpAssignment.member_id)
        .join(Account, Account.id == Member.account_id)
        .join(MedicalGroup, MedicalGroup.id == PcpAssignment.medical_group_id)
        .where(PcpAssignment.end_reason == "Asked Out"),
    )
    assert [tuple(r) for r in asked_out] == [("730031415", "01", "126")]


async def test_otheragent_has_a_separate_book_and_both_have_prospects(app, demo) -> None:
    demo_id, other_id = await producer_id(app, "demoagent"), await producer_id(app, "otheragent")
    other = await rows(app, select(Account).where(Account.producer_id == other_id))
    assert 8 <= len(other) <= 15
    assert all(a.account_number.startswith("7400") and a.state == "IL" for a in other)
    policies = await rows(
        app, select(Policy.producer_id, Policy.producer_number).where(Policy.account_id.in_([a.id for a in other]))
    )
    assert {tuple(p) for p in policies} == {(other_id, "330003690")}
    assert any(a.last_name == "Tester" for a in other)  # same name as demoagent's clients: isolation checks

    prospects = await rows(app, select(Prospect))
    assert sum(p.producer_id == demo_id for p in prospects) == 12
    assert sum(p.producer_id == other_id for p in prospects) == 3
    assert any((p.first_name, p.last_name, p.producer_id) == ("Jessica", "Tester", demo_id) for p in prospects)
    assert len({p.state for p in prospects if p.producer_id == demo_id}) >= 3
    for p in prospects:
        assert p.first_name_key == p.first_name.lower() and p.last_name_key == p.last_name.lower()
        assert p.city_key == (p.city.lower() if p.city else None)
        assert p.email_key == (p.email.lower() if p.email else None)
        assert all(n is None or (len(n) == 10 and n.isdigit()) for n in (p.phone, p.cell_phone))
    assert any(p.phone is None for p in prospects) and any(p.email is None for p in prospects)


async def test_seed_demo_again_adds_nothing(app, demo) -> None:
    async def counts() -> list[int]:
        return [(await rows(app, select(func.count()).select_from(model)))[0][0] for model in BOOK_TABLES]

    before = await counts()
    ctx = app.state.ctx
    assert await seed_demo(SqlUnitOfWork(ctx.db.sessionmaker), ctx.hasher, ctx.clock) == []
    assert await counts() == before


async def test_issue_15_plans_carry_pharmacy_fields_and_a_member_services_number_per_plan_line(app, demo) -> None:
    async with app.state.ctx.uow() as uow:
        plans = (await uow.session.execute(select(Plan))).scalars().all()
    demo_plans = [p for p in plans if p.plan_id[:3] in ("IL-", "TX-")]
    assert demo_plans
    for p in demo_plans:
        assert len(p.customer_service_phone) == 10 and p.customer_service_phone[3:6] != "555", p.plan_id
        if p.coverage == "medical":
            assert p.rx_bin == "011552" and p.rx_pcn == f"{p.state}IFP" and p.rx_group, p.plan_id
            assert p.rx_group.startswith(p.state)
        else:
            assert (p.rx_bin, p.rx_pcn, p.rx_group) == (None, None, None), p.plan_id
    # one member services number per product line: different lines answer on different numbers
    il_lines = {p.name.split(" Bronze")[0]: p.customer_service_phone for p in demo_plans if "Bronze" in p.name}
    assert len(set(il_lines.values())) == len(il_lines) > 1
