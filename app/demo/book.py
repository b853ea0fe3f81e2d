"""The demo book of business (api.md "Demo data"): reference data, demoagent's and otheragent's books, prospects.

Deterministic for a given load day: a fixed `random.Random` seed, and every date that matters ("turning 65
within the next year", "submitted less than 24 hours ago") is computed from the clock's today. Rows are built
in Python and written with a few bulk INSERTs, so the `demo` test fixture stays fast.

Notable accounts (demoagent unless said otherwise; T = the load day, M = the first of T's month):

- 730075112 Michael Alvarez, family of 4 (IL 60601): api.md's example. Blue Precision Silver HMO 206 off
  exchange, Active, paid; every member on PCP group 127, so a PCP change to group "124" validates cleanly;
  a dental policy too.
- 730031415 Robert Nguyen + spouse Linh (IL 60614, Blue Advantage Silver HMO 102): the **Asked Out** history.
  The primary (suffix 01) was on group "126" from M-24 months to the day before M-12 months, ended with
  end_reason "Asked Out", and is on group 127 since: a change back to 126 must fail (R-PCP-4). The spouse
  is on 126 without such a history.
- 730052026 Angela Brooks + child (TX 77002): on-exchange "Blue Advantage Gold HMO 207" submitted **3 hours
  before the load** (R-ID-4: no ID cards for 24 hours), effective M+1, application_status "Submitted".
- 730088210 **Jessica Tester** (b. 1988-02-10), spouse Sam (1987-05-01), child Kelly (2015-03-03), IL 60601:
  api.md's applicant as an existing client. Her PPO is **Termed** at the end of last month, so a new
  application for her does not overlap active coverage.
- 730041907 Tom Tester (TX 75201, Active "Blue Advantage Gold HMO 207" off exchange), 730041908 Terry Tester
  (IL 60614, Grace Period EPO on exchange), 730041909 Anna Tester (IL 62701, Active POS + dental).
- Turning 65: 730065030 Linda Kowalski (IL 60563) on T+30, 730065120 Gary Lawson (TX 78701) on T+120,
  730065250 Susan Lee, spouse of Richard (IL 60201), on T+250.
- A child turning 26: 730026045 Garcia family of 5 (IL 60618, POS) on T+45, 730026160 Harris family of 4
  (TX 75214, Grace Period, + dental) on T+160, 730026300 Baker parent + child (zip 60010, Lake County) on T+300.
- Initial payment not received (application_status "Submitted"): 730010001 Brandon Scott (IL 60605, HMO,
  effective M+1), 730010002 Daniel Ortiz + spouse (TX 77006, PPO on exchange, M+1), 730010003 Hill family
  of 3 (IL 60625, EPO + dental, M+1).
- 730020001 Patricia Wagner (IL 60126): dental only. 730020002 Reyes family of 6 (TX 77449): HMO on exchange.
- Grandfathered: 730020003 Walter Schmidt + spouse (IL 62704, Active PPO since 2008-09-01), 730020004 Carol Young
  (IL 60618, Termed, since 2009-04-01). Temporary plans: 730020005 Kevin Tran (TX 75040, Active), 730020006
  Megan Price (IL 60453, Grace Period), both on "Blue Short Term Medical 180".
- 730020007 Ava Morales, 12, and her brother Leo, 9 (IL 60453): a child-only HMO policy.

The rest of demoagent's 60 accounts (730xxxxxx) are drawn from the generator; otheragent (IL 330003690)
has 10 accounts 740xxxxxx, one of them "Tina Tester" (isolation checks). 12 + 3 prospects.

Rules every account, policy and PCP assignment keeps (issue 15: what a producer would spot as fake; enforced by
`demo.book_data.BookGenerator` and checked over the whole book in tests/unit/demo/test_demo_book_consistency.py):

- Address: zip code, city, county and state come from one reference-data row (`book_data.COUNTIES`).
- Grandfathered policies have coverage effective before 2010-03-23 (`GRANDFATHER_CUTOFF`), off exchange.
- Temporary plans are short-term medical plans (`book_data.short_term_plans`: off exchange, no metal level, not
  quoted, no rates), with a termination date less than a year after the effective date (in the future while the
  policy is Active or in grace), sold without dental. ACA metal plans are never temporary.
- Grace Period: paid-to date in the past, at most 30 days before the load day off exchange and 90 days on
  exchange (the subsidized grace period).
- Active with the first payment received: paid-to date on or after the effective date. An unpaid new sale
  ("Initial Payment Not Received") is not in force yet: initial_payment_received false, application status
  Submitted, no paid-to date, effective the first of next month. (The policy status vocabulary has no
  "pending": such a policy keeps status Active, as the carrier's own new, unpaid policies do.)
- The medical and dental policies of one account are one application: the same e-app number, dates, status and
  exchange.
- PCP medical groups are in the plan's network and in the member's county (every county of the demo geography
  has an accepting group in each IL/TX HMO and POS network; 127 is a Loop group, Lake County's is 128).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo import book_data as bd
from app.demo.book_data import (
    AccountDraft,
    BookGenerator,
    Distribution,
    PcpDraft,
    PersonDraft,
    PolicyOptions,
)
from app.domain.dates import OPEN_END_DATE
from app.domain.text import name_key
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
    StateRegistration,
    User,
)

DEMO_SEED = 20261122
MARKER_ACCOUNT = "730075112"  # api.md's example account: present means the demo book is loaded
DEMO_ACCOUNTS = 60
OTHER_ACCOUNTS = 10
# The filler keeps the notable facts above countable: no random PCP histories, unpaid premiums or flags.
DEMO_DISTRIBUTION = Distribution(
    unpaid_initial=0.0, pcp_history=0.0, grandfathered=0.0, temporary_plan=0.0, dental_only=0.0
)


def reference_years(today: date) -> list[int]:
    """This year's plans, and next year's so quotes for next January work."""
    return [today.year, today.year + 1]


async def load_reference_data(session: AsyncSession, *, years: Iterable[int]) -> dict[str, int]:
    """Insert whatever is missing of counties, networks, plans and rates (for `years`) and the provider
    directory; returns medical group number -> id. Idempotent; the caller commits."""
    plans = [p for year in years for p in (*bd.plan_catalogue(year), *bd.short_term_plans(year))]
    plan_ids = [p.plan_id for p in plans]
    tables = (County, Network, Plan, PlanRate, MedicalGroup)
    # One round trip tells which tables are empty (a fresh database, every API test): no key lookups there.
    filled = (
        await session.execute(
            select(
                *(
                    select(model.__table__.c[key]).limit(1).exists().label(model.__tablename__)
                    for model, key in zip(tables, ("zip_code", "code", "plan_id", "plan_id", "id"), strict=True)
                )
            )
        )
    ).one()

    async def existing(model: Any, *columns: str, where: Any = None) -> set[Any]:
        if not getattr(filled, model.__tablename__):
            return set()
        stmt = select(*(model.__table__.c[c] for c in columns))
        rows = (await session.execute(stmt if where is None else stmt.where(where))).all()
        return {tuple(r) if len(columns) > 1 else r[0] for r in rows}

    have = await existing(County, "zip_code", "fips")
    await _insert(
        session,
        County,
        [
            {"zip_code": c.zip_code, "fips": c.fips, "name": c.name, "state": c.state, "rating_area": c.rating_area}
            for c in bd.COUNTIES
            if (c.zip_code, c.fips) not in have
        ],
    )
    have = await existing(Network, "code")
    await _insert(
        session,
        Network,
        [{"code": n.code, "name": n.name, "state": n.state} for n in bd.NETWORKS if n.code not in have],
    )
    have = await existing(Plan, "plan_id", where=Plan.__table__.c.plan_id.in_(plan_ids))
    await _insert(
        session,
        Plan,
        [
            {
                "plan_id": p.plan_id,
                "name": p.name,
                "coverage": p.coverage,
                "metal_level": p.metal_level,
                "network_type": p.network_type,
                "requires_pcp": p.requires_pcp,
                "exchange": p.exchange,
                "state": p.state,
                "network_code": p.network_code,
                "plan_year": p.plan_year,
                "group_number": p.group_number,
                "tobacco_factor": p.tobacco_factor,
                "customer_service_phone": p.customer_service_phone,
                "rx_bin": p.rx_bin,
                "rx_pcn": p.rx_pcn,
                "rx_group": p.rx_group,
            }
            for p in plans
            if p.plan_id not in have
        ],
    )
    have = await existing(PlanRate, "plan_id", "state", "rating_area", where=PlanRate.__table__.c.plan_id.in_(plan_ids))
    await _insert(
        session,
        PlanRate,
        [
            {"plan_id": plan_id, "state": state, "rating_area": area, "base_rate": rate}
            for plan_id, state, area, rate in bd.plan_rates(plans)
            if (plan_id, state, area) not in have
        ],
    )

    groups: dict[str, int] = {}
    if filled.medical_groups:
        table = MedicalGroup.__table__
        stmt = select(table.c.medical_group_number, table.c.id)
        groups = {number: group_id for number, group_id in await session.execute(stmt)}
    missing = [g for g in bd.medical_groups() if g.medical_group_number not in groups]
    if missing:
        added = dict(
            zip(
                [g.medical_group_number for g in missing],
                (await reserve_id_blocks(session, {MedicalGroup: len(missing)}))[MedicalGroup],
                strict=True,
            )
        )
        await _insert(
            session,
            MedicalGroup,
            [
                {
                    "id": added[g.medical_group_number],
                    "medical_group_number": g.medical_group_number,
                    "medical_group_name": g.medical_group_name,
                    "pcp_number": g.pcp_number,
                    "pcpa_number": g.pcpa_number,
                    "npi": g.npi,
                    "physician_name": g.physician_name,
                    "accepting_new_patients": g.accepting_new_patients,
                    "address1": g.address1,
                    "city": g.city,
                    "state": g.state,
                    "zip_code": g.zip_code,
                    "phone": g.phone,
                }
                for g in missing
            ],
        )
        groups.update(added)
        await _insert(
            session,
            MedicalGroupNetwork,
            [
                {"medical_group_id": added[g.medical_group_number], "network_code": code}
                for g in missing
                for code in g.networks
            ],
        )
    return groups


async def _insert(session: AsyncSession, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """One executemany of `rows` (dicts with the same keys) into the model's table.

    The `demo` test fixture loads this book before most API tests, and SQLAlchemy's per-row parameter
    handling costs more than the database work: the values go through each column type's own bind processor
    (the same conversions SQLAlchemy applies) straight to the driver.
    """
    if not rows:
        return
    table = model.__table__
    conn = await session.connection()
    dialect = conn.dialect
    names = list(rows[0])
    if dialect.paramstyle == "qmark":
        marks = ["?"] * len(names)
    elif dialect.paramstyle == "numeric_dollar":
        marks = [f"${i}" for i in range(1, len(names) + 1)]
    else:  # any other driver: the ordinary Core executemany
        await session.execute(insert(table), rows)
        return
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608 - names
        f"VALUES ({', '.join(marks)})"
    )  # from the table's metadata, values bound
    params = [
        tuple(
            value if process is None or value is None else process(value)
            for process, value in zip(processors, (row[n] for n in names), strict=True)
        )
        for row in rows
    ]
    await conn.exec_driver_sql(sql, params)


async def demo_book_loaded(session: AsyncSession) -> bool:
    accounts = Account.__table__
    stmt = select(accounts.c.id).where(accounts.c.account_number == MARKER_ACCOUNT).limit(1)
    return (await session.execute(stmt)).first() is not None


@dataclass(frozen=True)
class BookOwner:
    user_id: int
    producer_numbers: dict[str, str]  # state -> writing producer number


async def book_owners(session: AsyncSession, *usernames: str) -> dict[str, BookOwner]:
    """Producers by user name, with their first producer number in each state."""
    users, regs = User.__table__, StateRegistration.__table__
    stmt = (
        select(users.c.username, users.c.id, regs.c.state, regs.c.agent_unique_id)
        .join(regs, regs.c.user_id == users.c.id)
        .where(users.c.username.in_(usernames))
        .order_by(regs.c.id)
    )
    owners: dict[str, BookOwner] = {}
    for username, user_id, state, number in await session.execute(stmt):
        owner = owners.setdefault(username, BookOwner(user_id, {}))
        owner.producer_numbers.setdefault(state, number)
    return owners


async def load_demo_book(session: AsyncSession, *, now: datetime) -> bool:
    """Reference data, both demo books and prospects, unless the book is there already; the caller commits.

    Returns whether anything was loaded.
    """
    if await demo_book_loaded(session):
        return False
    owners = await book_owners(session, "demoagent", "otheragent")
    if len(owners) < 2:
        return False
    demo, other = owners["demoagent"], owners["otheragent"]
    group_ids = await load_reference_data(session, years=reference_years(now.date()))
    demo_accounts, other_accounts = demo_book_drafts(now)
    writer = _BookWriter(now)
    for number, draft in demo_accounts:
        writer.add(demo, number, draft)
    for number, draft in other_accounts:
        writer.add(other, number, draft)
    await writer.write(session, group_ids)
    await _insert(session, Prospect, demo_prospects(demo, other, now))
    return True


def demo_book_plans(today: date) -> list[bd.PlanRef]:
    """The reference years' plans, short-term plans included."""
    return [p for year in reference_years(today) for p in (*bd.plan_catalogue(year), *bd.short_term_plans(year))]


