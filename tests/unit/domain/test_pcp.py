"""PCP change rules, pure (R-PCP-1 .. R-PCP-7)."""

from __future__ import annotations

from datetime import date

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
