"""PCP change rules, pure (R-PCP-1 .. R-PCP-7)."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.dates import OPEN_END_DATE
from app.domain.pcp import (
    REASONS,
    Assignment,
    AssignmentView,
    MemberOnPolicy,
    PolicyInfo,
    ProviderInfo,
    RequestedMember,
    end_of_previous,
    validate_change,
)

TODAY = date(2026, 11, 22)
POLICY = PolicyInfo(1, "IL", "Active", True, "NET", date(2026, 1, 1), None)
G1 = ProviderInfo(10, "124", "Advocate", True, frozenset({"NET"}))


def assignment(group_id: int, end_reason: str | None = None, term: date = OPEN_END_DATE) -> Assignment:
    return Assignment(
        group_id,
        str(group_id),
        f"G{group_id}",
        date(2026, 1, 1),
        term,
        "New Enrollee",
        end_reason,
        "Carrier",
        date(2025, 12, 1),
    )


def members(**history: tuple[Assignment, ...]) -> dict[int, MemberOnPolicy]:
    return {
        1: MemberOnPolicy(1, "Pat (primary)", "primary", date(2026, 1, 1), None, history.get("p", (assignment(5),))),
        2: MemberOnPolicy(2, "Sam (spouse)", "spouse", date(2026, 1, 1), None, history.get("s", (assignment(5),))),
    }


def run(requested: list[RequestedMember], **kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = dict(
        policy=POLICY,
        members=members(),
        requested=requested,
        provider=G1,
        provider_number="124",
        effective_date=date(2026, 12, 1),
        term_date=None,
        today=TODAY,
        first_of_month_states=frozenset({"IL", "TX"}),
        assigned_by="Dana Demo",
    )
    args.update(kw)
    return validate_change(**args)  # type: ignore[arg-type]


def test_r_pcp_1_only_plans_with_a_pcp() -> None:
    v = run([RequestedMember(1, "Retired")], policy=PolicyInfo(1, "IL", "Active", False, "NET", date(2026, 1, 1), None))
    assert [e.code for e in v.errors] == ["pcp.plan_has_no_pcp"]


def test_r_pcp_2_network_and_accepting() -> None:
    out = ProviderInfo(11, "125", "Far", False, frozenset({"OTHER"}))
    v = run([RequestedMember(1, "Retired")], provider=out)
    assert {e.code for e in v.errors} == {"pcp.provider_out_of_network", "pcp.provider_not_accepting"}


def test_r_pcp_3_reason_from_the_list() -> None:
    assert len(REASONS) == 18 and "Asked Out" in REASONS
    assert [e.code for e in run([RequestedMember(1, "Because")]).errors] == ["pcp.reason_invalid"]


def test_r_pcp_4_asked_out_history_and_dependent_age() -> None:
    asked_out = (assignment(10, end_reason="Asked Out", term=date(2025, 12, 31)), assignment(5))
    v = run([RequestedMember(1, "Dependent Age"), RequestedMember(2, "Retired")], members=members(s=asked_out))
    assert {(e.member_id, e.code) for e in v.errors} == {(1, "pcp.reason_dependent_age"), (2, "pcp.asked_out_of_group")}
    assert "previously asked out of this Medical Group" in next(e.message for e in v.errors if e.member_id == 2)


def test_r_pcp_5_once_per_transaction() -> None:
    assert [e.code for e in run([RequestedMember(1, "Retired"), RequestedMember(1, "Retired")]).errors] == [
        "pcp.member_repeated"
    ]


def test_r_pcp_6_term_date_and_end_of_previous() -> None:
    assert [e.code for e in run([RequestedMember(1, "Retired")], term_date=date(2027, 1, 1)).errors] == [
        "pcp.term_date_fixed"
    ]
    assert end_of_previous(date(2026, 12, 1)) == date(2026, 11, 30)
    assert end_of_previous(date(2028, 3, 1)) == date(2028, 2, 29)


def test_r_pcp_7_first_of_month_warning_by_state() -> None:
    v = run([RequestedMember(1, "Retired")], effective_date=date(2026, 12, 15))
    assert v.valid and [w.code for w in v.warnings] == ["pcp.first_of_month"]
    assert (
        run(
            [RequestedMember(1, "Retired")], effective_date=date(2026, 12, 15), first_of_month_states=frozenset()
        ).warnings
        == []
    )


def test_r_pcp_8_dry_run_shows_current_and_updated() -> None:
    v = run([RequestedMember(1, "Concern With Service")])
    [change] = v.changes
    assert (change.member_id, change.name, change.relationship) == (1, "Pat (primary)", "primary")
    assert change.current == AssignmentView(
        medical_group_number="5",
        medical_group_name="G5",
        effective_date=date(2026, 1, 1),
        term_date=OPEN_END_DATE,
        request_received_date=date(2025, 12, 1),
        assigned_by="Carrier",
        reason="New Enrollee",
    )
    assert change.updated == AssignmentView(
        medical_group_number="124",
        medical_group_name="Advocate",
        effective_date=date(2026, 12, 1),
        term_date=OPEN_END_DATE,
        request_received_date=TODAY,
        assigned_by="Dana Demo",
        reason="Concern With Service",
    )


def test_r_pcp_8_without_a_provider_there_is_nothing_to_assign() -> None:
    v = run([RequestedMember(2, "Retired")], provider=None, provider_number="999")
    [change] = v.changes
    assert change.member_id == 2 and change.current is not None and change.updated is None
    assert [(e.member_id, e.code) for e in v.errors] == [(None, "pcp.provider_not_found")]


def test_r_pcp_4_errors_name_the_member_by_its_id() -> None:
    v = run([RequestedMember(1, "Dependent Age"), RequestedMember(7, "Retired")])
    assert [(e.member_id, e.code) for e in v.errors] == [
        (1, "pcp.reason_dependent_age"),
        (7, "pcp.member_not_on_policy"),
    ]
    assert [c.member_id for c in v.changes] == [1]  # a member not on the policy has nothing to show


# --- R-PCP-4 (issue 15): each Provider Change Reason's own rule, one case per reason -----------------------------

NO_PCP = MemberOnPolicy(1, "Pat (primary)", "primary", date(2026, 1, 1), None, ())
NEW_MEMBER = MemberOnPolicy(1, "Pat (primary)", "primary", date(2026, 10, 1), None, ())
FORMER_G10 = MemberOnPolicy(
    1, "Pat (primary)", "primary", date(2024, 1, 1), None, (assignment(10, term=date(2025, 12, 31)), assignment(5))
)
SPOUSE_AT_G10 = MemberOnPolicy(2, "Sam (spouse)", "spouse", date(2026, 1, 1), None, (assignment(10),))


def _with(member: MemberOnPolicy, *others: MemberOnPolicy) -> dict[int, MemberOnPolicy]:
    return {**members(), member.member_id: member, **{o.member_id: o for o in others}}


# reason -> (a case it accepts, a case it refuses or None when the reason has no rule, the refusal's code)
_CURRENT = (members(), _with(NO_PCP), "pcp.reason_needs_current_pcp")
REASON_CASES: dict[str, tuple[dict[int, MemberOnPolicy], dict[int, MemberOnPolicy] | None, str | None]] = {
    "Asked Out": _CURRENT,
    "Change Of Residence": (_with(NO_PCP), None, None),
    "Changed For Application": (_with(NO_PCP), None, None),
    "Concern With Access": _CURRENT,
    "Concern With Physician": _CURRENT,
    "Concern With Service": _CURRENT,
    "Dependent Age": ({}, None, "pcp.reason_dependent_age"),  # checked below: spouse yes, primary no
    "Doctor/Med Grp Location": _CURRENT,
    "Hospital Affiliated": _CURRENT,
    "Left Network (Closed)": _CURRENT,
    "Member Preferred One Doctor For Family": (
        _with(members()[1], SPOUSE_AT_G10),
        members(),
        "pcp.reason_no_family_member",
    ),
    "Members Former Provider In Network": (_with(FORMER_G10), members(), "pcp.reason_not_former_provider"),
    "New Enrollee": (_with(NEW_MEMBER), members(), "pcp.reason_new_enrollee"),
    "New Member Benefit Not Supported": (_with(NO_PCP), None, None),
    "No Reason Given": (_with(NO_PCP), None, None),
    "PCP Not Accepting New Patients": _CURRENT,
    "Referral Problems": _CURRENT,
    "Retired": _CURRENT,
}


def test_r_pcp_4_every_reason_has_a_case() -> None:
    assert set(REASON_CASES) == set(REASONS)


@pytest.mark.parametrize("reason", [r for r in REASONS if r != "Dependent Age"])
def test_r_pcp_4_each_reason_is_checked_by_its_rule(reason: str) -> None:
    accepted, refused, code = REASON_CASES[reason]
    assert run([RequestedMember(1, reason)], members=accepted).errors == []
    if refused is None:
        return  # nothing the portal holds can confirm this reason
    [error] = run([RequestedMember(1, reason)], members=refused).errors
    assert (error.member_id, error.code) == (1, code)
    assert error.message.startswith("Pat (primary): ") and "R-PCP" not in error.message


def test_r_pcp_4_dependent_age_for_a_spouse_or_dependent_only() -> None:
    assert run([RequestedMember(2, "Dependent Age")]).errors == []
    assert [e.code for e in run([RequestedMember(1, "Dependent Age")]).errors] == ["pcp.reason_dependent_age"]


def test_r_pcp_4_new_enrollee_within_the_first_90_days_of_coverage_a_setting() -> None:
    def member_since(start: date) -> dict[int, MemberOnPolicy]:
        return _with(MemberOnPolicy(1, "Pat (primary)", "primary", start, None, ()))

    day_89 = date(2026, 8, 25)  # TODAY is the 89th day after it
    assert (TODAY - day_89).days == 89
    assert run([RequestedMember(1, "New Enrollee")], members=member_since(day_89)).errors == []
    [error] = run([RequestedMember(1, "New Enrollee")], members=member_since(date(2026, 8, 24))).errors
    assert (
        error.code == "pcp.reason_new_enrollee" and "first 90 days" in error.message and "08/24/2026" in error.message
    )
    # a member enrolled since 2025 is not a new enrollee (issue 15); a longer window (the setting) accepts it
    since_2025 = member_since(date(2025, 3, 1))
    assert [e.code for e in run([RequestedMember(1, "New Enrollee")], members=since_2025).errors] == [
        "pcp.reason_new_enrollee"
    ]
    assert run([RequestedMember(1, "New Enrollee")], members=since_2025, new_enrollee_days=700).errors == []
    # coverage that starts in the future counts as new
    assert run([RequestedMember(1, "New Enrollee")], members=member_since(date(2027, 1, 1))).errors == []


def test_r_pcp_4_one_doctor_for_family_when_the_family_moves_together() -> None:
    both = [RequestedMember(1, "Member Preferred One Doctor For Family"), RequestedMember(2, "No Reason Given")]
    assert run(both).errors == []
