"""PCP changes on the fake unit of work (R-PCP-1 .. R-PCP-8): dry run, finish, refusals, atomicity."""

from __future__ import annotations

from datetime import date

import pytest

from app.context import AppContext
from app.domain.accounts import Principal
from app.domain.dates import OPEN_END_DATE
from app.domain.errors import NotFound
from app.domain.pcp import AssignmentView, PcpChangeRejected, RequestedMember
from app.repositories.orm import (
    AuditEvent,
    IdCardRequest,
    IdCardRequestItem,
    MedicalGroup,
    PcpAssignment,
    PcpChange,
    PcpChangeMember,
)
from app.services import pcp_changes
from app.services.pcp_changes import PcpChangeRequest
from tests.fakes import FakeStore
from tests.unit.services.book import REQUEST, Family, family, medical_group, producer

FIRST = date(2026, 12, 1)  # the clock says 2026-11-22; IL wants the first of a month (R-PCP-7)


@pytest.fixture
def agent(store: FakeStore) -> Principal:
    return producer(store)


@pytest.fixture
def fam(store: FakeStore, agent: Principal) -> Family:
    current = medical_group(store, "T124")  # everyone's PCP today
    medical_group(store, "T126")  # the new one
    medical_group(store, "T125", accepting=False)
    medical_group(store, "T199", networks=("T-PPO",))
    return family(store, agent.user_id, current_group=current)


def request(
    fam: Family, *members: tuple[str, str], provider: str = "T126", dry_run: bool = True, **kw: object
) -> PcpChangeRequest:
    args: dict[str, object] = dict(
        account_number=fam.account.account_number,
        policy_id=fam.policy.id,
        provider_number=provider,
        effective_date=FIRST,
        term_date=None,
        members=[RequestedMember(fam.members[k].id, reason) for k, reason in members],
        accept_warnings=False,
        dry_run=dry_run,
    )
    args.update(kw)
    return PcpChangeRequest(**args)  # type: ignore[arg-type]


async def change(ctx: AppContext, agent: Principal, req: PcpChangeRequest) -> pcp_changes.PcpChangeResult:
    return await pcp_changes.change_pcp(ctx=ctx, principal=agent, req=req, request=REQUEST)


async def test_r_pcp_8_dry_run_shows_current_and_updated_and_writes_nothing(ctx, store, agent, fam) -> None:
    before = store.snapshot()
    result = await change(ctx, agent, request(fam, ("primary", "Concern With Service"), ("spouse", "Retired")))
    assert result.change_id is None and result.id_card_request_ids == []
    v = result.validation
    assert v.valid and v.errors == [] and v.warnings == []
    assert [(c.member_id, c.name, c.relationship) for c in v.changes] == [
        (fam.members["primary"].id, "Pat Tester (primary)", "primary"),
        (fam.members["spouse"].id, "Sam Tester (spouse)", "spouse"),
    ]
    assert v.changes[0].current == AssignmentView(
        "T124", "Group T124", date(2026, 1, 1), OPEN_END_DATE, date(2025, 12, 1), "Carrier", "New Enrollee"
    )
    assert v.changes[0].updated == AssignmentView(
        "T126", "Group T126", FIRST, OPEN_END_DATE, date(2026, 11, 22), "Dana Demo (producer)", "Concern With Service"
    )
    assert store.snapshot() == before and store.commits == 0


async def test_r_pcp_8_finish_commits_every_member_and_requests_their_cards(ctx, store, agent, fam) -> None:
    result = await change(
        ctx, agent, request(fam, ("primary", "Concern With Service"), ("child", "Dependent Age"), dry_run=False)
    )
    assert store.commits == 1
    change_row = store.one(PcpChange)
    assert result.change_id == change_row.id
    assert (change_row.policy_id, change_row.effective_date, change_row.term_date) == (
        fam.policy.id,
        FIRST,
        OPEN_END_DATE,
    )
    assert change_row.warnings_accepted is None and change_row.requested_by_id == agent.user_id
    new_group = store.one(MedicalGroup, medical_group_number="T126").id
    assert change_row.medical_group_id == new_group
    for key, reason in (("primary", "Concern With Service"), ("child", "Dependent Age")):
        member_id = fam.members[key].id
        old, new = store.rows(PcpAssignment, member_id=member_id)
        # R-PCP-6: the current assignment ends the day before the new one starts, with the change's reason
        assert (old.term_date, old.end_reason) == (date(2026, 11, 30), reason)
        assert (new.medical_group_id, new.effective_date, new.term_date) == (new_group, FIRST, OPEN_END_DATE)
        assert (new.reason, new.change_id, new.assigned_by) == (reason, change_row.id, "Dana Demo (producer)")
        link = store.one(PcpChangeMember, change_id=change_row.id, member_id=member_id)
        assert (link.previous_assignment_id, link.new_assignment_id, link.reason) == (old.id, new.id, reason)
    # the spouse was not part of the change
    [spouse] = store.rows(PcpAssignment, member_id=fam.members["spouse"].id)
    assert spouse.term_date == OPEN_END_DATE and spouse.end_reason is None
    cards = store.one(IdCardRequest)
    assert result.id_card_request_ids == [cards.id]
    assert (cards.kind, cards.status, cards.source, cards.pcp_change_id) == (
        "permanent",
        "Requested",
        "pcp_change",
        change_row.id,
    )
    assert sorted((i.member_id, i.quantity) for i in store.rows(IdCardRequestItem, request_id=cards.id)) == sorted(
        [(fam.members["primary"].id, 1), (fam.members["child"].id, 1)]
    )
    event = store.one(AuditEvent, action="member.pcp_changed")
    assert event.target_id == fam.account.account_number
    assert event.details == {"pcp_change_id": change_row.id, "members": 2, "medical_group": "T126"}


