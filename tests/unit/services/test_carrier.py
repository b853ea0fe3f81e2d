"""Carrier processing (issue 14) on the fake unit of work: decisions and the book an approval writes."""

from __future__ import annotations

from datetime import date

import pytest

from app.clock import FrozenClock
from app.context import AppContext
from app.domain.accounts import Principal, Role
from app.domain.errors import Conflict
from app.repositories.orm import Account, Application, AuditEvent, Member, PcpAssignment, Policy, PolicyMember
from app.services import carrier, enrollments, payments
from tests.fakes import START, FakeStore
from tests.unit.services.book import REQUEST, family
from tests.unit.services.test_enrollment_payments import (
    SECTIONS,
    agent,  # noqa: F401 - fixture: a producer, the HMO E-HMO and its PCP group T124
    capture,
    completed,
)

ADMIN = Principal(user_id=99, username="admin", role=Role.admin, first_name="A", last_name="Dmin", session_id="s")
PAY_LATER = {**SECTIONS["signatures"], "payment_option": "pay_later"}


@pytest.fixture
def principal(request: pytest.FixtureRequest) -> Principal:
    return request.getfixturevalue("agent")  # type: ignore[no-any-return]


async def submitted(ctx: AppContext, who: Principal, **replace: object) -> int:
    app_id = await completed(ctx, who, **replace)
    await enrollments.submit(ctx=ctx, principal=who, application_id=app_id, request=REQUEST)
    return app_id


async def test_issue_14_approval_writes_account_member_policy_and_pcp_in_one_commit(
    ctx: AppContext, store: FakeStore, principal: Principal
) -> None:
    app_id = await submitted(ctx, principal, signatures=PAY_LATER)
    commits = store.commits
    view = await carrier.decide(
        ctx=ctx, admin=ADMIN, application_id=app_id, decision="approve", reason=None, request=REQUEST
    )
    assert store.commits == commits + 1  # one transaction
    account = store.one(Account, account_number=f"9{app_id:08d}")
    [member] = store.rows(Member, account_id=account.id)
    [policy] = store.rows(Policy, account_id=account.id)
    assert view.policy_ids == [policy.id] and view.app.account_number == account.account_number
    assert (member.suffix, member.first_name, member.ssn_last4) == ("01", "Riley", "6789")
    assert (policy.e_app_number, policy.application_id, policy.coverage_effective_date) == (
        f"{app_id:010d}",
        app_id,
        date(2027, 1, 1),
    )
    assert (policy.initial_payment_received, policy.paid_to_date, policy.status) == (False, None, "Active")
    assert store.one(PolicyMember, policy_id=policy.id).member_id == member.id
    assert store.one(PcpAssignment, policy_id=policy.id).assigned_by == "Producer"  # T124 chosen (R-ENR-11)
    assert store.one(AuditEvent, action="carrier.application_approved").details["policy_ids"] == [policy.id]
    # R-PAY-4: the binder payment after the approval marks the policies paid to the end of the first month
    payment = await capture(ctx, principal, app_id)
    await payments.submit_payment(ctx=ctx, principal=principal, payment_id=payment.id, agreement=True, request=REQUEST)
    paid = store.one(Policy, id=policy.id)
    assert (paid.initial_payment_received, paid.paid_to_date) == (True, date(2027, 1, 31))


async def test_issue_14_approval_extends_the_client_the_application_was_started_from(
    ctx: AppContext, store: FakeStore, principal: Principal
) -> None:
    existing = family(store, principal.user_id, account_number="100200300")
    app_id = await completed(ctx, principal, signatures=PAY_LATER)
    stored = store.one(Application, id=app_id)  # as "start from an existing client" would leave it
    stored.sections = {**stored.sections, "prefill": {"account_number": "100200300"}}
    store.seed(stored)
    await enrollments.submit(ctx=ctx, principal=principal, application_id=app_id, request=REQUEST)
    await carrier.decide(ctx=ctx, admin=ADMIN, application_id=app_id, decision="approve", reason=None, request=REQUEST)
    assert store.rows(Account, account_number=f"9{app_id:08d}") == []
    assert [m.suffix for m in store.rows(Member, account_id=existing.account.id)] == ["01", "02", "03", "04"]
    assert len(store.rows(Policy, account_id=existing.account.id)) == 2
    assert store.one(Application, id=app_id).account_number == "100200300"


async def test_issue_14_a_waiting_payment_or_another_decision_writes_nothing(
    ctx: AppContext, store: FakeStore, principal: Principal
) -> None:
    app_id = await submitted(ctx, principal)  # pay now, not paid
    before = store.snapshot()
    with pytest.raises(Conflict) as exc:
        await carrier.decide(
            ctx=ctx, admin=ADMIN, application_id=app_id, decision="approve", reason=None, request=REQUEST
        )
    assert exc.value.code == "carrier.awaiting_payment" and store.snapshot() == before


async def test_issue_14_the_simulated_back_office_decides_after_its_review_time(
    ctx: AppContext, store: FakeStore, principal: Principal, clock: FrozenClock
) -> None:
    app_id = await submitted(ctx, principal, signatures=PAY_LATER)
    assert await carrier.decide_due(ctx=ctx) == 0
    clock.advance(seconds=ctx.settings.carrier_review_seconds)
    assert await carrier.decide_due(ctx=ctx) == 1
    assert store.one(Application, id=app_id).decision == "approved"
    assert store.one(AuditEvent, action="carrier.application_approved").actor_username == "carrier-back-office"
    assert clock.now() > START
