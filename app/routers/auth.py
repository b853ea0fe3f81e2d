"""Sign-in, tokens and account recovery (R-AUTH-3, R-AUTH-4, R-AUTH-5, R-AUTH-9)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Response, status

from app.deps import Ctx, OptionalPrincipal, RateLimited, ReqCtx
from app.domain.errors import FieldError, ValidationFailed
from app.errors import HTTP_TITLES, PROBLEM_MEDIA_TYPE, error_responses
from app.schemas.auth import (
    ForgotUsernameRequest,
    GrantType,
    LogoutRequest,
    PasswordResetRequest,
    RefreshRequest,
    TokenProblem,
    TokenResponse,
)
from app.schemas.common import Accepted
from app.schemas.delegates import (
    EmailVerificationRequest,
    EmailVerified,
    MfaSend,
    MfaTokenResponse,
    MfaVerify,
    OtpRequest,
    PasswordSet,
)
from app.services import auth as auth_service
from app.services import delegates as delegate_service
from app.services.sessions import TokenPair

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

RECOVERY_ACCEPTED = (
    "If the details match an account, we have sent an email to the address on file. "
    "Check your spam or junk folder if it does not arrive."
)


def _tokens(pair: TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
        must_change_password=pair.must_change_password,
    )


def token_error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        s: {
            "model": TokenProblem,
            "description": HTTP_TITLES.get(s, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/TokenProblem"}}},
        }
        for s in statuses
    }


def _grant_fields(grant: str, given: dict[str, str | None], required: tuple[str, ...]) -> None:
    """Each grant's own parameters: the required ones present, the other grant's refused (not ignored)."""
    errors = [FieldError(name, "required", "This field is required.") for name in required if given[name] is None]
    errors += [
        FieldError(name, "not_allowed", f"{name} is not a parameter of grant_type={grant}.")
        for name, value in given.items()
        if value is not None and name not in required and name != "device_token"
    ]
    if grant == "refresh_token" and given["device_token"] is not None:
        errors.append(FieldError("device_token", "not_allowed", "device_token belongs to grant_type=password."))
    if errors:
        detail = (
            f"{errors[0].field}: {errors[0].message}"
            if len(errors) == 1
            else f"{len(errors)} fields are missing or invalid."
        )
        raise ValidationFailed(detail, errors=errors)


@router.post(
    "/token",
    operation_id="signIn",
    summary="Sign in or refresh (OAuth2 password and refresh_token grants)",
    dependencies=[RateLimited],
    responses=token_error_responses(400, 401, 403, 413, 415, 422, 423, 429, 503),
)
async def sign_in(
    ctx: Ctx,
    req: ReqCtx,
    grant_type: Annotated[GrantType | None, Form(description="`password` (the default) or `refresh_token`")] = None,
    username: Annotated[str | None, Form(min_length=1, max_length=64, description="grant_type=password")] = None,
    password: Annotated[str | None, Form(min_length=1, max_length=128, description="grant_type=password")] = None,
    refresh_token: Annotated[
        str | None, Form(min_length=1, max_length=200, description="grant_type=refresh_token")
    ] = None,
    scope: Annotated[str, Form(max_length=200)] = "",
    device_token: Annotated[str | None, Form(max_length=200, description="Delegates: a remembered device")] = None,
) -> TokenResponse:
    """OAuth 2.0 token endpoint (RFC 6749), form-encoded.

    `grant_type=password` (or none): `username` and `password` for an access token and a refresh token. Wrong
    credentials 401 (the same whether or not the user exists); the third failure and every try while locked 423;
    pending activation 403. A temporary password signs in with `must_change_password: true`. Delegates without a
    remembered `device_token` get a 401 problem of type `.../mfa-required` carrying an `mfa_token` (R-DEL-6).

    `grant_type=refresh_token`: `refresh_token` for a new pair, exactly like `POST /auth/refresh` (each refresh
    token works once; a reused one ends its session).

    Errors are problem documents that also carry RFC 6749's `error` (`invalid_request`, `invalid_grant`,
    `unsupported_grant_type`, `mfa_required`, `temporarily_unavailable`) and `error_description`.
    """
    given = {"username": username, "password": password, "refresh_token": refresh_token, "device_token": device_token}
    if grant_type == "refresh_token":
        _grant_fields(grant_type, given, ("refresh_token",))
        assert refresh_token is not None
        return _tokens(await auth_service.refresh(ctx=ctx, refresh_token=refresh_token, request=req))
    _grant_fields("password", given, ("username", "password"))
    assert username is not None and password is not None
    return _tokens(
        await auth_service.sign_in(
            ctx=ctx, username=username, password=password, request=req, device_token=device_token
        )
    )


@router.post(
    "/refresh", operation_id="refreshToken", summary="Rotate the refresh token", responses=error_responses(401, 422)
)
async def refresh(ctx: Ctx, req: ReqCtx, body: RefreshRequest) -> TokenResponse:
    """Trade a refresh token for a new pair. Each refresh token works once; a reused one ends its session."""
    return _tokens(await auth_service.refresh(ctx=ctx, refresh_token=body.refresh_token, request=req))


@router.post(
    "/logout",
    operation_id="logout",
    summary="Sign out",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 422),
)
async def logout(ctx: Ctx, req: ReqCtx, principal: OptionalPrincipal, body: LogoutRequest | None = None) -> Response:
    """End the session of the bearer token (or of the refresh token in the body)."""
    await auth_service.logout(
        ctx=ctx, principal=principal, refresh_token=body.refresh_token if body else None, request=req
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/forgot-username",
    operation_id="forgotUsername",
    summary="Email my user name",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[RateLimited],
    responses=error_responses(422, 429),
)
async def forgot_username(ctx: Ctx, req: ReqCtx, body: ForgotUsernameRequest, after: BackgroundTasks) -> Accepted:
    """R-AUTH-4: Agent Unique ID + email (producers) or email alone (delegates). Always 202.

    The look-up and the email happen after the answer, so neither the answer nor its timing tells whether the
    details matched an account."""
    after.add_task(
        auth_service.after_answer,
        "auth.forgot_username",
        partial(
            auth_service.forgot_username,
            ctx=ctx,
            email=str(body.email),
            agent_unique_id=body.agent_unique_id,
            request=req,
        ),
    )
    return Accepted(message=RECOVERY_ACCEPTED)


@router.post(
    "/password-resets",
    operation_id="resetPassword",
    summary="Email a temporary password",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[RateLimited],
    responses=error_responses(422, 429),
)
async def password_reset(ctx: Ctx, req: ReqCtx, body: PasswordResetRequest, after: BackgroundTasks) -> Accepted:
    """R-AUTH-5: user name + email or Agent Unique ID. Always 202; the temporary password lasts 60 minutes.

    The reset happens after the answer (no account enumeration by answer or timing)."""
    ctx.hasher.check_capacity()  # a busy hash pool answers 429 now (for any user name), not a silent drop later
    after.add_task(
        auth_service.after_answer,
        "auth.password_reset",
        partial(
            auth_service.reset_password,
            ctx=ctx,
            username=body.username,
            email=str(body.email) if body.email else None,
            agent_unique_id=body.agent_unique_id,
            request=req,
        ),
    )
    return Accepted(message=RECOVERY_ACCEPTED)


@router.post(
    "/mfa/send",
    operation_id="sendMfaCode",
    summary="Send a sign-in verification code",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[RateLimited],
    responses=error_responses(401, 422, 429),
)
async def mfa_send(ctx: Ctx, req: ReqCtx, body: MfaSend) -> Accepted:
    """R-DEL-6: an 8-character code by email or SMS for the `mfa_token` of a sign-in; re-sends are throttled."""
    await delegate_service.send_mfa_code(ctx=ctx, mfa_token=body.mfa_token, channel=body.channel, request=req)
    return Accepted(message=f"A verification code was sent by {body.channel.value}.")


@router.post(
    "/mfa/verify",
    operation_id="verifyMfaCode",
    summary="Finish sign-in with the code",
    dependencies=[RateLimited],
    responses=error_responses(401, 422, 429),
)
async def mfa_verify(ctx: Ctx, req: ReqCtx, body: MfaVerify) -> MfaTokenResponse:
    """R-DEL-6: the code gives the tokens; `remember_device` adds a `device_token` good for 30 days."""
    pair, device = await delegate_service.verify_mfa(
        ctx=ctx, mfa_token=body.mfa_token, code=body.code, remember_device=body.remember_device, request=req
    )
    return MfaTokenResponse(**_tokens(pair).model_dump(), device_token=device)


@router.post(
    "/email-verifications",
    operation_id="verifyEmail",
    summary="Confirm a delegate's email",
    dependencies=[RateLimited],
    responses=error_responses(422, 429),
)
async def verify_email(ctx: Ctx, req: ReqCtx, body: EmailVerificationRequest) -> EmailVerified:
    """R-DEL-2: the token from the welcome email's link; valid 7 days, once."""
    user = await delegate_service.verify_email(ctx=ctx, token=body.token, request=req)
    return EmailVerified(
        username=user.username,
        message="Email verification complete. Now create your password: ask for a verification code by email or "
        "text, then choose your password with it.",
    )