def demo_book_drafts(now: datetime) -> tuple[list[tuple[str, AccountDraft]], list[tuple[str, AccountDraft]]]:
    """(account number, draft) of demoagent's and of otheragent's books: pure, the same for the same `now`."""
    gen = BookGenerator(
        random.Random(DEMO_SEED),
        today=now.date(),
        now=now,
        plans=demo_book_plans(now.date()),
        groups=bd.medical_groups(),
        distribution=DEMO_DISTRIBUTION,
        serial_start=900_000_000,
    )
    demo_accounts = notable_accounts(gen, now)
    used = {number for number, _ in demo_accounts}
    while len(demo_accounts) < DEMO_ACCOUNTS:
        demo_accounts.append((_account_number(gen.rng, "7300", used), gen.account()))
    other_accounts = [
        (
            _account_number(gen.rng, "7400", used),
            gen.account(
                state="IL", people=gen.family(size=2, spouse=True, first_name="Tina", last_name="Tester", sex="female")
            ),
        )
    ]
    while len(other_accounts) < OTHER_ACCOUNTS:
        other_accounts.append((_account_number(gen.rng, "7400", used), gen.account(state="IL")))
    return demo_accounts, other_accounts


def _account_number(rng: random.Random, prefix: str, used: set[str]) -> str:
    while True:
        number = f"{prefix}{rng.randrange(100000):05d}"
        if number not in used:
            used.add(number)
            return number


