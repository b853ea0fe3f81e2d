"""Carrier processing (issue 14): the carrier's back office decides submitted, paid applications - by hand
(carrier staff, the admin role) or through the back-office port (the simulated adapter in demo mode, run by a
periodic job) - and an approval writes the client into the producer's book in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from app.adapters.gateways import CarrierBackOffice, SimulatedCarrierBackOffice
from app.domain.accounts import Principal
from app.domain.carrier import (
    APPLICATION_STATUS_APPROVED,
    APPROVED,
    DECLINED,
    NEW_POLICY_STATUS,
    SETTLED_PAYMENT_STATUSES,
    ExistingMember,
    PersonEntry,
    account_number_for,
    book_entry,
    check_decision_request,
    check_payment_settled,
    decision_of,
    match_members,
    paid_to_after_binder,
    source_account_number,
)
from app.domain.dates import OPEN_END_DATE
from app.domain.enrollments import PCP_NETWORK_TYPES, Lifecycle
from app.domain.errors import Conflict, NotFound
from app.domain.payments import SUCCESSFUL
from app.domain.text import name_key
from app.domain.webhooks import EventType
from app.ports import HasClock, HasSettings, HasUnitOfWork, HasWebhooks
from app.repositories.orm import Account, Application, Member, PcpAssignment, Policy, PolicyMember
from app.repositories.uow import UnitOfWork
from app.services import audit
from app.services.audit import RequestContext

BACK_OFFICE_ACTOR = "carrier-back-office"


class CarrierPorts(HasUnitOfWork, HasClock, HasSettings, HasWebhooks, Protocol):
    """What carrier processing uses."""


def back_office(ctx: CarrierPorts) -> CarrierBackOffice:
    """The back-office port: the simulated adapter (a real one would call the carrier's system)."""
    return SimulatedCarrierBackOffice(review_seconds=ctx.settings.carrier_review_seconds)


@dataclass
class DecisionView:
    app: Application
    policy_ids: list[int] = field(default_factory=list)
    replayed: bool = False


@dataclass(frozen=True)
class _Actor:
    user_id: int | None
    username: str


async def decide(
    *,
    ctx: CarrierPorts,
    admin: Principal,
    application_id: int,
    decision: str,
    reason: str | None,
    request: RequestContext,
) -> DecisionView:
    """Carrier staff approve or decline a submitted, paid application. Idempotent: the same decision again answers
    the first one; the opposite one after it is a 409."""
    note = check_decision_request(decision, reason)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        app = await uow.carrier.application_for_decision(application_id)
        if app is None:
            raise NotFound(f"Application {application_id} not found.")
        view = await _decide(
            ctx, uow, app, decision_of(decision), note, now, _Actor(admin.user_id, admin.username), request
        )
        if not view.replayed:
            await uow.commit()
        return view


async def decide_due(*, ctx: CarrierPorts, office: CarrierBackOffice | None = None) -> int:
    """The periodic job: every application the back office has reviewed by now gets its decision. Each in its own
    transaction under the application's lock, so a decision by hand at the same time is made once. Answers how
    many were decided.

    Safe with N instances (issue 18): each application is claimed with `FOR UPDATE SKIP LOCKED` and checked again
    under the lock, so an application another instance is deciding is skipped (not waited for) and one it has
    decided is seen as decided. Row claims rather than one advisory lock per pass: every decision is its own
    transaction and a real back office answers over the network, so the instances share the due work."""
    office = office or back_office(ctx)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        due = await uow.carrier.due_for_decision(
            submitted_before=office.due_before(now), payment_statuses=SETTLED_PAYMENT_STATUSES
        )
    decided = 0
    for application_id in due:
        async with ctx.uow() as uow:
            app = await uow.carrier.application_for_decision(application_id, skip_locked=True)
            if (
                app is None
                or app.decision is not None
                or app.status != "submitted"
                or app.payment_status not in SETTLED_PAYMENT_STATUSES
            ):
                continue  # decided (or changed) since it was listed
            answer = await office.decide(
                record_number=app.record_number or "", applicant_last_name=app.applicant_last_name
            )
            wanted = APPROVED if answer.approved else DECLINED
            reason = answer.reason if answer.approved else (answer.reason or "Declined by the carrier.")
            await _decide(ctx, uow, app, wanted, reason, now, _Actor(None, BACK_OFFICE_ACTOR), RequestContext())
            await uow.commit()
            decided += 1
    return decided


async def _decide(
    ctx: CarrierPorts,
    uow: UnitOfWork,
    app: Application,
    wanted: str,
    note: str | None,
    now: datetime,
    actor: _Actor,
    request: RequestContext,
) -> DecisionView:
    lifecycle = Lifecycle.of(app)
    if lifecycle.check_decidable(wanted, app.record_number):
        return DecisionView(app, [p.id for p in await uow.carrier.policies_of_application(app.id)], replayed=True)
    check_payment_settled(app.record_number or "", app.payment_status)
    policy_ids: list[int] = []
    if wanted == APPROVED:
        policy_ids = await _write_book(uow, app, now)
        lifecycle.approved(now, note=note).apply_to(app)
    else:
        assert note is not None
        lifecycle.declined(now, reason=note, expiry_days=ctx.settings.application_expiry_days).apply_to(app)
    audit.record(
        uow,
        now=now,
        request=request,
        action=f"carrier.application_{wanted}",
        actor_user_id=actor.user_id,
        actor_username=actor.username,
        target_type="application",
        target_id=app.id,
        details={
            "record_number": app.record_number,
            "reason": note,
            "account_number": app.account_number,
            "policy_ids": policy_ids,
        },
    )
    await ctx.webhooks.emit(
        uow,
        producer_id=app.producer_id,
        event_type=EventType.application_decided,
        data={
            "application_id": app.id,
            "record_number": app.record_number,
            "decision": wanted,
            "account_number": app.account_number,
            "policy_ids": policy_ids,
            "decided_at": now.isoformat(),
        },
    )
    return DecisionView(app, policy_ids)


async def _write_book(uow: UnitOfWork, app: Application, now: datetime) -> list[int]:
    """An approval writes the client into the producer's book: the account (new, or the existing client the
    application was started from), its members, a policy per plan covering them all, and PCP assignments on
    HMO/POS plans (R-MEM-1, R-ENR-11, R-PCP-6). One transaction with the decision: all or nothing."""
    entry = book_entry(app.sections)
    if app.effective_date is None or app.producer_number is None or app.date_submitted is None:
        raise Conflict(f"Application {app.record_number} has no effective date or producer number.")
    plans = await uow.applications.plans(entry.plan_ids)
    missing = [p for p in entry.plan_ids if p not in plans]
    if missing:
        raise Conflict(
            f"Plan {', '.join(missing)} of application {app.record_number} is no longer in the catalogue.",
            code="carrier.plan_missing",
        )
    number = source_account_number(app.sections)
    account = await uow.carrier.account_in_book(app.producer_id, number) if number else None
    existing: list[ExistingMember] = []
    if account is None:
        a = entry.account
        account = Account(
            account_number=account_number_for(app.id),
            producer_id=app.producer_id,
            first_name=a.first_name,
            middle_initial=a.middle_initial,
            last_name=a.last_name,
            first_name_key=name_key(a.first_name),
            last_name_key=name_key(a.last_name),
            date_of_birth=a.date_of_birth,
            sex=a.sex,
            ssn_last4=a.ssn_last4,
            address1=a.address1,
            address2=a.address2,
            city=a.city,
            state=a.state,
            zip_code=a.zip_code,
            county=a.county,
            email=a.email,
            email_key=a.email.lower() if a.email else None,
            phone_home=a.phone_home,
            phone_cell=a.phone_cell,
            created_at=now,
            updated_at=now,
        )
        uow.carrier.add_row(account)
        await uow.flush()
    else:
        existing = [
            ExistingMember(m.id, m.suffix, m.first_name, m.last_name, m.date_of_birth)
            for m in await uow.carrier.members_of(account.id)
        ]
    matched, suffixes = match_members(entry.people, existing)
    new_members: dict[str, Member] = {}
    for person in entry.people:
        if person.key in suffixes:
            new_members[person.key] = Member(
                account_id=account.id,
                producer_id=app.producer_id,
                suffix=suffixes[person.key],
                relationship=person.relationship,
                first_name=person.first_name,
                middle_initial=person.middle_initial,
                last_name=person.last_name,
                date_of_birth=person.date_of_birth,
                sex=person.sex,
                ssn_last4=person.ssn_last4,
            )
            uow.carrier.add_row(new_members[person.key])
    await uow.flush()
    member_ids = {**matched, **{k: m.id for k, m in new_members.items()}}
    effective = app.effective_date
    signed = app.date_submitted.date()
    paid = app.payment_status == SUCCESSFUL  # R-PAY-4: the binder payment went through before the approval
    policies: list[tuple[Policy, bool]] = []
    for plan_id in entry.plan_ids:
        plan = plans[plan_id]
        policy = Policy(
            account_id=account.id,
            producer_id=app.producer_id,
            producer_number=app.producer_number,
            plan_id=plan.plan_id,
            product_name=plan.name,
            coverage=plan.coverage,
            network_type=plan.network_type,
            requires_pcp=plan.requires_pcp,
            exchange=plan.exchange,
            group_number=plan.group_number,
            e_app_number=app.record_number,
            client_app_id=app.client_app_id,
            grandfathered=False,
            temporary_plan=False,
            status=NEW_POLICY_STATUS,
            coverage_effective_date=effective,
            paid_to_date=paid_to_after_binder(effective) if paid else None,
            termination_date=None,
            app_signature_date=signed,
            eapp_start_date=app.created_at.date(),
            application_status=APPLICATION_STATUS_APPROVED,
            application_submitted_at=app.date_submitted,
            initial_payment_received=paid,
            member_count=len(entry.people),
            created_at=now,
            application_id=app.id,
        )
        uow.carrier.add_row(policy)
        policies.append((policy, plan.network_type in PCP_NETWORK_TYPES))
    await uow.flush()
    for policy, with_pcp in policies:
        for person in entry.people:
            uow.carrier.add_row(
                PolicyMember(
                    policy_id=policy.id, member_id=member_ids[person.key], coverage_start=effective, coverage_end=None
                )
            )
        if with_pcp:
            await _assign_pcps(uow, policy, entry.pcp_numbers, entry.people, member_ids, signed, now)
    app.account_number = account.account_number
    await uow.flush()
    return [p.id for p, _ in policies]


async def _assign_pcps(
    uow: UnitOfWork,
    policy: Policy,
    chosen: dict[str, str],
    people: list[PersonEntry],
    member_ids: dict[str, int],
    received: date,
    now: datetime,
) -> None:
    """R-ENR-11: the PCP chosen for each member, else one auto-assigned by the carrier; R-PCP-6 open term date."""
    plan = (await uow.applications.plans([policy.plan_id]))[policy.plan_id]
    groups = await uow.carrier.medical_groups_in_network(list(chosen.values()), plan.network_code)
    auto: int | None = None
    for person in people:
        number = chosen.get(person.key)
        group_id = groups.get(number) if number else None
        if group_id is None:
            auto = auto or await uow.carrier.auto_assigned_group(plan.network_code)
            group_id = auto
        if group_id is None:
            continue  # no group in the network at all: the carrier assigns one later
        uow.carrier.add_row(
            PcpAssignment(
                member_id=member_ids[person.key],
                policy_id=policy.id,
                medical_group_id=group_id,
                effective_date=policy.coverage_effective_date,
                term_date=OPEN_END_DATE,
                reason="New Enrollee",
                assigned_by="Producer" if number and groups.get(number) else "Carrier",
                request_received_date=received,
                change_id=None,
                created_at=now,
            )
        )
