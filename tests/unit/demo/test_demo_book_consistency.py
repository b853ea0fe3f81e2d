"""Issue 15 "Demo data a producer would spot as fake": the demo book's rules (demo/book.py's docstring) hold for
every generated account, policy and PCP assignment, on any load day (month ends, the first of a month, leap days)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from app.demo import book_data as bd
from app.demo.book import demo_book_drafts, demo_book_plans, policy_row

LOAD_DAYS = (
    datetime(2026, 11, 22, 15, 0, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
    datetime(2027, 3, 1, 0, 30, tzinfo=UTC),
    datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
    datetime(2027, 7, 31, 8, 0, tzinfo=UTC),
)
COUNTY_OF_ZIP = {c.zip_code: c.fips for c in bd.COUNTIES}
GROUP_COUNTY = {g.medical_group_number: COUNTY_OF_ZIP[g.zip_code] for g in bd.medical_groups()}


def rule_violations(accounts: list[tuple[str, bd.AccountDraft]], now: datetime) -> list[str]:
    """Every broken rule of the demo book, as "account: what" lines (empty: consistent)."""
    today = now.date()
    out: list[str] = []
    for number, account in accounts:

        def bad(what: str, number: str = number) -> None:
            out.append(f"{number}: {what}")

        county = account.county
        if county not in bd.COUNTIES or account.state != county.state:
            bad(f"address zip {county.zip_code}, county {county.name} and state {account.state} disagree")
        # medical and dental policies of one application share its e-app number
        if len({p.e_app_number for p in account.policies}) != 1:
            bad(f"e-app numbers {[p.e_app_number for p in account.policies]} for one application")
        for p in account.policies:
            row = policy_row(p, policy_id=1, account_id=1, producer_id=1, producer_number="220002580", now=now)
            effective, paid_to, status = row["coverage_effective_date"], row["paid_to_date"], row["status"]
            if row["grandfathered"] and not effective < bd.GRANDFATHER_CUTOFF:
                bad(f"grandfathered, effective {effective} (not before {bd.GRANDFATHER_CUTOFF})")
            if row["temporary_plan"]:
                term = row["termination_date"]
                if p.plan.metal_level is not None or row["coverage"] != "medical" or row["exchange"] != "off":
                    bad(f"temporary plan {row['product_name']} is an ACA metal / on-exchange / dental plan")
                if term is None or not effective < term < effective + timedelta(days=365):
                    bad(f"temporary plan from {effective} to {term}: not a term under a year")
            elif p.plan.coverage == "medical" and p.plan.metal_level is None:
                bad(f"{row['product_name']} without a metal level is not marked temporary")
            if status == "Grace Period":
                limit = bd.ON_EXCHANGE_GRACE_DAYS if row["exchange"] == "on" else bd.OFF_EXCHANGE_GRACE_DAYS
                if paid_to is None or not 0 < (today - paid_to).days <= limit:
                    bad(f"{row['exchange']}-exchange grace period paid to {paid_to} on {today} (limit {limit} days)")
            if status == "Active" and row["initial_payment_received"]:
                if paid_to is None or paid_to < effective:
                    bad(f"Active, effective {effective}, paid to {paid_to}")
            if not row["initial_payment_received"]:
                # an unpaid new sale: flagged, submitted, not in force yet, nothing paid
                if (status, row["application_status"], paid_to) != ("Active", "Submitted", None) or effective <= today:
                    bad(f"unpaid initial premium: {status}, {row['application_status']}, {effective}, {paid_to}")
            if status in ("Grace Period", "Termed") and (paid_to is None or paid_to < effective):
                bad(f"{status} without a first payment (paid to {paid_to}, effective {effective})")
            for a in p.pcps:  # the medical group is where the member lives
                if GROUP_COUNTY[a.medical_group_number] != county.fips:
                    bad(f"member in {county.name} county on medical group {a.medical_group_number}")
    return out


@pytest.mark.parametrize("now", LOAD_DAYS, ids=lambda d: d.date().isoformat())
def test_issue_15_demo_book_is_internally_consistent_on_any_load_day(now: datetime) -> None:
    demo, other = demo_book_drafts(now)
    assert rule_violations(demo + other, now) == []


def test_issue_15_demo_book_still_has_each_kind_of_notable_policy() -> None:
    now = LOAD_DAYS[0]
    demo, _ = demo_book_drafts(now)
    policies = {number: draft.policies for number, draft in demo}
    # grandfathered (one Active, one Termed), in force since before 2010-03-23
    for number in ("730020003", "730020004"):
        (pol,) = policies[number]
        assert pol.grandfathered and pol.coverage_effective_date < date(2010, 3, 23)
    # temporary plans: short-term medical, no metal level, off exchange, a term under a year
    for number, status in (("730020005", "Active"), ("730020006", "Grace Period")):
        (pol,) = policies[number]
        assert (pol.temporary_plan, pol.status, pol.plan.metal_level, pol.plan.name) == (
            True,
            status,
            None,
            "Blue Short Term Medical 180",
        )
        assert pol.termination_date is not None and pol.termination_date >= now.date()
    # unpaid new sales start next month
    for number in ("730010001", "730010002", "730010003"):
        assert all(
            not p.initial_payment_received and p.coverage_effective_date == date(2026, 12, 1) for p in policies[number]
        )
    # the Hill family's medical and dental policies: one application, one e-app number
    assert len({p.e_app_number for p in policies["730010003"]}) == 1 and len(policies["730010003"]) == 2
    # the Alvarez family (Chicago Loop) is on a Loop medical group, not a Waukegan one
    alvarez = {g.medical_group_number: g for g in bd.medical_groups()}["127"]
    assert (alvarez.city, alvarez.zip_code) == ("Chicago", "60601")


def test_issue_15_the_generator_keeps_the_rules_with_every_kind_of_policy_drawn() -> None:
    """The synthetic book's distribution (grandfathered, temporary, unpaid, every status) over many accounts."""
    now = LOAD_DAYS[1]
    gen = bd.BookGenerator(
        random.Random(7),
        today=now.date(),
        now=now,
        plans=demo_book_plans(now.date()),
        groups=bd.medical_groups(),
        distribution=bd.Distribution(grandfathered=0.05, temporary_plan=0.05, unpaid_initial=0.05),
    )
    accounts = [(str(i), gen.account()) for i in range(3000)]
    assert rule_violations(accounts, now) == []
    policies = [p for _, a in accounts for p in a.policies]
    assert sum(p.grandfathered for p in policies) > 50 and sum(p.temporary_plan for p in policies) > 50
    assert {p.status for p in policies if p.temporary_plan} == {"Active", "Grace Period", "Termed"}


