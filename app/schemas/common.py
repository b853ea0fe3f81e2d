"""Shared response shapes: problem documents and pages."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from app.domain.vocabulary import PaymentStatus
from app.error_codes import CATALOG

T = TypeVar("T")


class StrictModel(BaseModel):
    """Request bodies: unknown or read-only fields are refused (mass assignment), strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    """Response bodies whose every field is always sent (FastAPI serializes the whole model): a field with a default
    is `required` in the contract too, so generated clients need not treat it as optional (issue 16)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


# Every code the API can answer (app/error_codes.py); /docs/errors lists each with its status and meaning.
ERROR_CODES: list[JsonValue] = list(sorted(CATALOG))
CATALOG_LINK = "the catalog at `/docs/errors` gives each code's status and meaning"


class FieldErrorOut(BaseModel):
    field: str = Field(description="Dotted path of the field, e.g. `state_registrations.0.zip_code`")
    code: str = Field(
        description=f"Stable machine-readable code; {CATALOG_LINK}", json_schema_extra={"enum": ERROR_CODES}
    )
    message: str = Field(description="What is wrong with the field, for a person to act on")


class Problem(BaseModel):
    """RFC 9457 problem document (`application/problem+json`)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(
        description=f"Stable machine-readable error code; {CATALOG_LINK}", json_schema_extra={"enum": ERROR_CODES}
    )
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldErrorOut] | None = Field(
        default=None,
        description="Every field error of the request at once, in one pass: the request schema's (`required`, "
        "`invalid_type`, `invalid_format`, ...) first, then the business rules' (`prospect.zip_code_invalid`, ...) "
        "on the other fields; rules that look up stored data (a zip code's counties, your book) answer once the "
        "rest is valid",
    )
    # Members some problems add (declared, so generated clients can read them); absent elsewhere.
    mfa_token: str | None = Field(
        default=None, description="`mfa_required` (a delegate's sign-in): send it to the second-factor operations"
    )
    channels: list[str] | None = Field(default=None, description="`mfa_required`: where a code can be sent")
    destinations: dict[str, str] | None = Field(
        default=None, description="`mfa_required`: the masked email address and phone number per channel"
    )
    expires_in: int | None = Field(default=None, description="`mfa_required`: seconds the `mfa_token` stays valid")
    application_id: int | None = Field(
        default=None, description="`enrollment.application_exists`: the incomplete application of the quote"
    )
    current_version: int | None = Field(
        default=None, description="`precondition_failed`/`conflict` on a versioned resource: its version now"
    )
    choices: list[str] | None = Field(default=None, description="The values that would have been accepted")
    counties: list[dict[str, str]] | None = Field(
        default=None, description="`county` problems of a quote or application: the counties of the ZIP code"
    )
    checks: dict[str, str | None] | None = Field(default=None, description="`/readyz`: each dependency's state")
    accepted_media_types: list[str] | None = Field(
        default=None, description="`unsupported_media_type`: the media types the operation reads"
    )
    missing_ids: list[int] | None = Field(default=None, description="Ids of the request that were not found")
    on_exchange_plan_ids: list[str] | None = Field(
        default=None, description="Plans of the request that are on-exchange (not sold through this portal)"
    )
    payment_id: int | None = Field(default=None, description="`payment.*` conflicts: the payment concerned")
    payment_status: PaymentStatus | None = Field(default=None, description="`payment.exists`: that payment's status")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


class Accepted(ResponseModel):
    """202 acknowledgement; never reveals whether an account exists."""

    status: Literal["accepted"] = "accepted"
    message: str
