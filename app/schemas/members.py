"""Member search rows, client detail and contact changes (R-MEM-4, R-MEM-5, R-CIC)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, WithJsonSchema

from app.domain import vocabulary as v
from app.domain.members import PhoneType
from app.domain.quotes import Sex
from app.schemas.common import StrictModel


class MemberSearchRow(BaseModel):
    """One row of "View Search Results" (R-MEM-4)."""

    last_name: str
    first_name: str
    record_type: v.RecordType = Field(description="Policy, or Application for a submitted application (R-ENR-15)")
    e_app_number: str | None
    client_app_id: str | None
    member_count: int
    group_number: str
    account_number: str
    status: v.SearchStatus
    product_type: v.ProductType = Field(
        description="The guide's Product Type column; `exchange` says the same as on / off"
    )
    exchange: v.Exchange = Field(description="on or off (the one spelling of the exchange across the API)")
    product_name: str
    coverage: v.Coverage
    coverage_effective_date: date
    paid_to_date: date | None
    termed_date: date | None
    producer_name: str
    producer_number: str
    policy_id: str

    @classmethod
    def of(cls, row: Any, *, producer_name: str) -> MemberSearchRow:
        """A search row (`repositories.members.SearchRow`): a policy by its id, a submitted application (R-ENR-15)
        as `application-<id>`."""
        values = {k: v for k, v in vars(row).items() if k not in ("policy_id", "application_id")}
        record_id = str(row.policy_id) if row.application_id is None else f"application-{row.application_id}"
        exchange = v.EXCHANGE_OF[v.ProductType(row.product_type)]
        return cls(**values, exchange=exchange, policy_id=record_id, producer_name=producer_name)


class Address(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    address1: str
    address2: str | None
    city: str
    state: str
    zip_code: str
    county: str | None


class Phones(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    home: str | None
    cell: str | None
    work: str | None
    spouse_cell: str | None
    fax: str | None


class PcpRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    medical_group_number: str
    medical_group_name: str
    pcp_number: str
    physician_name: str
    phone: str
    effective_date: date
    term_date: date


class MemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    member_id: str
    member_number: str
    first_name: str
    middle_initial: str | None
    last_name: str
    relationship: v.Relationship
    date_of_birth: date
    sex: Sex
    coverage_start: date
    coverage_end: date | None
    uses_primary_contact: bool = Field(description="R-CIC-5: dependents under 18 use the primary's phone and email")
    pcp: PcpRead | None


class PolicyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    policy_id: str
    product_name: str
    coverage: v.Coverage
    product_type: v.ProductType
    network_type: v.NetworkType
    requires_pcp: bool
    status: v.PolicyStatus
    exchange: v.Exchange
    group_number: str
    coverage_effective_date: date
    paid_to_date: date | None
    termination_date: date | None
    plan_id: str
    e_app_number: str | None
    client_app_id: str | None
    exchange_assigned_id: str | None
    pending_application_id: str | None
    producer_number: str
    grandfathered: bool
    temporary_plan: bool
    member_count: int
    members: list[MemberRead]


class ContactChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: v.ContactChangeStatus = Field(description="pending until effective_at, then applied")
    requested_at: datetime
    effective_at: datetime
    current: dict[str, Any] | None
    updated: dict[str, Any] | None


class ClientDetailRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account_number: str
    first_name: str
    middle_initial: str | None
    last_name: str
    date_of_birth: date
    ssn_last4: str = Field(description="Only the last 4 digits are ever returned (R-MEM-7)")
    address: Address
    email: str | None
    phones: Phones
    policies: list[PolicyRead]
    pending_contact_changes: list[ContactChangeRead]


class PhoneChange(StrictModel):
    # R-CIC-2: the domain checks the value (its own codes); the schema documents the list.
    type: Annotated[
        str | None,
        Field(default=None, max_length=20, description="home, cellular, work or fax"),
        WithJsonSchema({"anyOf": [{"type": "string", "enum": [t.value for t in PhoneType]}, {"type": "null"}]}),
    ] = None
    number: Annotated[str, Field(min_length=1, max_length=20)]
    extension: Annotated[str | None, Field(default=None, max_length=10)] = None
    send_text: bool = False


class ContactChangeCreate(StrictModel):
    phones: Annotated[list[PhoneChange], Field(default_factory=list, max_length=5)]
    email: EmailStr | None = None
    # issue 16: ids are strings in JSON, as `member_id` in the answers; an integer is still read (deprecated).
    member_id: Annotated[
        int | None,
        Field(
            default=None,
            ge=1,
            le=2**62,
            description="Whose contact details (the primary insured only): the `member_id` as the API returns it, "
            "a string of digits (an integer is still accepted, deprecated)",
        ),
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "string", "pattern": "^[0-9]{1,18}$"},
                    {"type": "integer", "minimum": 1, "maximum": 2**62, "deprecated": True},
                    {"type": "null"},
                ]
            }
        ),
    ] = None