def _person(
    gen: BookGenerator,
    suffix: str,
    relationship: str,
    first: str,
    last: str,
    born: date,
    sex: str,
    ssn4: str | None = None,
) -> PersonDraft:
    return PersonDraft(
        suffix,
        relationship,
        first,
        None,
        last,
        born,
        sex,
        ssn4 if ssn4 is not None else f"{gen.rng.randrange(10000):04d}",
    )


def notable_accounts(gen: BookGenerator, now: datetime) -> list[tuple[str, AccountDraft]]:
    """The hand-placed accounts of the module docstring's table."""
    today = now.date()
    month = bd.first_of_month(today)
    p = _person
    out: list[tuple[str, AccountDraft]] = []

    def add(number: str, draft: AccountDraft) -> AccountDraft:
        out.append((number, draft))
        return draft

    def on_group(draft: AccountDraft, group: str) -> None:
        for policy in draft.policies:
            for pcp in policy.pcps:
                pcp.medical_group_number = group

    # api.md's example account: IL HMO family with dental; PCP 127 so a change to 124 is valid.
    alvarez = [
        p(gen, "01", "primary", "Michael", "Alvarez", date(1979, 4, 18), "male", "4821"),
        p(gen, "02", "spouse", "Laura", "Alvarez", date(1981, 9, 2), "female"),
        p(gen, "03", "child", "Sofia", "Alvarez", date(2012, 6, 14), "female"),
        p(gen, "04", "child", "Diego", "Alvarez", date(2016, 1, 27), "male"),
    ]
    draft = add(
        MARKER_ACCOUNT,
        gen.account(
            zip_code="60601",
            people=alvarez,
            medical=True,
            dental=True,
            options=(
                PolicyOptions(
                    status="Active",
                    network_type="HMO",
                    exchange="off",
                    metal="silver",
                    effective=bd.add_months(month, -14),
                    grandfathered=False,
                    temporary_plan=False,
                )
            ),
        ),
    )
    _use_plan(draft, gen, "Blue Precision Silver HMO 206")
    on_group(draft, "127")

    # Asked Out history (R-PCP-4) on the primary; the spouse is on group 126 without one.
    nguyen = [
        p(gen, "01", "primary", "Robert", "Nguyen", date(1975, 3, 9), "male", "3140"),
        p(gen, "02", "spouse", "Linh", "Nguyen", date(1977, 11, 23), "female"),
    ]
    start = bd.add_months(month, -24)
    draft = add(
        "730031415",
        gen.account(
            zip_code="60614",
            people=nguyen,
            medical=True,
            dental=False,
            options=(
                PolicyOptions(
                    status="Active",
                    network_type="HMO",
                    exchange="off",
                    metal="silver",
                    effective=start,
                    grandfathered=False,
                    temporary_plan=False,
                )
            ),
        ),
    )
    _use_plan(draft, gen, "Blue Advantage Silver HMO 102")
    policy = draft.policies[0]
    changed = bd.add_months(month, -12)
    policy.pcps = [
        PcpDraft(
            0,
            bd.ASKED_OUT_GROUP,
            start,
            changed - timedelta(days=1),
            "New Enrollee",
            "Asked Out",
            "Carrier",
            policy.app_signature_date,
        ),
        PcpDraft(0, "127", changed, OPEN_END_DATE, "Asked Out", None, "Producer", changed - timedelta(days=12)),
        PcpDraft(
            1, bd.ASKED_OUT_GROUP, start, OPEN_END_DATE, "New Enrollee", None, "Carrier", policy.app_signature_date
        ),
    ]

    # On exchange, submitted 3 hours ago (R-ID-4: no ID cards for 24 hours), TX plan exempt from R-ENR-13.
    brooks = [
        p(gen, "01", "primary", "Angela", "Brooks", date(1990, 7, 30), "female", "5120"),
        p(gen, "03", "child", "Jayden", "Brooks", date(2019, 10, 5), "male"),
    ]
    draft = add(
        "730052026",
        gen.account(
            zip_code="77002",
            people=brooks,
            medical=True,
            dental=False,
            options=(
                PolicyOptions(
                    status="Active",
                    network_type="HMO",
                    exchange="on",
                    metal="gold",
                    effective=bd.add_months(month, 1),
                    unpaid_initial=False,
                    grandfathered=False,
                    temporary_plan=False,
                )
            ),
        ),
    )
    _use_plan(draft, gen, "Blue Advantage Gold HMO 207")
    policy = draft.policies[0]
    policy.application_submitted_at = now - timedelta(hours=3)
    policy.app_signature_date = today
    policy.eapp_start_date = today - timedelta(days=1)
    policy.application_status = "Submitted"
    policy.paid_to_date = bd.end_of_month(policy.coverage_effective_date)
    for pcp in policy.pcps:
        pcp.request_received_date = today

    # Jessica Tester (api.md's applicant) as a former client: her policy ended last month.
    tester = [
        p(gen, "01", "primary", "Jessica", "Tester", date(1988, 2, 10), "female", "6789"),
        p(gen, "02", "spouse", "Sam", "Tester", date(1987, 5, 1), "male"),
        p(gen, "03", "child", "Kelly", "Tester", date(2015, 3, 3), "female"),
    ]
    draft = add(
        "730088210",
        gen.account(
            zip_code="60601",
            people=tester,
            medical=True,
            dental=False,
            options=(
                PolicyOptions(
                    status="Termed",
                    network_type="PPO",
                    exchange="off",
                    metal="bronze",
                    effective=bd.add_months(month, -20),
                    grandfathered=False,
                    temporary_plan=False,
                )
            ),
        ),
    )
    draft.address1, draft.address2 = "1 Main St", None
    draft.email, draft.phone_cell = "j@example.com", "3125550100"
    _use_plan(draft, gen, "Blue Choice Preferred Bronze PPO 502")
    _terminate(draft, month - timedelta(days=1))

    add(
        "730041907",
        gen.account(
            zip_code="75201",
            people=gen.family(size=1, first_name="Tom", last_name="Tester", sex="male"),
            medical=True,
            dental=False,
            options=PolicyOptions(status="Active", network_type="HMO", exchange="off", metal="gold"),
        ),
    )
    _use_plan(out[-1][1], gen, "Blue Advantage Gold HMO 207")
    add(
        "730041908",
        gen.account(
            zip_code="60614",
            people=gen.family(size=2, spouse=True, first_name="Terry", last_name="Tester", sex="male"),
            medical=True,
            dental=False,
            options=PolicyOptions(status="Grace Period", network_type="EPO", exchange="on"),
        ),
    )
    add(
        "730041909",
        gen.account(
            zip_code="62701",
            people=gen.family(size=3, spouse=True, first_name="Anna", last_name="Tester", sex="female"),
            medical=True,
            dental=True,
            options=PolicyOptions(status="Active", network_type="POS", exchange="off"),
        ),
    )

    # Turning 65 within the year (R-REP-1 "members approaching 65").
    kowalski = [p(gen, "01", "primary", "Linda", "Kowalski", bd.born_to_turn(65, today + timedelta(days=30)), "female")]
    add(
        "730065030",
        gen.account(
            zip_code="60563",
            people=kowalski,
            medical=True,
            dental=False,
            options=PolicyOptions(status="Active", network_type="PPO", exchange="off"),
        ),
    )
    lawson = [
        p(gen, "01", "primary", "Gary", "Lawson", bd.born_to_turn(65, today + timedelta(days=120)), "male"),
        p(gen, "02", "spouse", "Donna", "Lawson", date(1966, 8, 19), "female"),
    ]
    add(
        "730065120",
        gen.account(
            zip_code="78701",
            people=lawson,
            medical=True,
            dental=False,
            options=PolicyOptions(status="Active", network_type="EPO", exchange="on"),
        ),
    )
    lee = [
        p(gen, "01", "primary", "Richard", "Lee", bd.born_to_turn(67, today - timedelta(days=40)), "male"),
        p(gen, "02", "spouse", "Susan", "Lee", bd.born_to_turn(65, today + timedelta(days=250)), "female"),
    ]
    add(
        "730065250",
        gen.account(
            zip_code="60201",
            people=lee,
            medical=True,
            dental=True,
            options=PolicyOptions(status="Active", network_type="PPO", exchange="off"),
        ),
    )

    # A dependent turning 26 within the year (R-REP-1 "members approaching 26").
    def family_with_26(last: str, size: int, days: int) -> list[PersonDraft]:
        child_born = bd.born_to_turn(26, today + timedelta(days=days))
        parent_born = bd.years_before(child_born, 29)
        people = [
            p(gen, "01", "primary", bd.pick_first_name(gen.rng, "female"), last, parent_born, "female"),
            p(
                gen,
                "02",
                "spouse",
                bd.pick_first_name(gen.rng, "male"),
                last,
                parent_born - timedelta(days=400),
                "male",
            ),
        ][: 2 if size > 2 else 1]
        births = [child_born] + [child_born + timedelta(days=900 * i + 200) for i in range(1, size - len(people))]
        for i, born in enumerate(births):
            sex = "male" if i % 2 == 0 else "female"
            people.append(p(gen, f"{3 + i:02d}", "child", bd.pick_first_name(gen.rng, sex), last, born, sex, None))
        return people

    add(
        "730026045",
        gen.account(
            zip_code="60618",
            people=family_with_26("Garcia", 5, 45),
            medical=True,
            dental=False,
            options=PolicyOptions(status="Active", network_type="POS", exchange="off"),
        ),
    )
    add(
        "730026160",
        gen.account(
            zip_code="75214",
            people=family_with_26("Harris", 4, 160),
            medical=True,
            dental=True,
            options=PolicyOptions(status="Grace Period", network_type="PPO", exchange="off"),
        ),
    )
    baker = gen.county(zip_code="60010")
    while baker.name != "Lake":  # the zip that spans two counties: this family lives on the Lake side
        baker = gen.county(zip_code="60010")
    draft = gen.account(
        zip_code="60010",
        people=family_with_26("Baker", 2, 300),
        medical=True,
        dental=False,
        options=PolicyOptions(status="Active", network_type="EPO", exchange="off"),
    )
    draft.county = baker
    add("730026300", draft)

    # Initial premium not received (R-REP-1), new business.
    unpaid = PolicyOptions(status="Active", unpaid_initial=True, grandfathered=False, temporary_plan=False)
    add(
        "730010001",
        gen.account(
            zip_code="60605",
            people=gen.family(size=1, first_name="Brandon", last_name="Scott", sex="male"),
            medical=True,
            dental=False,
            options=replace(
                unpaid, network_type="HMO", exchange="off", metal="bronze", effective=bd.add_months(month, 1)
            ),
        ),
    )
    add(
        "730010002",
        gen.account(
            zip_code="77006",
            people=gen.family(size=2, spouse=True, first_name="Daniel", last_name="Ortiz", sex="male"),
            medical=True,
            dental=False,
            options=replace(unpaid, network_type="PPO", exchange="on", effective=bd.add_months(month, 1)),
        ),
    )
    add(
        "730010003",
        gen.account(
            zip_code="60625",
            people=gen.family(size=3, last_name="Hill"),
            medical=True,
            dental=True,
            options=replace(unpaid, network_type="EPO", exchange="off", effective=bd.add_months(month, 1)),
        ),
    )

    add(
        "730020001",
        gen.account(
            zip_code="60126",
            people=gen.family(size=1, first_name="Patricia", last_name="Wagner", sex="female"),
            medical=False,
            dental=True,
            options=PolicyOptions(status="Active", exchange="off"),
        ),
    )
    add(
        "730020002",
        gen.account(
            zip_code="77449",
            people=gen.family(size=6, spouse=True, last_name="Reyes"),
            medical=True,
            dental=False,
            options=PolicyOptions(status="Active", network_type="HMO", exchange="on"),
        ),
    )
    schmidt = [
        p(gen, "01", "primary", "Walter", "Schmidt", date(1967, 6, 21), "male"),
        p(gen, "02", "spouse", "Helen", "Schmidt", date(1969, 2, 4), "female"),
    ]
    add(
        "730020003",
        gen.account(
            zip_code="62704",
            people=schmidt,
            medical=True,
            dental=False,
            options=PolicyOptions(
                status="Active",
                network_type="PPO",
                exchange="off",
                grandfathered=True,
                effective=date(2008, 9, 1),
            ),
        ),
    )
    add(
        "730020004",
        gen.account(
            zip_code="60618",
            people=[p(gen, "01", "primary", "Carol", "Young", date(1966, 10, 12), "female")],
            medical=True,
            dental=False,
            options=PolicyOptions(
                status="Termed",
                network_type="PPO",
                exchange="off",
                grandfathered=True,
                effective=date(2009, 4, 1),
            ),
        ),
    )
    add(
        "730020005",
        gen.account(
            zip_code="75040",
            people=gen.family(size=1, first_name="Kevin", last_name="Tran", sex="male"),
            medical=True,
            dental=False,
            options=PolicyOptions(status="Active", exchange="off", temporary_plan=True),
        ),
    )
    add(
        "730020006",
        gen.account(
            zip_code="60453",
            people=gen.family(size=2, first_name="Megan", last_name="Price", sex="female"),
            medical=True,
            dental=False,
            options=PolicyOptions(status="Grace Period", exchange="off", temporary_plan=True),
        ),
    )
    morales = [
        p(gen, "01", "primary", "Ava", "Morales", bd.years_before(today, 12) - timedelta(days=77), "female"),
        p(gen, "03", "child", "Leo", "Morales", bd.years_before(today, 9) - timedelta(days=15), "male"),
    ]
    add(
        "730020007",
        gen.account(
            zip_code="60453",
            people=morales,
            medical=True,
            dental=False,
            options=PolicyOptions(status="Active", network_type="HMO", exchange="off"),
        ),
    )
    return out


