"""Contact information changes on the fake unit of work (R-CIC-1 .. R-CIC-4)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain.errors import NotFound, ValidationFailed
from app.domain.members import PhoneInput
from app.repositories.orm import Account, AuditEvent, ContactInfoChange
from app.services import members
from tests.fakes import START
from tests.unit.services.book import REQUEST, family, producer


@pytest.fixture
def setup(store):  # type: ignore[no-untyped-def]
    agent = producer(store)
    return agent, family(store, agent.user_id)


async def ask(ctx, agent, fam, *, member=None, phones=(), email=None):  # type: ignore[no-untyped-def]
    return await members.request_contact_change(
        ctx=ctx,
        principal=agent,
        account_number=fam.account.account_number,
        member_id=member,
        phones=list(phones),
        email=email,
        request=REQUEST,
    )


async def test_r_cic_4_accepted_as_pending_and_applied_after_the_delay(ctx, store, clock, setup) -> None:
    agent, fam = setup
    change = await ask(
        ctx, agent, fam, phones=[PhoneInput("cellular", "(312) 555-0111", send_text=True)], email="New@Example.com"
    )
    stored = store.one(ContactInfoChange)
    assert (stored.id, stored.status, stored.requested_by_id) == (change.id, "pending", agent.user_id)
    assert stored.effective_at == START + timedelta(minutes=ctx.settings.contact_change_delay_minutes)
    assert (
        stored.changes["current"]["phones"]["cell"] is None and stored.changes["current"]["email"] == "pat@example.com"
    )
    assert stored.changes["updated"]["phones"]["cell"] == "3125550111"
    assert stored.changes["updated"]["details"] == {"cell": {"extension": None, "send_text": True}}
    assert store.one(AuditEvent).action == "member.contact_change_requested"
    # the record keeps the old values until the change is due
    assert await members.apply_due_contact_changes(ctx=ctx) == 0
    assert store.one(Account).phone_cell is None

    clock.advance(minutes=ctx.settings.contact_change_delay_minutes)
    assert await members.apply_due_contact_changes(ctx=ctx, account_id=fam.account.id) == 1
    account = store.one(Account)
    assert (account.phone_cell, account.phone_home, account.email, account.email_key) == (
        "3125550111",
        "3125550100",
        "New@Example.com",
        "new@example.com",
    )
    assert (
        account.phone_details == {"cell": {"extension": None, "send_text": True}} and account.updated_at == clock.now()
    )
    applied = store.one(ContactInfoChange)
    assert (applied.status, applied.applied_at) == ("applied", clock.now())


async def test_r_cic_4_a_second_request_builds_on_the_pending_one(ctx, store, setup) -> None:
    agent, fam = setup
    await ask(ctx, agent, fam, phones=[PhoneInput("work", "3125550122")])
    second = await ask(ctx, agent, fam, email="pat.new@example.com")
    assert second.changes["current"]["phones"]["work"] is None  # the record as it is
    assert second.changes["updated"]["phones"]["work"] == "3125550122"  # the pending change kept
    assert second.changes["updated"]["email"] == "pat.new@example.com"
    # the same again changes nothing
    with pytest.raises(ValidationFailed) as caught:
        await ask(ctx, agent, fam, email="PAT.NEW@example.com")
    assert caught.value.code == "cic.no_change"
    assert len(store.rows(ContactInfoChange)) == 2


async def test_r_cic_1_only_the_primary_insured(ctx, store, setup) -> None:
    agent, fam = setup
    before = store.snapshot()
    with pytest.raises(ValidationFailed) as caught:
        await ask(ctx, agent, fam, member=fam.members["spouse"].id, email="sam@example.com")
    assert (caught.value.code, caught.value.field) == ("cic.not_primary", "member_id")
    assert store.snapshot() == before
    # the primary, named explicitly, may
    await ask(ctx, agent, fam, member=fam.members["primary"].id, email="sam@example.com")
    assert store.one(ContactInfoChange).status == "pending"


async def test_r_cic_2_and_3_every_error_at_once_and_no_change_refused(ctx, store, setup) -> None:
    agent, fam = setup
    before = store.snapshot()
    with pytest.raises(ValidationFailed) as caught:
        await ask(ctx, agent, fam, phones=[PhoneInput(None, "3125550100"), PhoneInput("fax", "12")])
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("phones.0.type", "cic.phone_type_required"),
        ("phones.1.number", "cic.phone_invalid"),
    ]
    with pytest.raises(ValidationFailed) as caught:
        await ask(ctx, agent, fam, phones=[PhoneInput("home", "312-555-0100")], email="PAT@example.com")
    assert caught.value.code == "cic.no_change"  # R-CIC-3
    assert store.snapshot() == before


async def test_r_book_1_unknown_member_or_account_is_not_found(ctx, store, setup) -> None:
    agent, fam = setup
    with pytest.raises(NotFound):
        await ask(ctx, agent, fam, member=999_999, email="x@example.com")
    other = producer(store, "otheragent")
    with pytest.raises(NotFound):
        await ask(ctx, other, fam, email="x@example.com")
    assert store.rows(ContactInfoChange) == []
