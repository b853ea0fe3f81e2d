"""Shared response shapes: problem documents and pages."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class StrictModel(BaseModel):
    """Request bodies: unknown or read-only fields are refused (mass assignment), strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    """Response bodies whose every field is always sent (FastAPI serializes the whole model): a field with a default
    is `required` in the contract too, so generated clients need not treat it as optional (issue 16)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class FieldErrorOut(BaseModel):
    field: str = Field(description="Dotted path of the field, e.g. `state_registrations.0.zip_code`")
    code: str = Field(description="Stable machine-readable code")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem document (`application/problem+json`)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable error code")
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldErrorOut] | None = None


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


class Accepted(ResponseModel):
    """202 acknowledgement; never reveals whether an account exists."""

    status: str = "accepted"
    message: str
