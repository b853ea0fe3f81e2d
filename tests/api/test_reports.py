"""Reports through the API (R-REP-1 .. R-REP-3, R-BOOK-1, R-DEL-9, R-MEM-6).

Every test builds its own book for a fresh producer ("Rita Reporter"), so the demo book never changes the
answers; another fresh producer ("Otto Outsider") holds look-alike rows that must never show.
"""

from __future__ import annotations

import csv
import io
import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.repositories.orm import (
    Account,
    AuditEvent,
    Member,
    Policy,
    PolicyMember,
    Registration,
    SavedReport,
    StateRegistration,
    User,
)
from tests.factories import ensure_reference
from tests.helpers import assert_problem, bearer, rand_digits, rand_username

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
NOV = {"date_from": "2026-11-01", "date_to": "2026-11-30"}
FAR = date(2020, 1, 1)  # a date outside every range used here
_accounts = itertools.count(random.randint(100, 899) * 1_000_000)


def report_url(report_type: str) -> str:
    return f"/api/v1/reports/{report_type}"


# --- building a book ----------------------------------------------------------------------------------------


@dataclass
class Agent:
    user_id: int
    username: str
    number: str
    headers: dict[str, str] = field(default_factory=dict)


async def make_producer(app, client, first: str, last: str) -> Agent:  # type: ignore[no-untyped-def]
    """An active producer with an active IL registration, signed in."""
    ctx = app.state.ctx
    username, number = rand_username("rep"), "5" + rand_digits(8)
    async with ctx.uow() as uow:
        user = User(
            role="producer",
            username=username,
            password_hash=await ctx.hasher.hash("Abc12345"),
            first_name=first,
            last_name=last,
            email=f"{username}@agency.example",
            status="active",
            failed_sign_ins=0,
            must_change_password=False,
            created_at=NOW,
            updated_at=NOW,
            password_changed_at=NOW,
            activated_at=NOW,
        )
        uow.session.add(user)
        await uow.flush()
        reg = Registration(user_id=user.id, kind="new_account", status="active", created_at=NOW, decided_at=NOW)
        uow.session.add(reg)
        await uow.flush()
        uow.session.add(
            StateRegistration(
                user_id=user.id,
                registration_id=reg.id,
                state="IL",
                company_name=None,
                address1="1 Main St",
                address2=None,
                city="Chicago",
                address_state="IL",
                zip_code="60601",
                agent_unique_id=number,
                phone="3125550100",
                email=f"{username}@agency.example",
                status="active",
                created_at=NOW,
                activated_at=NOW,
            )
        )
        await ensure_reference(uow)
        await uow.commit()
        user_id = user.id
    agent = Agent(user_id, username, number)
    agent.headers = await bearer(client, username, "Abc12345")
    return agent


@dataclass
class Book:
    """Builds accounts, members and policies for one producer (ORM, one unit of work)."""

    uow: Any
    agent: Agent

    async def account(self, last: str, first: str = "Casey", born: date = date(1980, 5, 5)) -> Account:
        acc = Account(
            account_number=str(next(_accounts)),
            producer_id=self.agent.user_id,
            first_name=first,
            middle_initial=None,
            last_name=last,
            first_name_key=first.lower(),
            last_name_key=last.lower(),
            date_of_birth=born,
            sex="female",
            ssn_last4="1234",
            address1="1 Main St",
            address2=None,
            city="Chicago",
            state="IL",
            zip_code="60601",
            county="Cook",
            email=None,
            email_key=None,
            phone_home="3125550100",
            phone_cell=None,
            phone_work=None,
            phone_spouse_cell=None,
            phone_fax=None,
            phone_details={},
            created_at=NOW,
            updated_at=NOW,
        )
        self.uow.session.add(acc)
        await self.uow.flush()
        return acc

    async def member(self, acc: Account, relationship: str, first: str, born: date) -> Member:
        existing = (await self.uow.session.execute(select(Member).where(Member.account_id == acc.id))).all()
        mem = Member(
            account_id=acc.id,
            producer_id=acc.producer_id,
            suffix=f"{len(existing) + 1:02d}",
            relationship=relationship,
            first_name=first,
            middle_initial=None,
            last_name=acc.last_name,
            date_of_birth=born,
            sex="male",
            ssn_last4=None,
        )
        self.uow.session.add(mem)
        await self.uow.flush()
        return mem

    async def policy(
        self,
        acc: Account,
        members: list[Member] | None = None,
        *,
        coverage: str = "medical",
        product: str = "Blue Choice Preferred Bronze PPO 502",
        status: str = "Active",
        effective: date = FAR,
        paid_to: date | None = FAR,
        termed: date | None = None,
        signed: date | None = FAR,
        started: date | None = FAR,
        application_status: str = "Approved",
        initial_paid: bool = True,
        exchange: str = "off",
        grandfathered: bool = False,
        temporary: bool = False,
        producer_number: str | None = None,
        coverage_end: date | None = None,
    ) -> Policy:
        pol = Policy(
            account_id=acc.id,
            producer_id=self.agent.user_id,
            producer_number=producer_number or self.agent.number,
            plan_id="T-DEN-1" if coverage == "dental" else "T-PPO-1",
            product_name=product,
            coverage=coverage,
            network_type="PPO",
            requires_pcp=False,
            exchange=exchange,
            group_number="IB2121",
            e_app_number=rand_digits(10),
            client_app_id=None,
            exchange_assigned_id=None,
            pending_application_id="AB12CD",
            grandfathered=grandfathered,
            temporary_plan=temporary,
            status=status,
            coverage_effective_date=effective,
            paid_to_date=paid_to,
            termination_date=termed,
            app_signature_date=signed,
            eapp_start_date=started,
            application_status=application_status,
            application_submitted_at=NOW,
            initial_payment_received=initial_paid,
            member_count=len(members or []) or 1,
            created_at=NOW,
        )
        self.uow.session.add(pol)
        await self.uow.flush()
        for mem in members or []:
            self.uow.session.add(
                PolicyMember(policy_id=pol.id, member_id=mem.id, coverage_start=effective, coverage_end=coverage_end)
            )
        await self.uow.flush()
        return pol


async def build(app, agent: Agent, recipe) -> Any:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        result = await recipe(Book(uow, agent))
        await uow.commit()
    return result


@pytest.fixture
async def rita(app, client) -> Agent:  # type: ignore[no-untyped-def]
    return await make_producer(app, client, "Rita", "Reporter")


@pytest.fixture
async def otto(app, client) -> Agent:  # type: ignore[no-untyped-def]
    return await make_producer(app, client, "Otto", "Outsider")