def _use_plan(draft: AccountDraft, gen: BookGenerator, name: str) -> None:
    """Put the account's medical policy on the named plan (same network type, state and exchange)."""
    policy = next(pol for pol in draft.policies if pol.plan.coverage == "medical")
    old = policy.plan
    year = old.plan_year
    plan = next(
        pl
        for pl in gen.plans
        if pl.name == name and pl.state == draft.state and pl.exchange == old.exchange and pl.plan_year == year
    )
    policy.plan = plan
    if plan.network_code != old.network_code or (plan.requires_pcp and not policy.pcps):
        policy.pcps = []
        if plan.requires_pcp:
            gen.assign_pcps(policy, draft.county)


def _terminate(draft: AccountDraft, on: date) -> None:
    for policy in draft.policies:
        policy.status = "Termed"
        policy.termination_date = on
        policy.paid_to_date = on


class _BookWriter:
    """Turns drafts into rows and writes them with one bulk INSERT per table."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.accounts: list[dict[str, Any]] = []
        self.drafts: list[tuple[BookOwner, AccountDraft]] = []

    def add(self, owner: BookOwner, number: str, draft: AccountDraft) -> None:
        primary = draft.primary
        created = datetime.combine(min(pol.app_signature_date for pol in draft.policies), bd.NOON_UTC)
        self.accounts.append(
            {
                "account_number": number,
                "producer_id": owner.user_id,
                "first_name": primary.first_name,
                "middle_initial": primary.middle_initial,
                "last_name": primary.last_name,
                "first_name_key": name_key(primary.first_name),
                "last_name_key": name_key(primary.last_name),
                "date_of_birth": primary.date_of_birth,
                "sex": primary.sex,
                "ssn_last4": primary.ssn_last4 or "0000",
                "address1": draft.address1,
                "address2": draft.address2,
                "city": draft.county.city,
                "state": draft.state,
                "zip_code": draft.county.zip_code,
                "county": draft.county.name,
                "email": draft.email,
                "email_key": draft.email.lower() if draft.email else None,
                "phone_home": draft.phone_home,
                "phone_cell": draft.phone_cell,
                "phone_work": draft.phone_work,
                "phone_spouse_cell": draft.phone_spouse_cell,
                "phone_fax": draft.phone_fax,
                "phone_details": None,
                "created_at": min(created, self.now),
                "updated_at": min(created, self.now),
            }
        )
        self.drafts.append((owner, draft))

    async def write(self, session: AsyncSession, group_ids: dict[str, int]) -> None:
        blocks = await reserve_id_blocks(
            session,
            {
                Account: len(self.accounts),
                Member: sum(len(d.members) for _, d in self.drafts),
                Policy: sum(len(d.policies) for _, d in self.drafts),
            },
        )
        account_ids, member_ids, policy_ids = blocks[Account], blocks[Member], blocks[Policy]
        for row, account_id in zip(self.accounts, account_ids, strict=True):
            row["id"] = account_id
        members: list[dict[str, Any]] = []
        policies: list[dict[str, Any]] = []
        covered: list[dict[str, Any]] = []
        pcps: list[dict[str, Any]] = []
        next_member, next_policy = iter(member_ids), iter(policy_ids)
        for account_id, (owner, draft) in zip(account_ids, self.drafts, strict=True):
            ids = [next(next_member) for _ in draft.members]
            members.extend(
                {
                    "id": member_id,
                    "account_id": account_id,
                    "producer_id": owner.user_id,
                    "suffix": m.suffix,
                    "relationship": m.relationship,
                    "first_name": m.first_name,
                    "middle_initial": m.middle_initial,
                    "last_name": m.last_name,
                    "date_of_birth": m.date_of_birth,
                    "sex": m.sex,
                    "ssn_last4": m.ssn_last4,
                }
                for member_id, m in zip(ids, draft.members, strict=True)
            )
            for pol in draft.policies:
                policy_id = next(next_policy)
                policies.append(
                    policy_row(
                        pol,
                        policy_id=policy_id,
                        account_id=account_id,
                        producer_id=owner.user_id,
                        producer_number=owner.producer_numbers[draft.state],
                        now=self.now,
                    )
                )
                covered.extend(
                    {
                        "policy_id": policy_id,
                        "member_id": ids[i],
                        "coverage_start": pol.coverage_effective_date,
                        "coverage_end": pol.termination_date,
                    }
                    for i in pol.covered
                )
                pcps.extend(
                    {
                        "member_id": ids[a.member_index],
                        "policy_id": policy_id,
                        "medical_group_id": group_ids[a.medical_group_number],
                        "effective_date": a.effective_date,
                        "term_date": a.term_date,
                        "reason": a.reason,
                        "end_reason": a.end_reason,
                        "assigned_by": a.assigned_by,
                        "request_received_date": a.request_received_date,
                        "change_id": None,
                        "created_at": self.now,
                    }
                    for a in pol.pcps
                )
        for model, rows in (
            (Account, self.accounts),
            (Member, members),
            (Policy, policies),
            (PolicyMember, covered),
            (PcpAssignment, pcps),
        ):
            await _insert(session, model, rows)


def policy_row(
    pol: bd.PolicyDraft, *, policy_id: int, account_id: int, producer_id: int, producer_number: str, now: datetime
) -> dict[str, Any]:
    plan = pol.plan
    return {
        "id": policy_id,
        "account_id": account_id,
        "producer_id": producer_id,
        "producer_number": producer_number,
        "plan_id": plan.plan_id,
        "product_name": plan.name,
        "coverage": plan.coverage,
        "network_type": plan.network_type,
        "requires_pcp": plan.requires_pcp,
        "exchange": plan.exchange,
        "group_number": plan.group_number,
        "e_app_number": pol.e_app_number,
        "client_app_id": pol.client_app_id,
        "exchange_assigned_id": pol.exchange_assigned_id,
        "pending_application_id": pol.pending_application_id,
        "grandfathered": pol.grandfathered,
        "temporary_plan": pol.temporary_plan,
        "status": pol.status,
        "coverage_effective_date": pol.coverage_effective_date,
        "paid_to_date": pol.paid_to_date,
        "termination_date": pol.termination_date,
        "app_signature_date": pol.app_signature_date,
        "eapp_start_date": pol.eapp_start_date,
        "application_status": pol.application_status,
        "application_submitted_at": pol.application_submitted_at,
        "initial_payment_received": pol.initial_payment_received,
        "member_count": len(pol.covered),
        "created_at": min(pol.application_submitted_at, now),
    }


async def reserve_id_blocks(session: AsyncSession, counts: dict[Any, int]) -> dict[Any, list[int]]:
    """Ids for new rows of each model, taken from the table's sequence (PostgreSQL) or above its largest id
    (SQLite), so rows can be linked before they are written and later ordinary inserts do not collide."""
    if session.get_bind().dialect.name == "postgresql":
        stmt = text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)")
        return {
            model: list((await session.execute(stmt, {"t": model.__tablename__, "n": n})).scalars().all())
            for model, n in counts.items()
        }
    models = list(counts)
    tops = (
        await session.execute(
            select(*(select(func.coalesce(func.max(model.__table__.c.id), 0)).scalar_subquery() for model in models))
        )
    ).one()
    return {model: list(range(top + 1, top + 1 + counts[model])) for model, top in zip(models, tops, strict=True)}


async def reserve_ids(session: AsyncSession, model: Any, n: int) -> list[int]:
    return (await reserve_id_blocks(session, {model: n}))[model]


_PROSPECTS = (
    # first, last, address1, city, state, zip, phone, cell, email, assigned to the producer's own number
    ("Jessica", "Tester", "1 Main St", "Chicago", "IL", "60601", "3125550100", None, "j@example.com", True),
    ("Marcus", "Bell", "415 Capitol Ave", "Springfield", "IL", "62701", "2175550142", "2175550143", None, False),
    (
        "Olivia",
        "Chen",
        "88 Jefferson Ave",
        "Naperville",
        "IL",
        "60563",
        None,
        "6305550177",
        "olivia.chen@example.net",
        True,
    ),
    ("Daniel", "Ortega", "2100 Ross Ave", "Dallas", "TX", "75201", "2145550111", None, "dortega@example.org", False),
    ("Grace", "Kim", "901 Bagby St", "Houston", "TX", "77002", None, None, "grace.kim@example.com", False),
    ("Ethan", "Walker", "300 Congress Ave", "Austin", "TX", "78701", "5125550190", "5125550191", None, True),
    ("Sophia", "Rossi", "1603 Orrington Ave", "Evanston", "IL", "60201", None, "8475550123", None, False),
    ("Carlos", "Mendoza", "24 Mason Rd", "Katy", "TX", "77449", "2815550164", None, "carlos.m@example.com", False),
    ("Hannah", "Schultz", "15 W 6th St", "Tulsa", "OK", "74119", "9185550101", None, "hannah.s@example.net", False),
    ("Luis", "Romero", "400 Central Ave SW", "Albuquerque", "NM", "87102", None, "5055550133", None, False),
    ("Emily", "Carter", "2822 3rd Ave N", "Billings", "MT", "59101", "4065550156", None, "ecarter@example.org", False),
    ("Noah", "Patel", "700 Main St", "Garland", "TX", "75040", None, "9725550188", "noah.patel@example.com", True),
)
_OTHER_PROSPECTS = (
    ("Peter", "Novak", "2400 N Clark St", "Chicago", "IL", "60614", "7735550120", None, "pnovak@example.com", True),
    ("Rachel", "Green", "120 E Main St", "Barrington", "IL", "60010", None, "8475550166", None, False),
    ("Ruth", "Tester", "12 Lake St", "Waukegan", "IL", "60085", "8475550199", None, "ruth.tester@example.net", False),
)


def demo_prospects(demo: BookOwner, other: BookOwner, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for owner, table in ((demo, _PROSPECTS), (other, _OTHER_PROSPECTS)):
        for i, (first, last, address1, city, state, zip_code, phone, cell, email, assigned) in enumerate(table):
            created = now - timedelta(days=3 * (len(table) - i), hours=i)
            rows.append(
                {
                    "producer_id": owner.user_id,
                    "first_name": first,
                    "middle_initial": None,
                    "last_name": last,
                    "first_name_key": name_key(first),
                    "last_name_key": name_key(last),
                    "address1": address1,
                    "address2": None,
                    "city": city,
                    "city_key": name_key(city),
                    "state": state,
                    "zip_code": zip_code,
                    "phone": phone,
                    "cell_phone": cell,
                    "email": email,
                    "email_key": email.lower() if email else None,
                    "assigned_agent_number": next(iter(owner.producer_numbers.values())) if assigned else None,
                    "created_at": created,
                    "updated_at": created,
                }
            )
    return rows