async def test_r_pcp_4_an_invalid_finish_changes_nothing_and_carries_the_validation(ctx, store, agent, fam) -> None:
    before = store.snapshot()
    with pytest.raises(PcpChangeRejected) as caught:
        await change(
            ctx,
            agent,
            request(fam, ("primary", "Dependent Age"), ("spouse", "Retired"), ("spouse", "Retired"), dry_run=False),
        )
    assert caught.value.code == "pcp.invalid"
    errors = [(e.member_id, e.code) for e in caught.value.validation.errors]
    assert errors == [
        (fam.members["primary"].id, "pcp.reason_dependent_age"),
        (fam.members["spouse"].id, "pcp.member_repeated"),  # R-PCP-5
    ]
    assert store.snapshot() == before and store.commits == 0


async def test_r_pcp_7_unaccepted_warnings_refuse_and_accepted_ones_are_recorded(ctx, store, agent, fam) -> None:
    mid_month = date(2026, 12, 15)
    before = store.snapshot()
    with pytest.raises(PcpChangeRejected) as caught:
        await change(ctx, agent, request(fam, ("spouse", "Retired"), dry_run=False, effective_date=mid_month))
    assert caught.value.code == "pcp.warnings_not_accepted" and caught.value.field == "accept_warnings"
    assert [w.code for w in caught.value.validation.warnings] == ["pcp.first_of_month"]
    assert store.snapshot() == before

    result = await change(
        ctx, agent, request(fam, ("spouse", "Retired"), dry_run=False, effective_date=mid_month, accept_warnings=True)
    )
    assert store.one(PcpChange, id=result.change_id).warnings_accepted == ["pcp.first_of_month"]


async def test_r_pcp_2_provider_must_exist_be_in_network_and_accept_patients(ctx, agent, fam) -> None:
    codes = {}
    for number in ("NOPE", "T125", "T199"):
        v = (await change(ctx, agent, request(fam, ("spouse", "Retired"), provider=number))).validation
        codes[number] = [e.code for e in v.errors]
    assert codes == {
        "NOPE": ["pcp.provider_not_found"],
        "T125": ["pcp.provider_not_accepting"],
        "T199": ["pcp.provider_out_of_network"],
    }
    # lookup by the PCP number finds the same group as the medical group number
    v = (await change(ctx, agent, request(fam, ("spouse", "Retired"), provider="PT126"))).validation
    assert v.valid and v.changes[0].updated is not None and v.changes[0].updated.medical_group_number == "T126"


async def test_r_pcp_4_asked_out_history_is_refused_after_a_finished_change(ctx, agent, fam) -> None:
    # The spouse leaves T124 "Asked Out" by moving to T126 ...
    await change(ctx, agent, request(fam, ("spouse", "Asked Out"), dry_run=False))
    # ... so a later change back to T124 is refused for the spouse only.
    v = (
        await change(ctx, agent, request(fam, ("spouse", "Retired"), provider="T124", effective_date=date(2027, 1, 1)))
    ).validation
    assert [(e.member_id, e.code) for e in v.errors] == [(fam.members["spouse"].id, "pcp.asked_out_of_group")]


async def test_r_pcp_6_a_second_change_must_start_after_the_current_one(ctx, agent, fam) -> None:
    await change(ctx, agent, request(fam, ("primary", "Retired"), dry_run=False))
    v = (await change(ctx, agent, request(fam, ("primary", "Retired"), provider="T124"))).validation
    assert [e.code for e in v.errors] == ["pcp.effective_before_current"]


async def test_a_failure_mid_finish_leaves_nothing_half_written(ctx, store, agent, fam, monkeypatch) -> None:
    async def cards_fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("card vendor down")

    monkeypatch.setattr(pcp_changes, "create_cards", cards_fail)  # after the change and assignments were flushed
    before = store.snapshot()
    with pytest.raises(RuntimeError):
        await change(ctx, agent, request(fam, ("primary", "Retired"), ("spouse", "Retired"), dry_run=False))
    assert store.snapshot() == before and store.rows(PcpChange) == []


async def test_r_book_1_another_producers_policy_is_not_found(ctx, store, fam) -> None:
    other = producer(store, "otheragent")
    with pytest.raises(NotFound):
        await change(ctx, other, request(fam, ("primary", "Retired")))


async def test_change_history_and_views_after_a_finish(ctx, agent, fam) -> None:
    result = await change(ctx, agent, request(fam, ("child", "Dependent Age"), dry_run=False))
    assert result.change_id is not None
    view = await pcp_changes.get_change(ctx=ctx, principal=agent, change_id=result.change_id)
    assert view["medical_group_number"] == "T126" and view["policy_id"] == str(fam.policy.id)
    assert view["members"] == [
        {
            "member_id": str(fam.members["child"].id),
            "name": "Kim Tester",
            "relationship": "child",
            "reason": "Dependent Age",
        }
    ]
    history = await pcp_changes.member_history(
        ctx=ctx, principal=agent, account_number=fam.account.account_number, member_id=fam.members["child"].id
    )
    assert [(h["medical_group_number"], h["end_reason"]) for h in history] == [
        ("T124", "Dependent Age"),
        ("T126", None),
    ]