async def run(client, agent: Agent, report_type: str, **params: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.get(report_url(report_type), params={**NOV, "page_size": 200, **params}, headers=agent.headers)
    assert r.status_code == 200, r.text
    return r.json()


def last_names(page: dict[str, Any]) -> list[str]:
    return [row["last_name"] for row in page["items"]]


# --- R-REP-1: policy reports and their date ranges ------------------------------------------------------------


async def test_r_rep_1_coverage_effective_date_range_is_inclusive_and_scoped_to_the_book(
    client, app, rita, otto
) -> None:
    async def mine(b: Book) -> None:
        for last, day in (
            ("Before", date(2026, 10, 31)),
            ("First", date(2026, 11, 1)),
            ("Middle", date(2026, 11, 15)),
            ("Last", date(2026, 11, 30)),
            ("After", date(2026, 12, 1)),
        ):
            await b.policy(await b.account(last), effective=day)

    async def theirs(b: Book) -> None:
        await b.policy(await b.account("Middle"), effective=date(2026, 11, 15))

    await build(app, rita, mine)
    await build(app, otto, theirs)
    page = await run(client, rita, "coverage_effective_date")
    assert page["total"] == 3 and last_names(page) == ["First", "Middle", "Last"]
    assert [r["coverage_effective_date"] for r in page["items"]] == ["2026-11-01", "2026-11-15", "2026-11-30"]
    assert page["report_type"] == "coverage_effective_date" and page["title"] == "Coverage Effective Date"
    assert (page["date_from"], page["date_to"]) == ("2026-11-01", "2026-11-30")
    row = page["items"][0]
    assert row["producer_name"] == "Rita Reporter" and row["producer_number"] == rita.number
    assert row["product_type"] == "OFF-EXCHANGE" and row["status"] == "Active" and row["coverage"] == "medical"
    assert "member_first_name" not in row and "birthday" not in row
    # otheragent-style isolation: Otto sees only his own "Middle"
    assert last_names(await run(client, otto, "coverage_effective_date")) == ["Middle"]


POLICY_DATE_REPORTS = [
    # report type, the Book.policy keyword holding its date
    ("eapp_start_date", "started"),
    ("app_signature_date", "signed"),
    ("coverage_effective_date", "effective"),
    ("current_paid_to_date", "paid_to"),
    ("policy_term_date", "termed"),
]


@pytest.mark.parametrize(("report_type", "keyword"), POLICY_DATE_REPORTS, ids=[r for r, _ in POLICY_DATE_REPORTS])
async def test_r_rep_1_each_policy_report_ranges_over_its_own_date(client, app, rita, report_type, keyword) -> None:
    """The first and last day count, the day before and after do not, other dates in the range do not matter."""

    async def recipe(b: Book) -> None:
        for last, day in (
            ("Before", date(2026, 10, 31)),
            ("First", date(2026, 11, 1)),
            ("Last", date(2026, 11, 30)),
            ("After", date(2026, 12, 1)),
        ):
            await b.policy(await b.account(last), **{keyword: day})
        # every other date of this one is in the range, its own is not
        others = {k: date(2026, 11, 15) for _, k in POLICY_DATE_REPORTS if k != keyword}
        await b.policy(await b.account("Elsewhere"), **{**others, keyword: None if keyword != "effective" else FAR})

    await build(app, rita, recipe)
    page = await run(client, rita, report_type)
    assert last_names(page) == ["First", "Last"], report_type
    column = {
        "started": "eapp_start_date",
        "signed": "app_signature_date",
        "effective": "coverage_effective_date",
        "paid_to": "paid_to_date",
        "termed": "termed_date",
    }[keyword]
    assert [r[column] for r in page["items"]] == ["2026-11-01", "2026-11-30"]
    assert page["columns"][3]["key"] == column  # the report's own date right after the client


async def test_r_rep_1_policy_term_date_lists_terminated_policies_with_their_term_date(client, app, rita) -> None:
    async def recipe(b: Book) -> None:
        await b.policy(
            await b.account("Termed"), status="Termed", termed=date(2026, 11, 10), paid_to=date(2026, 11, 10)
        )
        await b.policy(await b.account("Active"), status="Active", termed=None, paid_to=date(2026, 11, 10))

    await build(app, rita, recipe)
    page = await run(client, rita, "policy_term_date")
    assert last_names(page) == ["Termed"] and page["items"][0]["termed_date"] == "2026-11-10"
    assert [c["header"] for c in page["columns"]][3] == "Policy Term Date"


async def test_r_rep_1_initial_payment_not_received_by_coverage_effective_date(client, app, rita) -> None:
    async def recipe(b: Book) -> None:
        await b.policy(
            await b.account("UnpaidFirst"),
            initial_paid=False,
            effective=date(2026, 11, 1),
            paid_to=None,
            application_status="Submitted",
        )
        await b.policy(await b.account("UnpaidLast"), initial_paid=False, effective=date(2026, 11, 30), paid_to=None)
        await b.policy(await b.account("UnpaidLater"), initial_paid=False, effective=date(2026, 12, 1), paid_to=None)
        await b.policy(await b.account("UnpaidEarlier"), initial_paid=False, effective=date(2026, 10, 31))
        await b.policy(await b.account("Paid"), initial_paid=True, effective=date(2026, 11, 15))

    await build(app, rita, recipe)
    page = await run(client, rita, "initial_payment_not_received")
    assert last_names(page) == ["UnpaidFirst", "UnpaidLast"]
    assert all(r["initial_payment_received"] is False for r in page["items"])
    assert page["items"][0]["application_status"] == "Submitted"
    assert "pending_application_id" in [c["key"] for c in page["columns"]]


# --- R-REP-1: member reports ----------------------------------------------------------------------------------


async def test_r_rep_1_members_approaching_65_primary_and_spouse_with_birthdays_on_the_bounds(
    client, app, rita
) -> None:
    async def recipe(b: Book) -> None:
        acc = await b.account("Senior")
        people = [
            await b.member(acc, "primary", "OnFirstDay", date(1961, 11, 1)),
            await b.member(acc, "spouse", "OnLastDay", date(1961, 11, 30)),
        ]
        await b.policy(acc, people)
        acc2 = await b.account("Outside")
        people2 = [
            await b.member(acc2, "primary", "DayBefore", date(1961, 10, 31)),
            await b.member(acc2, "spouse", "DayAfter", date(1961, 12, 1)),
            await b.member(acc2, "child", "ChildSameAge", date(1961, 11, 15)),
        ]  # dependents never count
        await b.policy(acc2, people2)
        acc3 = await b.account("Younger")
        await b.policy(acc3, [await b.member(acc3, "primary", "Turns64", date(1962, 11, 15))])

    await build(app, rita, recipe)
    page = await run(client, rita, "members_approaching_65")
    assert [r["member_first_name"] for r in page["items"]] == ["OnFirstDay", "OnLastDay"]
    first, last = page["items"]
    assert (first["relationship"], first["date_of_birth"], first["birthday"], first["turning_age"]) == (
        "primary",
        "1961-11-01",
        "2026-11-01",
        65,
    )
    assert (last["relationship"], last["birthday"]) == ("spouse", "2026-11-30")
    assert first["last_name"] == "Senior" and first["member_id"] and first["policy_id"]
    headers = [c["header"] for c in page["columns"]]
    assert headers[:8] == [
        "Account Number",
        "Last Name",
        "First Name",
        "Member Last Name",
        "Member First Name",
        "Relationship",
        "Date of Birth",
        "Turns 65 On",
    ]


async def test_r_rep_1_members_born_on_february_29_turn_65_on_february_28_in_common_years(client, app, rita) -> None:
    async def recipe(b: Book) -> None:
        acc = await b.account("Leapling")
        await b.policy(acc, [await b.member(acc, "primary", "Leap", date(1964, 2, 29))])
        acc2 = await b.account("March")
        await b.policy(acc2, [await b.member(acc2, "primary", "MarchFirst", date(1964, 3, 1))])

    await build(app, rita, recipe)
    feb = await run(client, rita, "members_approaching_65", date_from="2029-02-01", date_to="2029-02-28")
    assert [(r["member_first_name"], r["birthday"]) for r in feb["items"]] == [("Leap", "2029-02-28")]
    march = await run(client, rita, "members_approaching_65", date_from="2029-03-01", date_to="2029-03-31")
    assert [(r["member_first_name"], r["birthday"]) for r in march["items"]] == [("MarchFirst", "2029-03-01")]
    only_28th = await run(client, rita, "members_approaching_65", date_from="2029-02-28", date_to="2029-02-28")
    assert [r["member_first_name"] for r in only_28th["items"]] == ["Leap"]


async def test_r_rep_1_members_approaching_26_are_dependents_never_the_spouse(client, app, rita) -> None:
    async def recipe(b: Book) -> None:
        acc = await b.account("Family", born=date(1975, 1, 1))
        people = [
            await b.member(acc, "primary", "Parent", date(2000, 11, 15)),  # a 26-year-old primary: no
            await b.member(acc, "spouse", "Spouse", date(2000, 11, 15)),  # a 26-year-old spouse: no
            await b.member(acc, "child", "FirstDay", date(2000, 11, 1)),
            await b.member(acc, "child", "LastDay", date(2000, 11, 30)),
            await b.member(acc, "child", "DayBefore", date(2000, 10, 31)),
            await b.member(acc, "child", "DayAfter", date(2000, 12, 1)),
        ]
        await b.policy(acc, people)
        acc2 = await b.account("Ended")
        kid = await b.member(acc2, "child", "CoverageEnded", date(2000, 11, 20))
        await b.policy(acc2, [kid], coverage_end=date(2026, 10, 31))  # no longer covered when the range starts

    await build(app, rita, recipe)
    page = await run(client, rita, "members_approaching_26")
    assert [r["member_first_name"] for r in page["items"]] == ["FirstDay", "LastDay"]
    assert {r["relationship"] for r in page["items"]} == {"child"}
    assert [r["birthday"] for r in page["items"]] == ["2026-11-01", "2026-11-30"]
    assert page["columns"][7]["header"] == "Turns 26 On"


async def test_r_rep_1_member_rows_are_per_member_and_policy(client, app, rita) -> None:
    async def recipe(b: Book) -> None:
        acc = await b.account("TwoPolicies")
        kid = await b.member(acc, "child", "Kid", date(2000, 11, 10))
        await b.policy(acc, [kid], coverage="medical")
        await b.policy(acc, [kid], coverage="dental", product="BlueCare Dental 1B")

    await build(app, rita, recipe)
    page = await run(client, rita, "members_approaching_26")
    assert sorted(r["coverage"] for r in page["items"]) == ["dental", "medical"] and page["total"] == 2
    assert (await run(client, rita, "members_approaching_26", coverage="dental"))["total"] == 1


# --- R-REP-2: filters -------------------------------------------------------------------------------------------


@pytest.fixture
async def varied(app, rita, otto) -> dict[str, str]:
    """Five policies effective in November 2026 that differ in every filtered attribute (and one of Otto's)."""
    second = "5" + rand_digits(8)

    async def recipe(b: Book) -> None:
        nov = date(2026, 11, 10)
        await b.policy(await b.account("Alpha"), effective=nov)  # medical, Active, off, PPO 502, Approved
        await b.policy(await b.account("Bravo"), effective=nov, coverage="dental", product="BlueCare Dental 1B")
        await b.policy(
            await b.account("Charlie"),
            effective=nov,
            status="Grace Period",
            exchange="on",
            product="Blue Advantage Silver HMO 206",
            producer_number=second,
        )
        await b.policy(
            await b.account("Delta"),
            effective=nov,
            status="Termed",
            termed=date(2026, 11, 30),
            grandfathered=True,
            product="Blue Choice Gold PPO 100",
            application_status="Submitted",
        )
        await b.policy(
            await b.account("Echo"),
            effective=nov,
            exchange="on",
            temporary=True,
            product="Blue Precision Bronze HMO 205",
            application_status="Submitted",
            producer_number=second,
        )

    async def theirs(b: Book) -> None:
        await b.policy(await b.account("Zulu"), effective=date(2026, 11, 10))

    await build(app, rita, recipe)
    await build(app, otto, theirs)
    return {"second": second}


FILTER_CASES = [
    ({}, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
    ({"policy_status": "all"}, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
    ({"policy_status": "active"}, ["Alpha", "Bravo", "Echo"]),
    ({"policy_status": "grace_period"}, ["Charlie"]),
    ({"policy_status": "termed"}, ["Delta"]),
    ({"application_status": "submitted"}, ["Delta", "Echo"]),
    ({"application_status": "approved"}, ["Alpha", "Bravo", "Charlie"]),
    ({"application_status": "declined"}, []),
    ({"application_status": "all"}, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
    ({"product_name": "ppo"}, ["Alpha", "Delta"]),  # contains, any case
    ({"product_name": "BRONZE"}, ["Alpha", "Echo"]),
    ({"product_name": "Blue%"}, []),  # wildcards are text
    ({"exchange": "on"}, ["Charlie", "Echo"]),
    ({"exchange": "off"}, ["Alpha", "Bravo", "Delta"]),
    ({"exchange": "all"}, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
    ({"grandfathered": "true"}, ["Delta"]),
    ({"grandfathered": "false"}, ["Alpha", "Bravo", "Charlie", "Echo"]),
    ({"coverage": "medical"}, ["Alpha", "Charlie", "Delta", "Echo"]),
    ({"coverage": "dental"}, ["Bravo"]),
    ({"coverage": "all"}, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
    ({"coverage": "both"}, []),  # issue 15: no account here has both a medical and a dental policy
    ({"temporary_plan": "true"}, ["Echo"]),
    ({"temporary_plan": "false"}, ["Alpha", "Bravo", "Charlie", "Delta"]),
    ({"producer_first_name": "RITA"}, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
    ({"producer_last_name": " reporter "}, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
    ({"producer_first_name": "Otto"}, []),
    ({"producer_last_name": "Outsider"}, []),
    ({"coverage": "medical", "exchange": "off", "policy_status": "active"}, ["Alpha"]),
]


@pytest.mark.parametrize(
    ("params", "expected"),
    FILTER_CASES,
    ids=["-".join(f"{k}={v}" for k, v in p.items()) or "none" for p, _ in FILTER_CASES],
)
async def test_r_rep_2_filters_narrow_the_report(client, rita, varied, params, expected) -> None:
    page = await run(client, rita, "coverage_effective_date", sort="last_name", **params)
    assert last_names(page) == expected
    assert page["total"] == len(expected)


async def test_r_rep_2_producer_number_filter(client, rita, varied) -> None:
    page = await run(client, rita, "coverage_effective_date", sort="last_name", producer_number=varied["second"])
    assert last_names(page) == ["Charlie", "Echo"]
    page = await run(client, rita, "coverage_effective_date", sort="last_name", producer_number=rita.number)
    assert last_names(page) == ["Alpha", "Bravo", "Delta"]
    assert (await run(client, rita, "coverage_effective_date", producer_number="999999999"))["total"] == 0


async def test_r_rep_2_status_column_only_when_all(client, rita, varied) -> None:
    every = await run(client, rita, "coverage_effective_date", sort="last_name")
    assert "status" in [c["key"] for c in every["columns"]]
    assert [r["status"] for r in every["items"]] == ["Active", "Active", "Grace Period", "Termed", "Active"]
    assert every["filters"]["policy_status"] == "all"
    grace = await run(client, rita, "coverage_effective_date", policy_status="grace_period")
    assert "status" not in [c["key"] for c in grace["columns"]] and "Status" not in [
        c["header"] for c in grace["columns"]
    ]
    assert all("status" not in r for r in grace["items"]) and last_names(grace) == ["Charlie"]
    r = await client.get(
        report_url("coverage_effective_date"),
        params={**NOV, "policy_status": "termed", "format": "csv"},
        headers=rita.headers,
    )
    header = next(csv.reader(io.StringIO(r.text)))
    assert "Status" not in header and "Policy Term Date" in header


# --- validation -------------------------------------------------------------------------------------------------


async def test_r_rep_2_every_invalid_parameter_is_reported_at_once(client, rita) -> None:
    r = await client.get(
        report_url("coverage_effective_date"),
        headers=rita.headers,
        params={
            "date_from": "2026-12-01",
            "date_to": "2026-11-01",
            "policy_status": "lapsed",
            "exchange": "maybe",
            "grandfathered": "yes",
            "coverage": "vision",
            "temporary_plan": "1",
            "application_status": "lost",
            "producer_number": "12345",
            "sort": "ssn",
        },
    )
    body = assert_problem(r, 422, "validation_failed")
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("date_to", "report.range_reversed"),
        ("policy_status", "report.filter_invalid"),
        ("exchange", "report.filter_invalid"),
        ("grandfathered", "report.filter_invalid"),
        ("coverage", "report.filter_invalid"),
        ("temporary_plan", "report.filter_invalid"),
        ("application_status", "report.filter_invalid"),
        ("producer_number", "report.producer_number_invalid"),
        ("sort", "report.sort_invalid"),
    }
    policy_status = next(e for e in body["errors"] if e["field"] == "policy_status")
    assert "grace_period" in policy_status["message"]


async def test_r_rep_2_dates_are_iso_and_the_range_is_at_most_366_days(client, rita) -> None:
    ok = await run(client, rita, "coverage_effective_date", date_from="2028-01-01", date_to="2028-12-31")  # 366
    assert ok["total"] == 0
    body = assert_problem(
        await client.get(
            report_url("coverage_effective_date"),
            headers=rita.headers,
            params={"date_from": "2026-01-01", "date_to": "2027-01-02"},
        ),
        422,
        "report.range_too_long",
    )  # 367 days
    assert (await run(client, rita, "coverage_effective_date", date_from="2026-01-01", date_to="2027-01-01"))[
        "total"
    ] == 0  # 366 days in a common year
    assert "366" in body["detail"]
    body = assert_problem(
        await client.get(
            report_url("eapp_start_date"),
            headers=rita.headers,
            params={"date_from": "11/01/2026", "date_to": "2026-02-30"},
        ),
        422,
    )
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("date_from", "report.date_invalid"),
        ("date_to", "report.date_invalid"),
    }
    assert_problem(
        await client.get(
            report_url("eapp_start_date"),
            headers=rita.headers,
            params={"date_from": "0001-01-01", "date_to": "0001-01-02"},
        ),
        422,
    )
    missing = assert_problem(await client.get(report_url("eapp_start_date"), headers=rita.headers), 422)
    assert {e["field"] for e in missing["errors"]} == {"date_from", "date_to"}


async def test_r_rep_1_unknown_report_type_is_404_naming_the_types(client, rita) -> None:
    body = assert_problem(
        await client.get(report_url("members_approaching_70"), params=NOV, headers=rita.headers),
        404,
        "report.unknown_type",
    )
    assert body["report_types"] == [
        "eapp_start_date",
        "app_signature_date",
        "coverage_effective_date",
        "policy_term_date",
        "current_paid_to_date",
        "initial_payment_not_received",
        "members_approaching_65",
        "members_approaching_26",
        "policy_status",
    ]
    assert "members_approaching_26" in body["detail"]


# --- R-REP-3: paging, sorting, cursors -------------------------------------------------------------------------


@pytest.fixture
async def seven(app, rita) -> list[str]:
    """Seven policies on distinct November days; names out of date order."""
    names = ["Gamma", "Alpha", "Foxtrot", "Bravo", "Echo", "Charlie", "Delta"]

    async def recipe(b: Book) -> None:
        for day, last in enumerate(names, start=1):
            await b.policy(
                await b.account(last),
                effective=date(2026, 11, day * 2),
                paid_to=None if last == "Bravo" else date(2026, 12, day),
            )

    await build(app, rita, recipe)
    return names


async def test_r_rep_3_pages_carry_the_total_and_follow_the_sort(client, rita, seven) -> None:
    pages = [await run(client, rita, "coverage_effective_date", page_size=3, page=n) for n in (1, 2, 3, 4)]
    assert [p["total"] for p in pages] == [7, 7, 7, 7]
    assert [last_names(p) for p in pages] == [seven[0:3], seven[3:6], seven[6:7], []]
    assert pages[0]["page"] == 1 and pages[0]["page_size"] == 3
    by_name = await run(client, rita, "coverage_effective_date", sort="-last_name")
    assert last_names(by_name) == sorted(seven, reverse=True)
    # an empty paid-to date sorts last ascending, first descending
    assert last_names(await run(client, rita, "coverage_effective_date", sort="paid_to_date"))[-1] == "Bravo"
    assert last_names(await run(client, rita, "coverage_effective_date", sort="-paid_to_date"))[0] == "Bravo"
    body = assert_problem(
        await client.get(
            report_url("coverage_effective_date"), headers=rita.headers, params={**NOV, "sort": "member_first_name"}
        ),
        422,
        "report.sort_invalid",
    )
    assert "account_number" in body["detail"]


@pytest.mark.parametrize("sort", [None, "-last_name", "paid_to_date", "-paid_to_date,last_name", "product_name"])
async def test_r_rep_3_the_after_cursor_walks_the_same_rows_as_page_numbers(client, rita, seven, sort) -> None:
    params = {"page_size": 2, **({"sort": sort} if sort else {})}
    expected = last_names(await run(client, rita, "coverage_effective_date", **{**params, "page_size": 200}))
    walked: list[str] = []
    page = await run(client, rita, "coverage_effective_date", **params)
    while True:
        walked += last_names(page)
        assert page["total"] == 7
        if page["next_after"] is None:
            break
        page = await run(client, rita, "coverage_effective_date", **params, after=page["next_after"])
    assert walked == expected and len(walked) == 7


async def test_r_rep_3_a_cursor_only_fits_its_own_report(client, rita, seven) -> None:
    first = await run(client, rita, "coverage_effective_date", page_size=2)
    cursor = first["next_after"]
    for params in ({"policy_status": "active"}, {"sort": "last_name"}, {"date_to": "2026-11-29"}):
        assert_problem(
            await client.get(
                report_url("coverage_effective_date"),
                headers=rita.headers,
                params={**NOV, "page_size": 2, "after": cursor, **params},
            ),
            422,
            "report.cursor_invalid",
        )
    assert_problem(
        await client.get(report_url("current_paid_to_date"), headers=rita.headers, params={**NOV, "after": cursor}),
        422,
        "report.cursor_invalid",
    )
    assert_problem(
        await client.get(
            report_url("coverage_effective_date"), headers=rita.headers, params={**NOV, "after": "not-a-cursor!"}
        ),
        422,
        "report.cursor_invalid",
    )


async def test_r_rep_3_member_report_cursor_pages(client, app, rita) -> None:
    async def recipe(b: Book) -> None:
        for i in range(5):
            acc = await b.account(f"Fam{i}")
            kids = [await b.member(acc, "child", f"Kid{i}{j}", date(2000, 11, 1 + i)) for j in range(2)]
            await b.policy(acc, kids)

    await build(app, rita, recipe)
    all_rows = [r["member_first_name"] for r in (await run(client, rita, "members_approaching_26"))["items"]]
    walked: list[str] = []
    page = await run(client, rita, "members_approaching_26", page_size=3)
    while True:
        walked += [r["member_first_name"] for r in page["items"]]
        if not page["next_after"]:
            break
        page = await run(client, rita, "members_approaching_26", page_size=3, after=page["next_after"])
    assert walked == all_rows and len(walked) == 10


# --- R-REP-3: files -------------------------------------------------------------------------------------------


async def test_r_rep_3_csv_has_every_row_headers_as_on_screen_and_mm_dd_yyyy(client, rita, seven) -> None:
    r = await client.get(
        report_url("coverage_effective_date"), headers=rita.headers, params={**NOV, "format": "csv", "page_size": 2}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="coverage_effective_date-20261101-20261130.csv"'
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == [
        "Account Number",
        "Last Name",
        "First Name",
        "Coverage Effective Date",
        "Paid To Date",
        "Policy Term Date",
        "E-App Number",
        "Client App ID",
        "Member Count",
        "Group Number",
        "Product Type",
        "Product Name",
        "Coverage",
        "Status",
        "Producer Name",
        "Nine Digit Producer Number",
    ]
    assert len(rows) == 8  # every row, not one page
    assert [row[1] for row in rows[1:]] == seven
    assert rows[1][3:6] == ["11/02/2026", "12/01/2026", ""]
    assert rows[1][12:] == ["Medical", "Active", "Rita Reporter", rita.number]


async def test_r_rep_3_xlsx_opens_with_dates_as_mm_dd_yyyy(client, app, rita) -> None:
    async def recipe(b: Book) -> None:
        acc = await b.account("Senior")
        await b.policy(acc, [await b.member(acc, "spouse", "Pat", date(1961, 11, 20))], effective=date(2020, 3, 1))

    await build(app, rita, recipe)
    r = await client.get(report_url("members_approaching_65"), headers=rita.headers, params={**NOV, "format": "xlsx"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r.headers["content-disposition"] == 'attachment; filename="members_approaching_65-20261101-20261130.xlsx"'
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet.title == "Members Approaching 65"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:8] == (
        "Account Number",
        "Last Name",
        "First Name",
        "Member Last Name",
        "Member First Name",
        "Relationship",
        "Date of Birth",
        "Turns 65 On",
    )
    assert len(rows) == 2
    assert rows[1][1:6] == ("Senior", "Casey", "Senior", "Pat", "Spouse")
    assert rows[1][6].date() == date(1961, 11, 20) and rows[1][7].date() == date(2026, 11, 20)
    assert sheet["G2"].number_format == "MM/DD/YYYY" and sheet["H2"].number_format == "MM/DD/YYYY"


async def test_r_rep_3_an_empty_report_is_a_file_with_headers(client, rita) -> None:
    r = await client.get(report_url("policy_term_date"), headers=rita.headers, params={**NOV, "format": "csv"})
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.text)))
    assert len(rows) == 1 and rows[0][3] == "Policy Term Date"


# --- R-MEM-6: report runs are audit-logged -----------------------------------------------------------------------


async def test_r_mem_6_every_report_run_is_audit_logged(client, app, rita, seven) -> None:
    await run(client, rita, "coverage_effective_date", page_size=3, policy_status="active")
    r = await client.get(report_url("coverage_effective_date"), headers=rita.headers, params={**NOV, "format": "csv"})
    assert r.status_code == 200
    async with app.state.ctx.uow() as uow:
        events = (
            (
                await uow.session.execute(
                    select(AuditEvent).where(AuditEvent.action == "report.run").order_by(AuditEvent.id)
                )
            )
            .scalars()
            .all()
        )
    assert [e.actor_user_id for e in events] == [rita.user_id, rita.user_id]
    page, file = events[0].details, events[1].details
    assert (page["report_type"], page["date_from"], page["date_to"], page["rows"], page["format"]) == (
        "coverage_effective_date",
        "2026-11-01",
        "2026-11-30",
        7,
        "json",
    )
    assert page["filters"] == {"policy_status": "active"} and len(page["accounts"]) == 3
    assert (file["format"], file["rows"]) == ("csv", 7)


# --- R-REP-3: saved reports ("View My Custom Reports") ---------------------------------------------------------

SAVED = "/api/v1/saved-reports"


def saved_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Grace period in November",
        "report_type": "coverage_effective_date",
        "date_from": "2026-11-01",
        "date_to": "2026-11-30",
        "filters": {"policy_status": "grace_period"},
    }
    body.update(overrides)
    return body


async def make_saved_report(client, app, producer) -> str:  # type: ignore[no-untyped-def]
    """For the isolation matrix (tests/api/test_isolation.py): a saved report of `producer`'s."""
    r = await client.post(SAVED, json=saved_body(name=f"Saved {rand_digits(8)}"), headers=producer)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_r_rep_3_save_get_list_run_and_delete_a_report(client, rita, varied) -> None:
    r = await client.post(SAVED, json=saved_body(name="  Grace   period in November "), headers=rita.headers)
    assert r.status_code == 201, r.text
    saved = r.json()
    assert r.headers["location"] == f"{SAVED}/{saved['id']}"
    assert (saved["name"], saved["report_type"], saved["title"], saved["date_from"], saved["date_to"]) == (
        "Grace period in November",
        "coverage_effective_date",
        "Coverage Effective Date",
        "2026-11-01",
        "2026-11-30",
    )
    assert saved["filters"] == {
        "application_status": "all",
        "policy_status": "grace_period",
        "product_name": None,
        "exchange": "all",
        "grandfathered": "all",
        "coverage": "all",
        "temporary_plan": "all",
        "producer_first_name": None,
        "producer_last_name": None,
        "producer_number": None,
    }
    one = await client.get(f"{SAVED}/{saved['id']}", headers=rita.headers)
    assert one.status_code == 200 and one.json() == saved
    listed = (await client.get(SAVED, headers=rita.headers)).json()
    assert listed["total"] == 1 and listed["items"] == [saved]

    ran = await client.get(f"{SAVED}/{saved['id']}/run", headers=rita.headers)
    assert ran.status_code == 200, ran.text
    direct = await run(client, rita, "coverage_effective_date", policy_status="grace_period", page_size=25)
    assert ran.json() == direct and last_names(ran.json()) == ["Charlie"]
    assert all("status" not in row for row in ran.json()["items"])
    f = await client.get(f"{SAVED}/{saved['id']}/run", params={"format": "csv"}, headers=rita.headers)
    assert f.headers["content-disposition"] == 'attachment; filename="coverage_effective_date-20261101-20261130.csv"'
    assert [row[1] for row in csv.reader(io.StringIO(f.text))] == ["Last Name", "Charlie"]

    assert (await client.delete(f"{SAVED}/{saved['id']}", headers=rita.headers)).status_code == 204
    assert_problem(await client.get(f"{SAVED}/{saved['id']}", headers=rita.headers), 404, "not_found")
    assert_problem(await client.get(f"{SAVED}/{saved['id']}/run", headers=rita.headers), 404)
    assert_problem(await client.delete(f"{SAVED}/{saved['id']}", headers=rita.headers), 404)
    assert (await client.get(SAVED, headers=rita.headers)).json()["total"] == 0


async def test_r_rep_3_a_saved_member_report_runs_with_paging_and_cursor(client, app, rita) -> None:
    async def recipe(b: Book) -> None:
        for i in range(3):
            acc = await b.account(f"Fam{i}")
            await b.policy(acc, [await b.member(acc, "child", f"Kid{i}", date(2000, 11, 5 + i))])

    await build(app, rita, recipe)
    r = await client.post(
        SAVED,
        json=saved_body(
            name="Aging out",
            report_type="members_approaching_26",
            filters={"coverage": "medical", "grandfathered": False},
        ),
        headers=rita.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["filters"]["grandfathered"] == "false"
    url = f"{SAVED}/{r.json()['id']}/run"
    first = (await client.get(url, params={"page_size": 2}, headers=rita.headers)).json()
    assert first["total"] == 3 and [x["member_first_name"] for x in first["items"]] == ["Kid0", "Kid1"]
    second = (await client.get(url, params={"page_size": 2, "after": first["next_after"]}, headers=rita.headers)).json()
    assert [x["member_first_name"] for x in second["items"]] == ["Kid2"] and second["next_after"] is None


async def test_r_rep_3_saved_report_names_are_unique_per_producer(client, rita, otto) -> None:
    assert (await client.post(SAVED, json=saved_body(), headers=rita.headers)).status_code == 201
    body = assert_problem(
        await client.post(SAVED, json=saved_body(name="GRACE period in november"), headers=rita.headers),
        409,
        "saved_report.name_taken",
    )
    assert body["errors"][0]["field"] == "name"
    assert (await client.post(SAVED, json=saved_body(), headers=otto.headers)).status_code == 201  # another book


async def test_r_rep_3_the_unique_name_index_answers_409_when_the_name_check_misses(client, rita) -> None:
    # SQLite's lower() folds ASCII only, so the name check (Python's lower()) misses "ÄRGER" against "Ärger";
    # the unique index on lower(name) still catches it, and the caller gets the same 409 (PostgreSQL: the check).
    assert (await client.post(SAVED, json=saved_body(name="Ärger list"), headers=rita.headers)).status_code == 201
    body = assert_problem(
        await client.post(SAVED, json=saved_body(name="ÄRGER LIST"), headers=rita.headers),
        409,
        "saved_report.name_taken",
    )
    assert body["errors"][0]["field"] == "name" and "ÄRGER LIST" in body["detail"]
    listed = (await client.get(SAVED, headers=rita.headers)).json()
    assert [item["name"] for item in listed["items"]] == ["Ärger list"]


async def test_r_rep_3_a_saved_report_is_validated_like_a_run(client, rita) -> None:
    body = assert_problem(
        await client.post(
            SAVED,
            headers=rita.headers,
            json=saved_body(
                report_type="members_approaching_70",
                date_from="2026-12-01",
                date_to="2026-11-01",
                filters={"policy_status": "lapsed", "producer_number": "12", "grandfathered": "maybe"},
            ),
        ),
        422,
    )
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("report_type", "report.unknown_type"),
        ("date_to", "report.range_reversed"),
        ("filters.policy_status", "report.filter_invalid"),
        ("filters.producer_number", "report.producer_number_invalid"),
        ("filters.grandfathered", "report.filter_invalid"),
    }
    too_long = assert_problem(
        await client.post(SAVED, headers=rita.headers, json=saved_body(date_from="2026-01-01", date_to="2027-06-30")),
        422,
        "report.range_too_long",
    )
    assert too_long["errors"][0]["field"] == "date_to"
    for bad in ({"name": ""}, {"name": "x" * 101}, {"filters": {"ssn": "1234"}}, {"date_from": 20261101}):
        assert_problem(await client.post(SAVED, headers=rita.headers, json=saved_body(**bad)), 422)
    assert (await client.get(SAVED, headers=rita.headers)).json()["total"] == 0


async def test_r_rep_3_saved_reports_are_listed_by_name_and_paged(client, rita, clock) -> None:
    for name in ("Charlie report", "alpha report", "Bravo report"):
        assert (await client.post(SAVED, json=saved_body(name=name), headers=rita.headers)).status_code == 201
        clock.advance(seconds=60)
    first = (await client.get(SAVED, params={"page_size": 2}, headers=rita.headers)).json()
    assert first["total"] == 3 and [x["name"] for x in first["items"]] == ["alpha report", "Bravo report"]
    second = (await client.get(SAVED, params={"page_size": 2, "page": 2}, headers=rita.headers)).json()
    assert [x["name"] for x in second["items"]] == ["Charlie report"]
    newest = (await client.get(SAVED, params={"sort": "-created_at"}, headers=rita.headers)).json()
    assert [x["name"] for x in newest["items"]] == ["Bravo report", "alpha report", "Charlie report"]
    assert_problem(
        await client.get(SAVED, params={"sort": "owner"}, headers=rita.headers), 422, "saved_report.sort_invalid"
    )


# --- R-BOOK-1, R-DEL-9: who may see what ---------------------------------------------------------------------------


async def test_r_book_1_another_producers_saved_report_is_not_found(client, rita, otto) -> None:
    report_id = await make_saved_report(client, None, rita.headers)
    for method, path in (
        ("GET", f"{SAVED}/{report_id}"),
        ("GET", f"{SAVED}/{report_id}/run"),
        ("DELETE", f"{SAVED}/{report_id}"),
    ):
        assert_problem(await client.request(method, path, headers=otto.headers), 404, "not_found")
    assert (await client.get(SAVED, headers=otto.headers)).json()["total"] == 0
    assert (await client.get(f"{SAVED}/{report_id}", headers=rita.headers)).status_code == 200  # still there


async def test_r_del_9_delegates_cannot_use_reports_and_anonymous_callers_must_sign_in(
    client, app, demo, rita, clock
) -> None:
    from tests.api.test_delegates import mfa_sign_in, ready_delegate

    admin = await bearer(client, "admin", "Admin123")
    delegate = await ready_delegate(client, admin, rita.headers, clock)
    tokens = await mfa_sign_in(client, admin, delegate, clock)
    as_delegate = {"Authorization": f"Bearer {tokens['access_token']}"}
    report_id = await make_saved_report(client, app, rita.headers)
    calls = [
        ("GET", report_url("coverage_effective_date"), None),
        ("POST", SAVED, saved_body(name="By delegate")),
        ("GET", SAVED, None),
        ("GET", f"{SAVED}/{report_id}", None),
        ("GET", f"{SAVED}/{report_id}/run", None),
        ("DELETE", f"{SAVED}/{report_id}", None),
    ]
    for method, path, body in calls:
        params = NOV if path.startswith("/api/v1/reports") else None
        assert_problem(
            await client.request(method, path, params=params, json=body, headers=as_delegate),
            403,
            "delegate_not_permitted",
        )
        assert_problem(await client.request(method, path, params=params, json=body), 401)
    assert (await client.get(f"{SAVED}/{report_id}", headers=rita.headers)).status_code == 200


# --- issue 15: policy status without dates, contact columns, "both", rolling windows --------------------------------

PS = "/api/v1/reports/policy_status"


@pytest.fixture
async def graces(app, rita, otto) -> None:
    """Three grace-period policies (effective and paid-to dates years apart), one active, and one of Otto's."""

    async def recipe(b: Book) -> None:
        for last, paid_to, year in (("Grace", date(2026, 10, 31), 2019), ("Gale", date(2026, 9, 30), 2024)):
            acc = await b.account(last)
            acc.phone_cell, acc.email = "3125550199", f"{last.lower()}@home.example"
            await b.policy(acc, status="Grace Period", paid_to=paid_to, effective=date(year, 1, 1))
        await b.policy(await b.account("Glen"), status="Grace Period", paid_to=date(2026, 11, 15), effective=FAR)
        await b.policy(await b.account("Active"), status="Active", paid_to=date(2026, 12, 31))

    async def theirs(b: Book) -> None:
        await b.policy(await b.account("Zulu"), status="Grace Period", paid_to=date(2026, 10, 31))

    await build(app, rita, recipe)
    await build(app, otto, theirs)


async def test_issue15_policy_status_grace_period_without_dates_paged_by_cursor(client, rita, graces) -> None:
    """R-REP-1/2/3: the seed's Grace Period check: the caller's whole book, no range, oldest paid-to first, the
    primary's phone (cell, else home) and email on each row, paged by `after` like the other reports."""
    r = await client.get(PS, params={"policy_status": "grace_period", "page_size": 2}, headers=rita.headers)
    assert r.status_code == 200, r.text
    page = r.json()
    assert (page["report_type"], page["title"], page["date_from"], page["date_to"]) == (
        "policy_status",
        "Policy Status",
        None,
        None,
    )
    assert page["total"] == 3 and last_names(page) == ["Gale", "Grace"]
    assert [(i["phone"], i["email"]) for i in page["items"]] == [
        ("3125550199", "gale@home.example"),
        ("3125550199", "grace@home.example"),
    ]
    assert "status" not in page["items"][0]  # one status chosen: no Status column (R-REP-2)
    assert [c["key"] for c in page["columns"]][:8] == [
        "account_number",
        "last_name",
        "first_name",
        "paid_to_date",
        "coverage_effective_date",
        "termed_date",
        "phone",
        "email",
    ]
    nxt = await client.get(
        PS, params={"policy_status": "grace_period", "page_size": 2, "after": page["next_after"]}, headers=rita.headers
    )
    rest = nxt.json()
    assert last_names(rest) == ["Glen"] and rest["items"][0]["phone"] == "3125550100" and rest["next_after"] is None
    # "All" shows every policy of the book with the Status column; Otto's never
    everything = (await client.get(PS, params={"page_size": 50}, headers=rita.headers)).json()
    assert sorted(last_names(everything)) == ["Active", "Gale", "Glen", "Grace"]
    assert {i["status"] for i in everything["items"]} == {"Grace Period", "Active"}


async def test_issue15_policy_status_report_files_carry_phone_and_email(client, rita, graces) -> None:
    """R-REP-3: CSV and XLSX of the undated report, every row, with the follow-up contact columns."""
    params = {"policy_status": "grace_period", "format": "csv"}
    r = await client.get(PS, params=params, headers=rita.headers)
    assert r.status_code == 200 and 'filename="policy_status-grace_period.csv"' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    header = rows[0]
    assert header[:8] == [
        "Account Number",
        "Last Name",
        "First Name",
        "Paid To Date",
        "Coverage Effective Date",
        "Policy Term Date",
        "Phone",
        "Email",
    ]
    assert [(row[1], row[6], row[7]) for row in rows[1:]] == [
        ("Gale", "3125550199", "gale@home.example"),
        ("Grace", "3125550199", "grace@home.example"),
        ("Glen", "3125550100", ""),
    ]
    x = await client.get(PS, params={**params, "format": "xlsx"}, headers=rita.headers)
    assert x.status_code == 200
    sheet = load_workbook(io.BytesIO(x.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][6:8] == ("Phone", "Email") and [v[1] for v in values[1:]] == ["Gale", "Grace", "Glen"]
    assert values[1][7] == "gale@home.example"


async def test_issue15_term_and_payment_reports_carry_phone_and_email_others_do_not(client, app, rita) -> None:
    async def recipe(b: Book) -> None:
        acc = await b.account("Termed")
        acc.email = "termed@home.example"
        await b.policy(acc, status="Termed", termed=date(2026, 11, 10), paid_to=date(2026, 11, 10))

    await build(app, rita, recipe)
    for kind in ("policy_term_date", "current_paid_to_date"):
        [row] = (await run(client, rita, kind))["items"]
        assert (row["phone"], row["email"]) == ("3125550100", "termed@home.example"), kind
    started = await run(client, rita, "eapp_start_date", date_from="2026-01-01", date_to="2026-12-31")
    assert all("phone" not in row and "email" not in row for row in started["items"])
    assert "phone" not in [c["key"] for c in started["columns"]]


async def test_issue15_coverage_both_means_accounts_with_medical_and_dental(client, app, rita) -> None:
    """R-REP-2 "Both Medical And Dental": the policies of accounts holding both kinds, not "no filter"."""

    async def recipe(b: Book) -> None:
        both = await b.account("Both")
        await b.policy(both, coverage="medical", effective=date(2026, 11, 5))
        await b.policy(both, coverage="dental", effective=date(2026, 11, 6), product="BlueCare Dental 1B")
        await b.policy(await b.account("MedicalOnly"), coverage="medical", effective=date(2026, 11, 7))
        await b.policy(await b.account("DentalOnly"), coverage="dental", effective=date(2026, 11, 8))

    await build(app, rita, recipe)
    page = await run(client, rita, "coverage_effective_date", coverage="both")
    assert [(r["last_name"], r["coverage"]) for r in page["items"]] == [("Both", "medical"), ("Both", "dental")]
    assert page["filters"]["coverage"] == "both"
    everything = await run(client, rita, "coverage_effective_date")
    assert everything["total"] == 4 and everything["filters"]["coverage"] == "all"


async def test_issue15_saved_report_with_a_rolling_window_resolves_on_the_day_it_runs(client, app, rita, clock) -> None:
    """R-REP-3: "Members approaching 65 in the next year" stored as a window, not dates; resolved with the clock."""

    async def recipe(b: Book) -> None:
        soon = await b.account("Soon", born=date(1961, 12, 1))  # turns 65 on 2026-12-01
        later = await b.account("Later", born=date(1962, 12, 20))  # turns 65 on 2027-12-20
        await b.policy(soon, [await b.member(soon, "primary", "Sam", date(1961, 12, 1))])
        await b.policy(later, [await b.member(later, "primary", "Lee", date(1962, 12, 20))])

    await build(app, rita, recipe)
    window = {"days_before": 0, "days_after": 365}
    body = {"name": "Approaching 65 next year", "report_type": "members_approaching_65", "date_window": window}
    r = await client.post(SAVED, json=body, headers=rita.headers)
    assert r.status_code == 201, r.text
    saved = r.json()
    assert (saved["date_from"], saved["date_to"], saved["date_window"]) == (None, None, window)
    async with app.state.ctx.uow() as uow:
        row = (await uow.session.execute(select(SavedReport).where(SavedReport.id == saved["id"]))).scalar_one()
    assert (row.date_from, row.date_to, row.days_before, row.days_after) == (None, None, 0, 365)

    today = (await client.get(f"{SAVED}/{saved['id']}/run", headers=rita.headers)).json()
    assert (today["date_from"], today["date_to"], today["date_window"]) == ("2026-11-22", "2027-11-22", window)
    assert [i["member_first_name"] for i in today["items"]] == ["Sam"]
    clock.advance(days=60)  # two months on, the same saved report looks at the next year from then
    rita.headers = await bearer(client, rita.username, "Abc12345")  # a new session: the old one expired
    later = (await client.get(f"{SAVED}/{saved['id']}/run", headers=rita.headers)).json()
    assert (later["date_from"], later["date_to"]) == ("2027-01-21", "2028-01-21")
    assert [i["member_first_name"] for i in later["items"]] == ["Lee"]
    csv_file = await client.get(f"{SAVED}/{saved['id']}/run", params={"format": "csv"}, headers=rita.headers)
    assert "members_approaching_65-20270121-20280121.csv" in csv_file.headers["content-disposition"]
    assert [row[1] for row in list(csv.reader(io.StringIO(csv_file.text)))[1:]] == ["Later"]


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"date_window": {"days_before": 0, "days_after": 30}}, "date_window", "report.date_forms"),
        ({"date_from": None, "date_to": None}, "date_from", "report.date_required"),
        (
            {"date_from": None, "date_to": None, "date_window": {"days_before": 0, "days_after": 400}},
            "date_window.days_after",
            "report.window_invalid",
        ),
        (
            {"date_from": None, "date_to": None, "date_window": {"days_before": 200, "days_after": 200}},
            "date_window",
            "report.range_too_long",
        ),
        (
            {
                "report_type": "policy_status",
                "date_from": None,
                "date_to": None,
                "date_window": {"days_before": 0, "days_after": 1},
            },
            "date_window",
            "report.dates_not_allowed",
        ),
    ],
)
async def test_issue15_saved_report_takes_dates_or_a_window_exactly_one(client, rita, changes, field, code) -> None:
    body = assert_problem(await client.post(SAVED, json=saved_body(**changes), headers=rita.headers), 422)
    assert (field, code) in {(e["field"], e["code"]) for e in body["errors"]}, body
    listed = (await client.get(SAVED, headers=rita.headers)).json()
    assert listed["total"] == 0


async def test_issue15_saved_policy_status_report_runs_without_dates(client, rita, graces) -> None:
    body = {"name": "Grace check", "report_type": "policy_status", "filters": {"policy_status": "grace_period"}}
    r = await client.post(SAVED, json=body, headers=rita.headers)
    assert r.status_code == 201, r.text
    assert (r.json()["date_from"], r.json()["date_window"]) == (None, None)
    page = (await client.get(f"{SAVED}/{r.json()['id']}/run", headers=rita.headers)).json()
    assert last_names(page) == ["Gale", "Grace", "Glen"] and page["date_from"] is None
