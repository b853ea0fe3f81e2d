"""Sign-in, tokens and account recovery (R-AUTH-3, R-AUTH-4, R-AUTH-5, R-AUTH-9)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Response, status

from app.deps import Ctx, OptionalPrincipal, RateLimited, ReqCtx
from app.errors import error_responses
from app.schemas.auth import (
    ForgotUsernameRequest,
    LogoutRequest,
    PasswordResetRequest,
    RefreshRequest,
    TokenResponse,
)
from app.schemas.common import Accepted
from app.services import auth as auth_service

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

RECOVERY_ACCEPTED = (
    "If the details match an account, we have sent an email to the address on file. "
    "Check your spam or junk folder if it does not arrive."
)


def _tokens(pair: auth_service.TokenPair) -> TokenResponse:
    return TokenResponse(access_token=pair.access_token, expires_in=pair.expires_in,
                         refresh_token=pair.refresh_token, must_change_password=pair.must_change_password)


@router.post("/token", operation_id="signIn", summary="Sign in (OAuth2 password grant)",
             dependencies=[RateLimited], responses=error_responses(401, 403, 422, 423, 429))
async def sign_in(
    ctx: Ctx,
    req: ReqCtx,
    username: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=128)],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
    scope: Annotated[str, Form(max_length=200)] = "",
) -> TokenResponse:
    """Exchange user name and password for an access token and a refresh token.

    Wrong credentials 401 (the same whether or not the user exists); the third failure and every try
    while locked 423; pending activation 403. A temporary password signs in with
    `must_change_password: true`.
    """
    return _tokens(await auth_service.sign_in(ctx=ctx, username=username, password=password, request=req))


@router.post("/refresh", operation_id="refreshToken", summary="Rotate the refresh token",
             responses=error_responses(401, 422))
async def refresh(ctx: Ctx, req: ReqCtx, body: RefreshRequest) -> TokenResponse:
    """Trade a refresh token for a new pair. Each refresh token works once; a reused one ends its session."""
    return _tokens(await auth_service.refresh(ctx=ctx, refresh_token=body.refresh_token, request=req))


@router.post("/logout", operation_id="logout", summary="Sign out", status_code=status.HTTP_204_NO_CONTENT,
             responses=error_responses(401, 422))
async def logout(ctx: Ctx, req: ReqCtx, principal: OptionalPrincipal,
                 body: LogoutRequest | None = None) -> Response:
    """End the session of the bearer token (or of the refresh token in the body)."""
    await auth_service.logout(ctx=ctx, principal=principal, refresh_token=body.refresh_token if body else None,
                              request=req)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/forgot-username", operation_id="forgotUsername", summary="Email my user name",
             status_code=status.HTTP_202_ACCEPTED, dependencies=[RateLimited], responses=error_responses(422, 429))
async def forgot_username(ctx: Ctx, req: ReqCtx, body: ForgotUsernameRequest) -> Accepted:
    """R-AUTH-4: Agent Unique ID + email (producers) or email alone (delegates). Always 202."""
    await auth_service.forgot_username(ctx=ctx, email=str(body.email), agent_unique_id=body.agent_unique_id,
                                       request=req)
    return Accepted(message=RECOVERY_ACCEPTED)


@router.post("/password-resets", operation_id="resetPassword", summary="Email a temporary password",
             status_code=status.HTTP_202_ACCEPTED, dependencies=[RateLimited], responses=error_responses(422, 429))
async def password_reset(ctx: Ctx, req: ReqCtx, body: PasswordResetRequest) -> Accepted:
    """R-AUTH-5: user name + email or Agent Unique ID. Always 202; the temporary password lasts 60 minutes."""
    await auth_service.reset_password(ctx=ctx, username=body.username,
                                      email=str(body.email) if body.email else None,
                                      agent_unique_id=body.agent_unique_id, request=req)
    return Accepted(message=RECOVERY_ACCEPTED)
