"""Every background duty is safe with two instances (issue 18): two AppContexts, each with its own engine and
connection pool, on one database (PostgreSQL leg: one PostgreSQL database; SQLite leg: one SQLite file), run the
same job pass side by side with `asyncio.gather`; each due item is processed exactly once.

- outbox: each message reaches the SMTP sink once and is recorded sent after one attempt;
- contact changes (R-CIC-4): each due change is applied once, the passes' counts add up to the changes;
- carrier decisions (issue 14): each application is decided once (one audit row, one set of policies).

The test of two `portal serve` processes is tests/faults/test_multi_instance.py (PostgreSQL leg).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from app.adapters.notifier import RecordingSmsGateway, SmtpTransport
from app.context import AppContext
from app.domain.messages import registration_received
from app.main import build_context
from app.repositories.orm import Account, AuditEvent, ContactInfoChange, OutboxMessage, Policy
from app.services.carrier import decide_due
from app.services.members import apply_due_contact_changes
from tests.api.test_carrier import SIGNATURES, from_quote, submit
from tests.api.test_enrollments import (
    reference,  # noqa: F401 - fixture: the plans and counties of the applications
    settings,  # noqa: F401 - fixture
)
from tests.factories import make_family, producer_id
from tests.helpers import bearer


@pytest.fixture
async def second(app, clock) -> AsyncIterator[AppContext]:  # type: ignore[no-untyped-def]
    """Instance B: the same settings as the app under test (instance A), its own engine, pool and dispatcher."""
    same = app.state.settings
    ctx = build_context(
        same,
        clock=clock,
        email_transport=SmtpTransport(host=same.smtp_host, port=same.smtp_port, sender=same.mail_from, timeout=5),
        sms_gateway=RecordingSmsGateway(),
    )
    try:
        yield ctx
    finally:
        ctx.hasher.shutdown()
        await ctx.db.dispose()


async def test_outbox_two_dispatchers_send_each_message_once(app, second, mail) -> None:  # type: ignore[no-untyped-def]
    first: AppContext = app.state.ctx
    addresses = [f"twice{n}@agency.example" for n in range(45)]  # more than two claim batches
    async with first.uow() as uow:
        for to in addresses:
            first.outbox.enqueue_email(uow, to=to, message=registration_received("Sam"))
        await uow.commit()
    # A's background dispatcher was woken by the commit and competes too.
    counts = await asyncio.gather(first.outbox.drain(), second.outbox.drain(), second.outbox.drain())
    await first.outbox.drain()  # whatever A's background pass had claimed is finished by now
    delivered = Counter(m["to"] for m in mail.messages)
    assert {to: delivered[to] for to in addresses} == dict.fromkeys(addresses, 1)
    assert sum(counts) <= len(addresses)
    async with first.uow() as uow:
        rows = (
            await uow.session.execute(
                select(OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.next_attempt_at).where(
                    OutboxMessage.to.in_(addresses)
                )
            )
        ).all()
    assert sorted(rows) == [("sent", 1, None)] * len(addresses)


async def test_r_cic_4_two_instances_apply_each_due_change_once(app, second, client, demo, clock) -> None:  # type: ignore[no-untyped-def]
    first: AppContext = app.state.ctx
    async with first.uow() as uow:
        me = await producer_id(uow, "demoagent")
        families = [
            await make_family(
                uow, me, last_name=f"Qtwice{n}", ssn_last4=f"07{n:02d}", dob=date(1970, 1, n + 1), spouse=False
            )
            for n in range(12)
        ]
        await uow.commit()
    producer = await bearer(client, "demoagent", "Demo1234")
    for n, fam in enumerate(families):
        r = await client.post(
            f"/api/v1/members/{fam.account_number}/contact-info-changes",
            headers=producer,
            json={"email": f"qtwice{n}@example.com"},
        )
        assert r.status_code == 202, r.text
    clock.advance(hours=4, seconds=1)  # R-CIC-4: due four hours later
    applied = await asyncio.gather(*(apply_due_contact_changes(ctx=c) for c in (first, second, first, second)))
    assert sum(applied) == len(families), applied  # a change applied twice would count twice
    async with first.uow() as uow:
        changes = (await uow.session.execute(select(ContactInfoChange.status, ContactInfoChange.applied_at))).all()
        emails = (
            await uow.session.execute(
                select(Account.email).where(Account.id.in_([f.account_id for f in families])).order_by(Account.email)
            )
        ).scalars()
        assert sorted(emails) == sorted(f"qtwice{n}@example.com" for n in range(len(families)))
    assert len(changes) == len(families) and {(s, a is not None) for s, a in changes} == {("applied", True)}
    assert await apply_due_contact_changes(ctx=second) == 0


@pytest.mark.usefixtures("reference")
async def test_carrier_two_instances_decide_each_application_once(app, second, client, producer, clock) -> None:  # type: ignore[no-untyped-def]
    first: AppContext = app.state.ctx
    ids = []
    for _ in range(3):
        app_id = await from_quote(client, producer, sigs={**SIGNATURES, "payment_option": "pay_later"})
        await submit(client, producer, app_id)
        ids.append(app_id)
    clock.advance(seconds=first.settings.carrier_review_seconds + 1)
    decided = await asyncio.gather(decide_due(ctx=first), decide_due(ctx=second), decide_due(ctx=second))
    assert sum(decided) == len(ids), decided
    async with first.uow() as uow:
        audit = (
            await uow.session.execute(
                select(AuditEvent.target_id, func.count())
                .where(AuditEvent.action.like("carrier.application_%"))
                .group_by(AuditEvent.target_id)
            )
        ).all()
        policies: Any = (
            await uow.session.execute(
                select(Policy.application_id, func.count())
                .where(Policy.application_id.in_(ids))
                .group_by(Policy.application_id)
            )
        ).all()
    assert sorted((int(t), n) for t, n in audit) == [(i, 1) for i in ids]  # one decision each
    assert sorted(policies) == [(i, 2) for i in ids]  # medical and dental, written once
    assert await decide_due(ctx=first) == 0
