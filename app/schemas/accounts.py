"""Registration, profile and password schemas (R-AUTH-1, R-AUTH-6 .. R-AUTH-8)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from app.domain import vocabulary as v
from app.domain.accounts import AccountStatus, Role
from app.schemas.common import ResponseModel, StrictModel

Name = Annotated[str, Field(min_length=1, max_length=100)]
Line = Annotated[str, Field(min_length=1, max_length=200)]
OptLine = Annotated[str | None, Field(default=None, max_length=200)]
StateCode = Annotated[str, Field(min_length=2, max_length=2, examples=["IL"])]
Password = Annotated[str, Field(min_length=1, max_length=128)]


class StateRegistrationCreate(StrictModel):
    state: StateCode = Field(description="A carrier state: IL, MT, NM, OK or TX by default")
    company_name: OptLine = None
    address1: Line
    address2: OptLine = None
    city: Name
    address_state: StateCode
    zip_code: Annotated[str, Field(min_length=5, max_length=10, examples=["60601"])]
    agent_unique_id: Annotated[
        str, Field(min_length=1, max_length=20, examples=["220002580"], description="Nine-digit producer number")
    ]
    phone: Annotated[str, Field(min_length=1, max_length=20, examples=["3125550100"])]
    email: EmailStr


class RegistrationCreate(StrictModel):
    first_name: Name
    last_name: Name
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Password
    password_confirmation: Password
    state_registrations: Annotated[list[StateRegistrationCreate], Field(min_length=1, max_length=10)]


class RegistrationCreated(BaseModel):
    id: int
    status: v.RegistrationStatus = Field(examples=["pending"])


class StateRegistrationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    state: str
    company_name: str | None
    address1: str
    address2: str | None
    city: str
    address_state: str
    zip_code: str
    agent_unique_id: str
    phone: str
    email: str
    status: v.RegistrationStatus
    created_at: datetime
    activated_at: datetime | None
    decided_at: datetime | None = Field(description="When an admin activated or rejected this state")
    decision_reason: str | None = Field(description="The reason given with the decision (sent by email)")


class MeRead(ResponseModel):
    id: int
    username: str
    role: Role
    first_name: str
    last_name: str
    email: str | None
    status: AccountStatus
    must_change_password: bool
    state_registrations: list[StateRegistrationRead] = Field(
        description="A producer's own registrations; for a delegate, its producer's active registrations in the states "
        "the delegate is assigned: the writing numbers it may use on an application"
    )
    producer_id: int | None = Field(
        default=None, description="For a delegate, the producer it acts for; null for producers and admins"
    )


class StateRegistrationUpdate(StrictModel):
    """Editable per state registration: company, address, phone, email (R-AUTH-6)."""

    id: int
    company_name: OptLine = None
    address1: Annotated[str | None, Field(default=None, min_length=1, max_length=200)] = None
    address2: OptLine = None
    city: Annotated[str | None, Field(default=None, min_length=1, max_length=100)] = None
    address_state: Annotated[str | None, Field(default=None, min_length=2, max_length=2)] = None
    zip_code: Annotated[str | None, Field(default=None, min_length=5, max_length=10)] = None
    phone: Annotated[str | None, Field(default=None, min_length=1, max_length=20)] = None
    email: EmailStr | None = None
    # Not editable: accepted only so that a change attempt gets a clear 422 (R-AUTH-6).
    agent_unique_id: Annotated[str | None, Field(default=None, max_length=20, description="Not editable")] = None
    state: Annotated[str | None, Field(default=None, max_length=2, description="Not editable")] = None


class ProfileUpdate(StrictModel):
    first_name: Annotated[str | None, Field(default=None, max_length=100, description="Not editable")] = None
    last_name: Annotated[str | None, Field(default=None, max_length=100, description="Not editable")] = None
    state_registrations: Annotated[list[StateRegistrationUpdate], Field(default_factory=list, max_length=20)]


class PasswordChange(StrictModel):
    current_password: Password
    new_password: Password
    new_password_confirmation: Password


class StateRegistrationAdded(BaseModel):
    id: int = Field(description="Registration id (what an admin activates)")
    status: v.RegistrationStatus
    state_registration: StateRegistrationRead
