"""ID card requests, the provider directory and PCP changes (R-ID, R-PCP)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, field_validator

from app.domain import vocabulary as v
from app.domain.pcp import Validation
from app.schemas.common import StrictModel

Id = Annotated[int, Field(ge=1, le=2**62)]
IdText = Annotated[str, Field(pattern=r"^\d{1,18}$", description="An id as returned by the API")]
AccountNumber = Annotated[str, Field(pattern=r"^\d{5,12}$")]


class IdCardRequestCreate(StrictModel):
    account_number: AccountNumber
    kind: Literal["temporary", "permanent"]
    policy_id: IdText
    member_ids: Annotated[
        list[IdText] | None, Field(default=None, max_length=25, description="Plans with a PCP only: who gets a card")
    ] = None
    quantity: Annotated[
        int | None, Field(default=None, ge=1, le=50, description="Copies, for permanent cards of plans without a PCP")
    ] = None


class IdCardLine(BaseModel):
    member_id: str
    member_name: str
    relationship: v.Relationship
    quantity: int


class IdCardRequestRead(BaseModel):
    id: int
    kind: v.IdCardKind
    status: v.IdCardStatus = Field(description="Generated (temporary, a PDF) or Requested (permanent, mailed)")
    source: v.IdCardSource = Field(description="producer, or pcp_change when a PCP change requested it")
    account_number: str
    policy_id: str
    product_name: str
    requested_at: datetime
    cards: list[IdCardLine]
    pdf_url: str | None


class ProviderRead(BaseModel):
    medical_group_number: str
    medical_group_name: str
    pcp_number: str
    pcpa_number: str
    npi: str
    physician_name: str
    accepting_new_patients: bool
    networks: list[str]
    address1: str
    city: str
    state: str
    zip_code: str
    phone: str


class PcpMemberChange(StrictModel):
    member_id: IdText
    reason: Annotated[str, Field(min_length=1, max_length=60, examples=["Concern With Service"])]


class PcpChangeCreate(StrictModel):
    account_number: AccountNumber
    policy_id: IdText
    provider_number: Annotated[str, Field(min_length=1, max_length=12, examples=["124"])]
    effective_date: date
    term_date: date | None = Field(None, description="Defaults to and must stay 9999-12-31 (R-PCP-6)")
    members: Annotated[list[PcpMemberChange], Field(min_length=1, max_length=25)]
    accept_warnings: bool = False
    dry_run: bool = True


# Ids are integers in the domain and strings on the wire (api.md: ids are strings; they exceed 2**53).
IdOut = Annotated[int, PlainSerializer(str, return_type=str), WithJsonSchema({"type": "string"})]
OptionalIdOut = Annotated[
    int | None,
    PlainSerializer(lambda v: None if v is None else str(v), return_type=str | None),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "null"}]}),
]


class PcpError(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    member_id: OptionalIdOut
    code: str
    message: str


class PcpWarning(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    message: str


class PcpAssignmentView(BaseModel):  # one side of "current vs updated" (R-PCP-8)
    model_config = ConfigDict(from_attributes=True)

    medical_group_number: str
    medical_group_name: str
    effective_date: date
    term_date: date
    request_received_date: date
    assigned_by: str
    reason: str


class PcpMemberChangeView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    member_id: IdOut
    name: str
    relationship: v.Relationship
    current: PcpAssignmentView | None
    updated: PcpAssignmentView | None


# Built from the domain's `Validation` (`from_validation`), attribute by attribute.
class PcpValidationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    valid: bool
    errors: list[PcpError]
    warnings: list[PcpWarning]
    # The published contract documents each change as a free-form object; what is sent is `PcpMemberChangeView`.
    changes: list[dict[str, Any]]

    @field_validator("changes", mode="before")
    @classmethod
    def _member_changes(cls, value: list[Any]) -> list[Any]:
        return [c if isinstance(c, dict) else PcpMemberChangeView.model_validate(c).model_dump() for c in value]

    @classmethod
    def from_validation(cls, validation: Validation) -> PcpValidationRead:
        return cls.model_validate(validation, from_attributes=True)


class PcpChangeDone(PcpValidationRead):
    id: int
    message: str
    id_card_request_ids: list[int]

    @classmethod
    def finished(
        cls, validation: Validation, *, change_id: int, message: str, id_card_request_ids: list[int]
    ) -> PcpChangeDone:
        read = PcpValidationRead.from_validation(validation)
        return cls(**dict(read), id=change_id, message=message, id_card_request_ids=id_card_request_ids)


class PcpChangeMemberRead(BaseModel):
    member_id: str
    name: str
    relationship: v.Relationship
    reason: str


class PcpChangeRead(BaseModel):
    id: int
    account_number: str
    policy_id: str
    medical_group_number: str
    medical_group_name: str
    effective_date: date
    term_date: date
    created_at: datetime
    warnings_accepted: list[str]
    members: list[PcpChangeMemberRead]


class PcpReason(BaseModel):
    reason: str
    dependents_only: bool


class PcpHistoryRow(BaseModel):
    policy_id: str
    medical_group_number: str
    medical_group_name: str
    effective_date: date
    term_date: date
    reason: str
    end_reason: str | None
    assigned_by: str
    request_received_date: date