def test_issue_15_rule_violations_names_each_inconsistency() -> None:
    """The checker itself: each inconsistency the issue reported is caught."""
    now = LOAD_DAYS[0]
    demo, _ = demo_book_drafts(now)
    by_number = dict(demo)
    alvarez, hill = by_number["730075112"], by_number["730010003"]
    schmidt, tran = by_number["730020003"], by_number["730020005"]
    harris = by_number["730026160"]  # off exchange, in grace
    metal = next(p for p in bd.plan_catalogue(2026) if p.metal_level == "silver" and p.network_type == "EPO")
    schmidt.policies[0].coverage_effective_date = date(2021, 1, 1)
    tran.policies[0].plan = metal
    harris.policies[0].paid_to_date = now.date() - timedelta(days=61)
    alvarez.policies[1].e_app_number = "1234567890"
    alvarez.policies[0].pcps[0].medical_group_number = "128"  # Waukegan
    hill.policies[0].paid_to_date = None
    hill.policies[0].initial_payment_received = True
    found = "\n".join(rule_violations(demo, now))
    for expected in (
        "730020003: grandfathered, effective 2021-01-01",
        "730020005: temporary plan Blue Choice Select Silver EPO 402 is an ACA metal",
        "730026160: off-exchange grace period paid to",
        "730075112: e-app numbers",
        "730075112: member in Cook county on medical group 128",
        "730010003: Active, effective",
    ):
        assert expected in found
