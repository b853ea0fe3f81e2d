"""Shared response shapes: problem documents and pages."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class StrictModel(BaseModel):
    """Request bodies: unknown or read-only fields are refused (mass assignment), strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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


class Accepted(BaseModel):
    """202 acknowledgement; never reveals whether an account exists."""

    status: str = "accepted"
    message: str
