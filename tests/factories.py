"""Factories that build book-of-business rows directly (each test builds what it needs)."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.repositories.orm import (
    Account,
    MedicalGroup,
    MedicalGroupNetwork,
    Member,
    Network,
    PcpAssignment,
    Plan,
    Policy,
    PolicyMember,
    User,
)

_numbers = itertools.count(random.randint(10_000, 90_000) * 1000)
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


@dataclass
class Family:
    account_number: str
    account_id: int
    member_ids: dict[str, int] = field(default_factory=dict)  # "primary", "spouse", "child0".. -> id
    policy_ids: dict[str, int] = field(default_factory=dict)  # "medical", "dental" -> id


async def producer_id(uow: Any, username: str) -> int:
    return int((await uow.session.execute(select(User.id).where(User.username == username))).scalar_one())


async def ensure_reference(uow: Any) -> None:
    """A network, an HMO, a PPO and a dental plan, and two medical groups (one not accepting)."""
    if await uow.session.get(Network, "T-HMO"):
        return
    uow.session.add(Network(code="T-HMO", name="Test HMO network", state="IL"))
    uow.session.add(Network(code="T-PPO", name="Test PPO network", state="IL"))
    await uow.session.flush()
    for pid, name, cov, nt, pcp, net in (
        ("T-HMO-1", "Blue Precision Bronze HMO 205", "medical", "HMO", True, "T-HMO"),
        ("T-PPO-1", "Blue Choice Preferred Bronze PPO 502", "medical", "PPO", False, "T-PPO"),
        ("T-DEN-1", "BlueCare Dental 1B", "dental", "PPO", False, "T-PPO"),
    ):
        uow.session.add(
            Plan(
                plan_id=pid,
                name=name,
                coverage=cov,
                metal_level=None if cov == "dental" else "bronze",
                network_type=nt,
                requires_pcp=pcp,
                exchange="off",
                state="IL",
                network_code=net,
                plan_year=2026,
                group_number="IB2121",
                tobacco_factor=Decimal("1.2"),
                customer_service_phone="8005551212",
                rx_bin=None if cov == "dental" else "011552",
                rx_pcn=None if cov == "dental" else "ILIFP",
                rx_group=None if cov == "dental" else f"IL{nt}205",
            )
        )
    for num, accepting in (("T124", True), ("T125", False), ("T126", True), ("T127", True)):
        uow.session.add(
            MedicalGroup(
                medical_group_number=num,
                medical_group_name=f"Group {num}",
                pcp_number=f"P{num}",
                pcpa_number=f"A{num}",
                npi="1234567890",
                physician_name="Dr Test",
                accepting_new_patients=accepting,
                address1="1 Clinic Way",
                city="Chicago",
                state="IL",
                zip_code="60601",
                phone="3125550000",
            )
        )
    await uow.session.flush()
    for grp in (await uow.session.execute(select(MedicalGroup))).scalars():
        # T126 is outside the HMO network; the others are in it
        uow.session.add(
            MedicalGroupNetwork(
                medical_group_id=grp.id, network_code="T-PPO" if grp.medical_group_number == "T126" else "T-HMO"
            )
        )
    await uow.session.flush()


async def make_family(
    uow: Any,
    producer: int,
    *,
    last_name: str = "Tester",
    first_name: str = "Jessica",
    dob: date = date(1988, 2, 10),
    ssn_last4: str = "1234",
    spouse: bool = True,
    children: list[date] | None = None,
    plan_id: str = "T-HMO-1",
    dental: bool = False,
    status: str = "Active",
    exchange: str = "off",
    email: str | None = "jessica@example.com",
    phone_home: str | None = "3125550100",
    zip_code: str = "60601",
    producer_number: str = "220002580",
    account_number: str | None = None,
    **policy_fields: Any,
) -> Family:
    """An account with its members, a medical policy (and optionally dental), PCPs for PCP plans."""
    await ensure_reference(uow)
    number = account_number or str(next(_numbers))[:9]
    account = Account(
        account_number=number,
        producer_id=producer,
        first_name=first_name,
        middle_initial=None,
        last_name=last_name,
        first_name_key=first_name.lower(),
        last_name_key=last_name.lower(),
        date_of_birth=dob,
        sex="female",
        ssn_last4=ssn_last4,
        address1="1 Main St",
        address2=None,
        city="Chicago",
        state="IL",
        zip_code=zip_code,
        county="Cook",
        email=email,
        email_key=email.lower() if email else None,
        phone_home=phone_home,
        phone_cell=None,
        phone_work=None,
        phone_spouse_cell=None,
        phone_fax=None,
        phone_details={},
        created_at=NOW,
        updated_at=NOW,
    )
    uow.session.add(account)
    await uow.session.flush()
    fam = Family(number, account.id)
    people = [("primary", "01", "primary", first_name, dob)]
    if spouse:
        people.append(("spouse", "02", "spouse", "Sam", date(1987, 5, 1)))
    for i, born in enumerate(children or []):
        people.append((f"child{i}", f"{3 + i:02d}", "child", f"Kid{i}", born))
    for key, suffix, rel, fname, born in people:
        member = Member(
            account_id=account.id,
            producer_id=producer,
            suffix=suffix,
            relationship=rel,
            first_name=fname,
            middle_initial=None,
            last_name=last_name,
            date_of_birth=born,
            sex="female",
            ssn_last4=ssn_last4 if rel == "primary" else "9999",
        )
        uow.session.add(member)
        await uow.session.flush()
        fam.member_ids[key] = member.id
    group = (
        await uow.session.execute(select(MedicalGroup).where(MedicalGroup.medical_group_number == "T124"))
    ).scalar_one()
    for kind, pid in (("medical", plan_id), *((("dental", "T-DEN-1"),) if dental else ())):
        plan = await uow.session.get(Plan, pid)
        fields = dict(
            e_app_number=str(next(_numbers))[:10],
            client_app_id=None,
            exchange_assigned_id=None,
            pending_application_id=None,
            paid_to_date=date(2026, 12, 1),
            termination_date=None,
            app_signature_date=date(2025, 12, 1),
            eapp_start_date=date(2025, 11, 20),
        )
        fields.update(policy_fields)
        policy = Policy(
            account_id=account.id,
            producer_id=producer,
            producer_number=producer_number,
            plan_id=pid,
            product_name=plan.name,
            coverage=plan.coverage,
            network_type=plan.network_type,
            requires_pcp=plan.requires_pcp,
            exchange=exchange,
            group_number=plan.group_number,
            grandfathered=False,
            temporary_plan=False,
            status=status,
            coverage_effective_date=date(2026, 1, 1),
            initial_payment_received=True,
            member_count=len(people),
            created_at=NOW,
            **fields,
        )
        uow.session.add(policy)
        await uow.session.flush()
        fam.policy_ids[kind] = policy.id
        for key in fam.member_ids:
            uow.session.add(
                PolicyMember(policy_id=policy.id, member_id=fam.member_ids[key], coverage_start=date(2026, 1, 1))
            )
            if plan.requires_pcp:
                uow.session.add(
                    PcpAssignment(
                        member_id=fam.member_ids[key],
                        policy_id=policy.id,
                        medical_group_id=group.id,
                        effective_date=date(2026, 1, 1),
                        term_date=date(9999, 12, 31),
                        reason="New Enrollee",
                        assigned_by="Carrier",
                        request_received_date=date(2025, 12, 1),
                        created_at=NOW,
                    )
                )
    await uow.session.flush()
    return fam
