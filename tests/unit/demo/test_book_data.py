"""Book-of-business data generation (R-MEM-1, R-PCP-1/6, R-QUO-2, R-ENR-13): reference data, families,
distributions, determinism."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from app.demo import book_data as bd
from app.domain.dates import OPEN_END_DATE, age_on
from app.domain.text import name_key

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
PLANS = bd.plan_catalogue(2026) + bd.plan_catalogue(2027)
GROUPS = bd.medical_groups()


def generator(seed: int = 1, **kwargs: object) -> bd.BookGenerator:
    return bd.BookGenerator(random.Random(seed), today=TODAY, now=NOW, plans=PLANS, groups=GROUPS, **kwargs)  # type: ignore[arg-type]


def book(seed: int = 1, accounts: int = 4000) -> list[bd.AccountDraft]:
    gen = generator(seed)
    return [gen.account() for _ in range(accounts)]


BOOK = book()


def test_same_seed_and_day_give_the_same_book() -> None:
    assert book(seed=42, accounts=300) == book(seed=42, accounts=300)


def test_another_seed_gives_another_book() -> None:
    assert book(seed=42, accounts=50) != book(seed=43, accounts=50)


def test_families_have_one_primary_an_optional_spouse_and_children_numbered_from_03() -> None:
    for account in BOOK:
        people = account.members
        assert 1 <= len(people) <= bd.MAX_FAMILY
        assert (people[0].suffix, people[0].relationship) == ("01", "primary")
        rest = people[1:]
        if rest and rest[0].relationship == "spouse":
            assert rest[0].suffix == "02"
            rest = rest[1:]
        assert [p.relationship for p in rest] == ["child"] * len(rest)
        assert [p.suffix for p in rest] == [f"{i:02d}" for i in range(3, 3 + len(rest))]


def test_children_are_dependents_younger_than_their_parents_oldest_first() -> None:
    for account in BOOK:
        parents = [p for p in account.members if p.relationship != "child"]
        children = [p for p in account.members if p.relationship == "child"]
        assert [c.date_of_birth for c in children] == sorted(c.date_of_birth for c in children)
        for child in children:
            assert age_on(child.date_of_birth, TODAY) <= 25  # dependents end at 26
            for parent in parents:
                assert age_on(parent.date_of_birth, child.date_of_birth) >= 17


def test_birth_dates_span_1940_to_today_and_primaries_are_adults() -> None:
    births = [p.date_of_birth for a in BOOK for p in a.members]
    assert date(1940, 1, 1) <= min(births) < date(1950, 1, 1)
    assert max(births) <= TODAY
    assert all(age_on(a.primary.date_of_birth, TODAY) >= 18 for a in BOOK)


def test_family_sizes_lean_to_one_and_two_people() -> None:
    sizes = Counter(len(a.members) for a in BOOK)
    assert set(sizes) == {1, 2, 3, 4, 5, 6}
    assert (sizes[1] + sizes[2]) / len(BOOK) > 0.55
    assert sizes[6] < sizes[5] < sizes[1]


def test_names_are_skewed_towards_common_ones() -> None:
    last = Counter(a.primary.last_name for a in BOOK)
    assert len(last) > 150
    assert last.most_common(1)[0][1] > 5 * len(BOOK) / len(bd.LAST_NAMES)


def test_status_exchange_network_and_dental_shares_match_the_distribution() -> None:
    medical = [p for a in BOOK for p in a.policies if p.plan.coverage == "medical"]
    statuses = Counter(p.status for p in medical)
    assert abs(statuses["Active"] / len(medical) - 0.80) < 0.03
    assert abs(statuses["Grace Period"] / len(medical) - 0.08) < 0.02
    assert abs(statuses["Termed"] / len(medical) - 0.12) < 0.02
    assert abs(sum(p.plan.exchange == "on" for p in medical) / len(medical) - 0.40) < 0.03
    assert abs(sum(p.plan.requires_pcp for p in medical) / len(medical) - 0.35) < 0.03
    assert {p.plan.network_type for p in medical} == set(bd.NETWORK_TYPES)
    with_dental = sum(any(p.plan.coverage == "dental" for p in a.policies) for a in BOOK)
    assert 0.22 < with_dental / len(BOOK) < 0.32
    unpaid = sum(not p.initial_payment_received for p in medical)
    assert 0.015 < unpaid / len(medical) < 0.045


def test_policy_dates_agree_with_status() -> None:
    this_month = bd.first_of_month(TODAY)
    for policy in (p for a in BOOK for p in a.policies):
        assert policy.coverage_effective_date.day == 1
        if policy.grandfathered:  # issue 15: grandfathered coverage started before 2010-03-23
            assert policy.coverage_effective_date < bd.GRANDFATHER_CUTOFF
        else:
            assert policy.coverage_effective_date >= bd.add_months(this_month, -72)
        assert policy.eapp_start_date <= policy.app_signature_date < policy.coverage_effective_date
        assert policy.application_submitted_at <= NOW - timedelta(hours=24)  # R-ID-4 is the demo's exception
        if policy.status == "Termed":
            assert policy.termination_date is not None
            assert policy.coverage_effective_date < policy.termination_date < TODAY
            assert policy.paid_to_date == policy.termination_date
        else:
            assert policy.termination_date is None
        if policy.status == "Grace Period":
            assert policy.paid_to_date is not None and policy.paid_to_date < TODAY
        if not policy.initial_payment_received:
            assert policy.status == "Active" and policy.application_status == "Submitted"
            assert policy.paid_to_date is None
            assert policy.coverage_effective_date >= this_month
        assert (policy.exchange_assigned_id is not None) == (policy.plan.exchange == "on")


def test_identifiers_have_the_documented_shapes() -> None:
    policies = [p for a in BOOK for p in a.policies]
    e_apps = [p.e_app_number for p in policies if p.e_app_number]
    assert all(len(n) == 10 and n.isdigit() for n in e_apps)
    # one application (an account's medical and dental policies) has one e-app number, distinct between accounts
    per_account = [{p.e_app_number for p in a.policies} for a in BOOK]
    assert all(len(numbers) == 1 for numbers in per_account)
    e_apps = [n for numbers in per_account for n in numbers if n]
    assert len(set(e_apps)) == len(e_apps)
    assert all(p.client_app_id[:2] == "PP" and len(p.client_app_id) == 7 for p in policies if p.client_app_id)
    assert all(len(p.pending_application_id) == 6 for p in policies if p.pending_application_id)
    assert any(p.client_app_id for p in policies) and any(p.pending_application_id for p in policies)


def test_pcp_plans_give_every_covered_member_one_current_pcp_in_the_plans_network() -> None:
    groups = {g.medical_group_number: g for g in GROUPS}
    histories = 0
    for policy in (p for a in BOOK for p in a.policies):
        if not policy.plan.requires_pcp:
            assert policy.pcps == []
            continue
        assert policy.plan.network_type in ("HMO", "POS")
        for index in policy.covered:
            rows = sorted((a for a in policy.pcps if a.member_index == index), key=lambda a: a.effective_date)
            assert [a.term_date for a in rows].count(OPEN_END_DATE) == 1  # R-PCP-6
            assert rows[0].effective_date == policy.coverage_effective_date
            for earlier, later in pairwise(rows):
                assert earlier.term_date == later.effective_date - timedelta(days=1)
                assert earlier.end_reason
                histories += 1
            for a in rows:
                group = groups[a.medical_group_number]
                assert policy.plan.network_code in group.networks
                assert group.accepting_new_patients
    assert histories > 0


def test_plan_catalogue_covers_every_network_type_on_and_off_exchange_at_every_metal_level() -> None:
    plans = bd.plan_catalogue(2026)
    for state in ("IL", "TX"):
        medical = {
            (p.network_type, p.exchange, p.metal_level) for p in plans if p.state == state and p.coverage == "medical"
        }
        assert medical == {(t, e, m) for t in bd.NETWORK_TYPES for e in ("on", "off") for m in bd.METAL_LEVELS}
        dental = [p for p in plans if p.state == state and p.coverage == "dental"]
        assert {p.exchange for p in dental} == {"on", "off"}
        assert all(p.network_type == "PPO" and p.metal_level is None and not p.requires_pcp for p in dental)
    assert all(p.requires_pcp == (p.network_type in ("HMO", "POS")) for p in plans if p.coverage == "medical")
    assert all(p.tobacco_factor == 1 for p in plans if p.coverage == "dental")
    assert all(1.2 <= p.tobacco_factor <= 1.5 for p in plans if p.coverage == "medical")
    assert len({p.plan_id for p in plans}) == len(plans)
    assert "IL-2026-HMO-205-OFF" in {p.plan_id for p in plans}
    names = {(p.state, p.name) for p in plans}
    assert ("TX", "Blue Advantage Gold HMO 207") in names  # R-ENR-13's exempt plan
    assert ("IL", "Blue Choice Preferred Bronze PPO 502") in names
    assert ("IL", "BlueCare Dental 1B") in names
    assert all(p.plan_year == 2026 for p in plans)
    assert {p.network_code for p in plans} <= {n.code for n in bd.NETWORKS}


def test_rates_exist_for_every_plan_in_every_rating_area_of_its_state() -> None:
    plans = bd.plan_catalogue(2026)
    rates = bd.plan_rates(plans)
    keys = {(plan_id, area) for plan_id, _, area, _ in rates}
    for plan in plans:
        for county in (c for c in bd.COUNTIES if c.state == plan.state):
            assert (plan.plan_id, county.rating_area) in keys
    medical = {p.plan_id for p in plans if p.coverage == "medical"}
    assert all(240 <= rate <= 660 for plan_id, _, _, rate in rates if plan_id in medical)
    assert all(25 <= rate <= 50 for plan_id, _, _, rate in rates if plan_id not in medical)
    assert (
        next(p for p in bd.plan_catalogue(2027) if p.plan_id.endswith("205-OFF")).base_rate
        > next(p for p in plans if p.plan_id.endswith("205-OFF")).base_rate
    )


def test_demo_counties_include_cook_dallas_and_a_zip_in_two_counties() -> None:
    by_zip: dict[str, list[bd.CountyRef]] = {}
    for county in bd.COUNTIES:
        by_zip.setdefault(county.zip_code, []).append(county)
    cook = by_zip["60601"][0]
    assert (cook.name, cook.state, cook.fips, cook.rating_area) == ("Cook", "IL", "17031", 1)
    dallas = by_zip["75201"][0]
    assert (dallas.name, dallas.state, dallas.fips, dallas.rating_area) == ("Dallas", "TX", "48113", 1)
    assert {c.name for c in by_zip["60010"]} == {"Cook", "Lake"}
    assert {c.state for c in bd.COUNTIES} == {"IL", "TX"}


def test_provider_directory_has_group_124_accepting_in_the_il_hmo_networks() -> None:
    groups = {g.medical_group_number: g for g in GROUPS}
    assert len(groups) == len(GROUPS) == 31
    g124 = groups["124"]
    assert g124.accepting_new_patients and g124.state == "IL"
    assert {"IL-BAV", "IL-BPR"} <= set(g124.networks)
    assert any(not g.accepting_new_patients for g in GROUPS)
    assert all(len(g.npi) == 10 and g.npi.isdigit() for g in GROUPS)
    numbers = [n for g in GROUPS for n in (g.medical_group_number, g.pcp_number, g.pcpa_number, g.npi)]
    assert len(set(numbers)) == len(numbers)  # a provider number finds one group, whichever kind it is
    for network in bd.NETWORKS:
        if not network.code.endswith("DEN"):
            assert any(network.code in g.networks and g.accepting_new_patients for g in GROUPS), network.code
    assert bd.medical_groups() == GROUPS


def test_birthday_helpers_handle_leap_days() -> None:
    assert bd.born_to_turn(65, date(2027, 3, 1)) == date(1962, 3, 1)
    assert bd.years_before(date(2028, 2, 29), 26) == date(2002, 2, 28)
    assert bd.birthday_of_age(date(2000, 2, 29), 26) == date(2026, 3, 1)
    born = bd.born_to_turn(26, TODAY + timedelta(days=45))
    assert bd.birthday_of_age(born, 26) == TODAY + timedelta(days=45)
    assert age_on(born, TODAY) == 25


def test_month_arithmetic() -> None:
    assert bd.add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert bd.add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert bd.end_of_month(date(2028, 2, 10)) == date(2028, 2, 29)


def test_members_are_split_over_producers_exactly() -> None:
    quotas = bd.split_members(1_000_003, 200, random.Random(3))
    assert sum(quotas) == 1_000_003 and len(quotas) == 200
    mean = 1_000_003 / 200
    assert all(0.3 * mean < q < 1.7 * mean for q in quotas)
    assert bd.fit_family_size(4, 2) == 2 and bd.fit_family_size(3, 10) == 3


def test_e_app_numbers_are_one_to_one_on_serials() -> None:
    numbers = {bd.e_app_number(s) for s in range(900_000_000, 900_050_000)}
    assert len(numbers) == 50_000
    assert all(len(n) == 10 for n in numbers)


def test_name_keys_are_lower_case_with_single_spaces() -> None:
    assert name_key("  Mary   Ann ") == "mary ann"
