"""Demo data (api.md "Demo data"): deterministic, loaded on a fresh database in demo mode only.

The sign-ins below, then the demo book of business (`demo/book.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.adapters.hashing import PasswordHasher
from app.clock import Clock
from app.demo.book import load_demo_book
from app.domain.accounts import AccountStatus, Role
from app.repositories.orm import Registration, StateRegistration, User
from app.repositories.uow import SqlUnitOfWork


@dataclass(frozen=True)
class DemoState:
    state: str
    agent_unique_id: str
    city: str
    zip_code: str
    phone: str


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: Role
    first_name: str
    last_name: str
    email: str
    status: AccountStatus
    states: tuple[DemoState, ...] = ()


DEMO_USERS = (
    DemoUser(
        "admin", "Admin123", Role.admin, "Pat", "Services", "producer.services@carrier.example", AccountStatus.active
    ),
    DemoUser(
        "demoagent",
        "Demo1234",
        Role.producer,
        "Dana",
        "Demo",
        "demoagent@agency.example",
        AccountStatus.active,
        (
            DemoState("IL", "220002580", "Chicago", "60601", "3125550100"),
            DemoState("TX", "220002581", "Dallas", "75201", "2145550100"),
        ),
    ),
    DemoUser(
        "otheragent",
        "Other123",
        Role.producer,
        "Oscar",
        "Other",
        "otheragent@agency.example",
        AccountStatus.active,
        (DemoState("IL", "330003690", "Chicago", "60601", "3125550199"),),
    ),
    # A registration waiting for activation, so an admin can try the flow in Swagger UI.
    DemoUser(
        "newagent",
        "New12345",
        Role.producer,
        "Nina",
        "Newcomer",
        "newagent@agency.example",
        AccountStatus.pending,
        (DemoState("IL", "440004700", "Chicago", "60601", "3125550142"),),
    ),
)


async def seed_demo(uow: SqlUnitOfWork, hasher: PasswordHasher, clock: Clock) -> list[str]:
    """Create the demo sign-ins that do not exist yet, then the demo book unless it is there; returns the user
    names created."""
    now = clock.now()
    created = []
    async with uow:
        for demo in DEMO_USERS:
            if await uow.users.username_taken(demo.username):
                continue
            user = uow.users.add(
                User(
                    role=demo.role.value,
                    username=demo.username,
                    password_hash=hasher.hash_sync(demo.password),
                    first_name=demo.first_name,
                    last_name=demo.last_name,
                    email=demo.email,
                    status=demo.status.value,
                    failed_sign_ins=0,
                    must_change_password=False,
                    created_at=now,
                    updated_at=now,
                    password_changed_at=now,
                    activated_at=now if demo.status is AccountStatus.active else None,
                )
            )
            await uow.flush()
            if demo.states:
                active = demo.status is AccountStatus.active
                reg = uow.registrations.add(
                    Registration(
                        user_id=user.id,
                        kind="new_account",
                        status="active" if active else "pending",
                        created_at=now,
                        decided_at=now if active else None,
                    )
                )
                await uow.flush()
                for st in demo.states:
                    uow.state_registrations.add(
                        StateRegistration(
                            user_id=user.id,
                            registration_id=reg.id,
                            state=st.state,
                            company_name=f"{demo.last_name} Insurance Agency",
                            address1="100 N Main St",
                            address2=None,
                            city=st.city,
                            address_state=st.state,
                            zip_code=st.zip_code,
                            agent_unique_id=st.agent_unique_id,
                            phone=st.phone,
                            email=demo.email,
                            status="active" if active else "pending",
                            created_at=now,
                            activated_at=now if active else None,
                        )
                    )
            created.append(demo.username)
        await uow.commit()
    async with uow:
        if await load_demo_book(uow.session, now=now):
            await uow.commit()
    return created


async def has_users(uow: SqlUnitOfWork) -> bool:
    async with uow:
        return (await uow.session.execute(select(User.id).limit(1))).first() is not None
