"""Sign-in, tokens and recovery schemas (R-AUTH-3 .. R-AUTH-5, R-AUTH-9)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import EmailStr, Field, model_validator

from app.schemas.common import Problem, ResponseModel, StrictModel

GrantType = Literal["password", "refresh_token"]
OAuthError = Literal[
    "invalid_request",
    "invalid_grant",
    "unsupported_grant_type",
    "mfa_required",
    "temporarily_unavailable",
    "server_error",
]


class TokenResponse(ResponseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str
    must_change_password: bool = False


class TokenProblem(Problem):
    """A problem document from `POST /auth/token`: the problem fields plus RFC 6749's `error` (section 5.2).

    `code` and `status` are those of the rest of the API; `error` is what an OAuth 2.0 client reads:
    `invalid_request` (missing, invalid or extra parameters, wrong media type), `unsupported_grant_type`,
    `invalid_grant` (wrong credentials, locked or pending account, an invalid or reused refresh token),
    `mfa_required` (a delegate's second factor, with `mfa_token`), `temporarily_unavailable` (429, 503),
    `server_error` (500)."""

    error: OAuthError = Field(description="RFC 6749 section 5.2 error code")
    error_description: str | None = Field(default=None, description="The problem's `detail`")
    mfa_token: str | None = Field(default=None, description="`mfa_required` only: for /auth/mfa/send and /verify")


class RefreshRequest(StrictModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class LogoutRequest(StrictModel):
    refresh_token: Annotated[str | None, Field(default=None, max_length=200)] = None


class ForgotUsernameRequest(StrictModel):
    """Producers send `agent_unique_id` and `email`; delegates send `email` alone."""

    agent_unique_id: Annotated[str | None, Field(default=None, max_length=20)] = None
    email: EmailStr


class PasswordResetRequest(StrictModel):
    """`username` plus `email` or `agent_unique_id` (R-AUTH-5)."""

    username: Annotated[str, Field(min_length=1, max_length=64)]
    email: EmailStr | None = None
    agent_unique_id: Annotated[str | None, Field(default=None, max_length=20)] = None

    @model_validator(mode="after")
    def _one_identifier(self) -> PasswordResetRequest:
        if not self.email and not self.agent_unique_id:
            raise ValueError("Give the email address on file or the Agent Unique ID.")
        return self
