"""Prospect schemas (R-PRO-1 .. R-PRO-4).

Request models check shape only (types, sizes, unknown fields, email syntax); the business rules of
R-PRO-1 (required values, state, zip, phones, initial, agent number) are checked by the domain, all at
once. Blank optional values count as not given, so a form can send "" for an empty field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StrictInt,
    WithJsonSchema,
    model_validator,
)

from app.domain.prospects import BULK_DELETE_MAX
from app.schemas.common import ResponseModel, StrictModel
from app.schemas.quotes import ProposalQuoteIn, QuoteRead


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _empty_to_none(value: Any) -> Any:
    return None if value == "" else value


Name = Annotated[str, Field(max_length=100, examples=["Jessica"])]
Text100 = Annotated[str, Field(max_length=100)]
Text200 = Annotated[str, Field(max_length=200)]
Blank = BeforeValidator(_blank_to_none)
OptText = Annotated[Text200 | None, Blank]
OptCity = Annotated[Text100 | None, Blank, Field(examples=["Chicago"])]
OptPhone = Annotated[
    Annotated[str, Field(max_length=32)] | None,
    Blank,
    Field(description="10 digits; punctuation is ignored", examples=["(312) 555-0100"]),
]
# "" (an empty form field) means no email; the schema says so, so anything else must be an address.
OptEmail = Annotated[
    EmailStr | None,
    BeforeValidator(_empty_to_none),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}, {"type": "null"}],
            "title": "Email",
            "examples": ["jessica.tester@example.com"],
        }
    ),
]
OptInitial = Annotated[
    Annotated[str, Field(max_length=1)] | None, Blank, Field(description="One letter", examples=["K"])
]
OptAgent = Annotated[
    Annotated[str, Field(max_length=20)] | None,
    Blank,
    Field(
        description="The nine-digit producer number (Agent Unique ID) of the agent the prospect is assigned to",
        examples=["220002580"],
    ),
]
State = Annotated[str, Field(max_length=2, description="Two-letter US state code", examples=["IL"])]
Zip = Annotated[str, Field(max_length=10, description="5 digits", examples=["60601"])]
ProspectIdItem = Annotated[StrictInt, Field(ge=1, le=2**62)]


class ProspectFields(StrictModel):
    middle_initial: OptInitial = None
    address1: OptText = None
    address2: OptText = None
    city: OptCity = None
    phone: OptPhone = None
    cell_phone: OptPhone = None
    email: OptEmail = None
    assigned_agent_number: OptAgent = None


class ProspectCreate(ProspectFields):
    """R-PRO-1: first name, last name, state and zip code are required; the rest is optional."""

    first_name: Name
    last_name: Name
    state: State
    zip_code: Zip
    create_proposal: StrictBool = Field(
        False,
        description='R-PRO-4 "Save and Create Proposal": also start a quote '
        "for this prospect (`quote` then says for whom, where and from when); the answer's `proposal` is "
        "that quote",
    )
    quote: ProposalQuoteIn | None = Field(
        None,
        description="With `create_proposal`: the quote's county, effective date, coverage, the applicant's birth "
        "date and sex, spouse and dependents; the applicant's names and the zip code come from the prospect",
    )

    @model_validator(mode="after")
    def _proposal_needs_quote(self) -> ProspectCreate:
        if self.create_proposal and self.quote is None:
            raise ValueError(
                "Save and Create Proposal needs the quote details: county, effective date, coverage and the "
                "applicant's date of birth and sex.",
            )
        if self.quote is not None and not self.create_proposal:
            raise ValueError(
                "Quote details are used only with create_proposal: true; send both or neither.",
            )
        return self


class ProspectUpdate(ProspectFields):
    """Only the fields sent change; null clears an optional field (required ones cannot be cleared)."""

    first_name: Text100 | None = None
    last_name: Text100 | None = None
    state: Annotated[str, Field(max_length=2)] | None = None
    zip_code: Annotated[str, Field(max_length=10)] | None = None


class ProspectRead(ResponseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    first_name: str
    middle_initial: str | None
    last_name: str
    address1: str | None
    address2: str | None
    city: str | None
    state: str
    zip_code: str
    phone: str | None = Field(description="10 digits")
    cell_phone: str | None = Field(description="10 digits")
    email: str | None
    assigned_agent_number: str | None
    created_at: datetime
    updated_at: datetime


class ProspectCreated(ProspectRead):
    proposal: QuoteRead | None = Field(
        None,
        description="R-PRO-4: the quote created for the prospect when `create_proposal` was true "
        "(as `GET /quotes/{quote_id}` answers it)",
    )


class ProspectBulkDelete(StrictModel):
    ids: Annotated[
        list[ProspectIdItem],
        Field(min_length=1, max_length=BULK_DELETE_MAX, description="The selected prospects; all must be yours"),
    ]


class ProspectsDeleted(BaseModel):
    deleted: int