@router.post(
    "/otp",
    operation_id="requestOtp",
    summary="Send a code to create or reset a delegate password",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[RateLimited],
    responses=error_responses(422, 429),
)
async def request_otp(ctx: Ctx, req: ReqCtx, body: OtpRequest, after: BackgroundTasks) -> Accepted:
    """R-DEL-3 / R-DEL-7: username + email or SMS. 202, the code sent after the answer (no account enumeration by
    answer or timing); 429 with `Retry-After` when a code was asked for this username less than
    PORTAL_OTP_MIN_RESEND_SECONDS ago or PORTAL_OTP_MAX_SENDS_PER_HOUR times this hour - counted per username as
    typed, whether or not it belongs to a delegate, so the 429 says nothing about the account either."""
    await delegate_service.admit_password_code_request(ctx=ctx, username=body.username, request=req)
    after.add_task(
        auth_service.after_answer,
        "otp.requested",
        partial(
            delegate_service.request_password_code, ctx=ctx, username=body.username, channel=body.channel, request=req
        ),
    )
    return Accepted(message="If the username belongs to a verified delegate, a verification code was sent.")


@router.post(
    "/password",
    operation_id="setDelegatePassword",
    summary="Create or reset a delegate password",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[RateLimited],
    responses=error_responses(422, 429),
)
async def set_password(ctx: Ctx, req: ReqCtx, body: PasswordSet) -> Response:
    """R-DEL-3/4/7: the code plus a new password (8-64, a letter and a digit, not the username, not reused).

    Any code that does not work - wrong, expired, used, burned, none sent, or no such delegate - answers the
    same 422 `otp.invalid`, no sooner than PORTAL_OTP_FAILURE_FLOOR_SECONDS (no account enumeration)."""
    await delegate_service.set_password(
        ctx=ctx, username=body.username, code=body.code, new_password=body.new_password, request=req
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
