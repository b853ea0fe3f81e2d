"""Rows for service unit tests, written straight into a FakeStore as committed data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from app.domain.accounts import Principal, Role
from app.domain.dates import OPEN_END_DATE
from app.repositories.orm import (
    Account,
    MedicalGroup,
    MedicalGroupNetwork,
    Member,
    PcpAssignment,
    Plan,
    Policy,
    PolicyMember,
    StateRegistration,
    User,
)
from app.services.audit import RequestContext
from tests.fakes import START, FakeStore

REQUEST = RequestContext(ip="203.0.113.9", user_agent="unit-test", request_id="req-1")


def producer(
    store: FakeStore, username: str = "demoagent", *, now: datetime = START, states: tuple[str, ...] = ("IL",)
) -> Principal:
    user = store.seed(
        User(
            role="producer",
            username=username,
            password_hash="x",
            first_name="Dana",
            last_name="Demo",
            email=f"{username}@example.com",
            status="active",
            created_at=now,
            updated_at=now,
        )
    )
    for i, state in enumerate(states):
        store.seed(
            StateRegistration(
                user_id=user.id,
                registration_id=1,
                state=state,
                address1="1 Main",
                city="Chicago",
                address_state=state,
                zip_code="60601",
                agent_unique_id=f"22000258{i}",
                phone="3125550100",
                email=f"{username}@example.com",
                status="active",
                created_at=now,
            )
        )
    return Principal(user.id, username, Role.producer, "Dana", "Demo", "session-1")


def medical_group(
    store: FakeStore, number: str, *, networks: tuple[str, ...] = ("T-HMO",), accepting: bool = True
) -> MedicalGroup:
    group = store.seed(
        MedicalGroup(
            medical_group_number=number,
            medical_group_name=f"Group {number}",
            pcp_number=f"P{number}",
            pcpa_number=f"A{number}",
            npi="1234567890",
            physician_name="Dr Test",
            accepting_new_patients=accepting,
            address1="1 Clinic Way",
            city="Chicago",
            state="IL",
            zip_code="60601",
            phone="3125550199",
        )
    )
    for code in networks:
        store.seed(MedicalGroupNetwork(medical_group_id=group.id, network_code=code))
    return group


@dataclass
class Family:
    account: Account
    policy: Policy
    members: dict[str, Member] = field(default_factory=dict)  # primary, spouse, child


def family(
    store: FakeStore,
    producer_id: int,
    *,
    account_number: str = "100200300",
    plan_id: str = "T-HMO-1",
    current_group: MedicalGroup | None = None,
    last_name: str = "Tester",
    now: datetime = START,
) -> Family:
    """An IL account with an HMO policy covering primary, spouse and a child, each assigned to `current_group`."""
    if store.get(Plan, plan_id) is None:
        store.seed(
            Plan(
                plan_id=plan_id,
                name="Blue Precision Bronze HMO 205",
                coverage="medical",
                metal_level="bronze",
                network_type="HMO",
                requires_pcp=True,
                exchange="off",
                state="IL",
                network_code="T-HMO",
                plan_year=2026,
                group_number="IB2121",
                customer_service_phone="8005551212",
            )
        )
    account = store.seed(
        Account(
            account_number=account_number,
            producer_id=producer_id,
            first_name="Pat",
            last_name=last_name,
            first_name_key="pat",
            last_name_key=last_name.lower(),
            date_of_birth=date(1980, 1, 1),
            sex="female",
            ssn_last4="1234",
            address1="1 Main St",
            city="Chicago",
            state="IL",
            zip_code="60601",
            email="pat@example.com",
            email_key="pat@example.com",
            phone_home="3125550100",
            phone_details={},
            created_at=now,
            updated_at=now,
        )
    )
    policy = store.seed(
        Policy(
            account_id=account.id,
            producer_id=producer_id,
            producer_number="220002580",
            plan_id=plan_id,
            product_name="Blue Precision Bronze HMO 205",
            coverage="medical",
            network_type="HMO",
            requires_pcp=True,
            exchange="off",
            group_number="IB2121",
            status="Active",
            coverage_effective_date=date(2026, 1, 1),
            member_count=3,
            created_at=now,
        )
    )
    fam = Family(account, policy)
    for suffix, (key, relationship, first, born) in enumerate(
        (
            ("primary", "primary", "Pat", date(1980, 1, 1)),
            ("spouse", "spouse", "Sam", date(1981, 2, 2)),
            ("child", "child", "Kim", date(2015, 3, 3)),
        ),
        start=1,
    ):
        member = store.seed(
            Member(
                account_id=account.id,
                producer_id=producer_id,
                suffix=f"{suffix:02d}",
                relationship=relationship,
                first_name=first,
                last_name=last_name,
                date_of_birth=born,
                sex="female",
            )
        )
        store.seed(PolicyMember(policy_id=policy.id, member_id=member.id, coverage_start=date(2026, 1, 1)))
        if current_group is not None:
            store.seed(
                PcpAssignment(
                    member_id=member.id,
                    policy_id=policy.id,
                    medical_group_id=current_group.id,
                    effective_date=date(2026, 1, 1),
                    term_date=OPEN_END_DATE,
                    reason="New Enrollee",
                    assigned_by="Carrier",
                    request_received_date=date(2025, 12, 1),
                    created_at=now,
                )
            )
        fam.members[key] = member
    return fam
