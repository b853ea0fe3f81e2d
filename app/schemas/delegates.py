"""Delegate management and delegate sign-in schemas (R-DEL-1 .. R-DEL-8)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field

from app.domain import vocabulary as v
from app.domain.delegates import OtpChannel
from app.schemas.auth import TokenResponse
from app.schemas.common import ResponseModel, StrictModel

StateCode = Annotated[str, Field(min_length=2, max_length=2, examples=["IL"])]


class DelegateCreate(StrictModel):
    username: Annotated[
        str,
        Field(
            min_length=1,
            max_length=64,
            examples=["jessassist1"],
            description="At least 7 letters and digits; unique across all users",
        ),
    ]
    email: EmailStr
    first_name: Annotated[str, Field(min_length=1, max_length=100)]
    last_name: Annotated[str, Field(min_length=1, max_length=100)]
    mobile_number: Annotated[str, Field(min_length=1, max_length=20, examples=["3125550123"])]
    states: Annotated[list[StateCode], Field(min_length=1, max_length=10, description="A subset of your active states")]


class DelegateRead(BaseModel):
    id: int
    username: str
    email: str | None
    first_name: str
    last_name: str
    mobile_number: str | None
    states: list[str]
    status: v.DelegateStatus = Field(description="email_not_verified, password_not_created, active or removed")
    email_verified: bool
    locked: bool
    created_at: datetime


class EmailVerificationRequest(StrictModel):
    token: Annotated[str, Field(min_length=1, max_length=200)]


class EmailVerified(ResponseModel):
    status: Literal["verified"] = "verified"
    username: str
    message: str


class OtpRequest(StrictModel):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    channel: OtpChannel


class PasswordSet(StrictModel):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    code: Annotated[str, Field(min_length=1, max_length=16)]
    new_password: Annotated[str, Field(min_length=1, max_length=128)]


class MfaSend(StrictModel):
    mfa_token: Annotated[str, Field(min_length=1, max_length=200)]
    channel: OtpChannel


class MfaVerify(StrictModel):
    mfa_token: Annotated[str, Field(min_length=1, max_length=200)]
    code: Annotated[str, Field(min_length=1, max_length=16)]
    remember_device: bool = False


class MfaTokenResponse(TokenResponse):
    device_token: str | None = Field(
        None, description="Present when remember_device was true: send it as `device_token` at sign-in for 30 days"
    )
