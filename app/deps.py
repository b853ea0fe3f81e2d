"""Dependencies: the app context, the caller (principal), role guards, paging, rate limits."""

from __future__ import annotations

import inspect
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Request, params
from fastapi.security import OAuth2PasswordBearer

from app.api_scopes import required_access
from app.context import AppContext
from app.domain.accounts import PASSWORD_CHANGE_REQUIRED_MESSAGE, AccountStatus, Principal, Role
from app.domain.api_keys import is_api_key
from app.domain.delegates import DELEGATE_NOT_PERMITTED
from app.domain.errors import AuthenticationFailed, DomainError, Forbidden
from app.services import api_keys, audit
from app.services.audit import RequestContext

T = TypeVar("T")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

NOT_SIGNED_IN = "Sign in first, then try again."
SESSION_ENDED = "This session has ended (signed out, password changed or revoked). Sign in again."


def without_threadpool(cls: type[T]) -> Callable[..., Awaitable[T]]:
    """A class dependency as a coroutine with the class's signature.

    FastAPI runs a plain `def` dependency - a class counts - in a worker thread: a thread hop on every request,
    and under load a queue for anyio's 40 threads (measured in `make bench`, docs/benchmarks.md). Parameter
    parsing stays FastAPI's: the coroutine shows the class's own (resolved) parameters.
    """
    signature = inspect.signature(cls, eval_str=True)

    async def build(**kwargs: Any) -> T:
        return cls(**kwargs)

    build.__signature__ = signature.replace(return_annotation=cls)  # type: ignore[attr-defined]
    build.__name__ = f"build_{cls.__name__}"
    return build


async def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]


def client_ip(request: Request, ctx: AppContext) -> str:
    if ctx.settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.client.host if request.client else "unknown"


async def get_request_context(request: Request, ctx: Ctx) -> RequestContext:
    return RequestContext(
        ip=client_ip(request, ctx),
        user_agent=request.headers.get("user-agent"),
        request_id=getattr(request.state, "request_id", None),
    )


ReqCtx = Annotated[RequestContext, Depends(get_request_context)]


async def get_optional_principal(
    request: Request, ctx: Ctx, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> AsyncIterator[Principal | None]:
    """The caller, if a token was sent; for the rest of the request a delegate's audit rows name its producer,
    and those of a call made with an API key name the key."""
    if token and is_api_key(token):
        principal: Principal | None = await _load_key_principal(request, ctx, token)
    else:
        principal = await _load_principal(ctx, token)
    acting = audit.act_for(audit.on_behalf_of(principal))
    keyed = audit.call_with_key(principal.api_key_id if principal else None)
    try:
        yield principal
    finally:
        audit.stop_calling_with_key(keyed)
        audit.stop_acting(acting)


async def _load_key_principal(request: Request, ctx: AppContext, token: str) -> Principal:
    """Issue 17: an API key, checked against the route table (`app.api_scopes`; a route not in it is refused)."""
    route = request.scope.get("route")
    path = str(getattr(route, "path", "") or request.url.path)
    return await api_keys.authenticate(
        ctx=ctx,
        token=token,
        request=await get_request_context(request, ctx),
        method=request.method,
        path=path,
        required=required_access(request.method, path),
    )


async def _load_principal(ctx: AppContext, token: str | None) -> Principal | None:
    if not token:
        return None
    now = ctx.clock.now()
    claims = ctx.tokens.decode_access(token, now=now)
    async with ctx.reads() as reads:
        row = await reads.session_checks.load_principal(claims.session_id, claims.user_id)
    if row is None or row.session_revoked or row.session_expires_at <= now:
        raise AuthenticationFailed(SESSION_ENDED, code="session_revoked")
    if row.status != AccountStatus.active.value:
        raise AuthenticationFailed(SESSION_ENDED, code="session_revoked")
    return Principal(
        user_id=row.user_id,
        username=row.username,
        role=Role(row.role),
        first_name=row.first_name,
        last_name=row.last_name,
        session_id=row.session_id,
        must_change_password=row.must_change_password,
        producer_id=row.producer_id,
    )


async def usable_principal(ctx: AppContext, token: str, *, roles: tuple[Role, ...]) -> Principal | None:
    """The caller of a session token if every check of `CurrentUser` and `require_role(*roles)` passes, else None
    (for a fast handler, `app.routers.fastpath`, which then leaves the request to the declared route: that one
    answers the refusal and audits it)."""
    try:
        principal = await _load_principal(ctx, token)
    except DomainError:
        return None
    if principal is None or principal.must_change_password or principal.role not in roles:
        return None
    return principal


async def get_principal_allowing_password_change(
    principal: Annotated[Principal | None, Depends(get_optional_principal)],
) -> Principal:
    """Signed in, even with a temporary password (GET /me, PUT /me/password, logout: R-AUTH-5)."""
    if principal is None:
        raise AuthenticationFailed(NOT_SIGNED_IN, code="not_authenticated")
    return principal


async def get_principal(
    principal: Annotated[Principal, Depends(get_principal_allowing_password_change)],
) -> Principal:
    """Signed in with a settled password (R-AUTH-5: temporary passwords must be changed first)."""
    if principal.must_change_password:
        raise Forbidden(PASSWORD_CHANGE_REQUIRED_MESSAGE, code="password_change_required")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]
AnyPrincipal = Annotated[Principal, Depends(get_principal_allowing_password_change)]
CurrentUser = Annotated[Principal, Depends(get_principal)]


def require_role(*roles: Role):  # type: ignore[no-untyped-def]
    """A reusable role guard: `Depends(require_role(Role.admin))`."""

    async def guard(principal: CurrentUser) -> Principal:
        if principal.role is Role.delegate and Role.delegate not in roles:
            raise Forbidden(DELEGATE_NOT_PERMITTED, code="delegate_not_permitted")  # R-DEL-9
        if principal.role not in roles:
            raise Forbidden(
                f"This needs the {' or '.join(r.value for r in roles)} role; you are signed in as "
                f"{principal.role.value}.",
                code="forbidden_role",
            )
        return principal

    return guard


CurrentAdmin = Annotated[Principal, Depends(require_role(Role.admin))]
# Client management, reports, documents, e-questions, ID cards, PCP: producers only (R-DEL-9 -> 403).
CurrentProducer = Annotated[Principal, Depends(require_role(Role.producer))]
# Quotes and off-exchange enrollment: producers, and delegates acting for theirs (R-DEL-9);
# use `principal.acting_producer_id` to scope queries to the book.
ProducerOrDelegate = Annotated[Principal, Depends(require_role(Role.producer, Role.delegate))]


async def auth_rate_limit(request: Request, ctx: Ctx) -> None:
    """Per-client limit on sign-in and recovery endpoints (quality.md "Security"); shared through Redis when
    PORTAL_REDIS_URL is set, and then 503 (fail closed) while Redis does not answer."""
    await ctx.auth_rate_limiter.take(client_ip(request, ctx))


RateLimited = Depends(auth_rate_limit)


# --- What a GET route does with personal data (R-MEM-6; issue 12, finding 7) ---------------------------------
# Every GET route declares it in its decorator, once (tests/api/test_trust_audit.py walks the routes):
#   dependencies=[audit_read("quote.read", target=("quote", "quote_id"))]  the declaration writes the audit row
#   dependencies=[audited_by_service("member.search")]                        the route's service writes it
#   dependencies=[PHI_FREE]                                                   no personal data in the answer


@dataclass(frozen=True)
class AuditDeclaration:
    action: str | None  # None: PHI-free
    written_by: Literal["route", "service", "none"]


def audit_read(action: str, *, target: tuple[str, str] | None = None, query: tuple[str, ...] = ()) -> params.Depends:
    """A read of personal data that this declaration writes to the audit log as `action`.

    `target` is (target type, path parameter); the other path parameters and the `query` parameters named go
    to the row's details (identifiers, never the data read). The row is written once the answer is ready and
    before it is sent, committed on its own: a read that cannot be audited is not answered. A read the rules
    refuse once the caller is known (403 for the role, 404 not in the book, 409, a service's 422) is recorded with
    outcome "failure" and the problem's code; a request without a usable session (401, or 403 until a temporary
    password is changed) or whose parameters do not parse (FastAPI's 422) records nothing.
    """
    target_type, target_param = target if target else (None, None)

    async def audited_read(request: Request, ctx: Ctx, req: ReqCtx, principal: CurrentUser) -> AsyncIterator[None]:
        # Raw values: a refusal can come before the parameters are validated, so only plain identifiers are kept.
        path = {k: _identifier(v) for k, v in request.path_params.items()}
        target_id = path.pop(target_param, None) if target_param else None
        picked = {k: _identifier(request.query_params[k]) for k in query if k in request.query_params}
        details = {**path, **picked} or None
        try:
            yield
        except DomainError as exc:
            await audit.record_read(
                ctx,
                principal=principal,
                request=req,
                action=action,
                outcome="failure",
                target_type=target_type,
                target_id=target_id,
                details={**(details or {}), "code": exc.code},
            )
            raise
        await audit.record_read(
            ctx,
            principal=principal,
            request=req,
            action=action,
            target_type=target_type,
            target_id=target_id,
            details=details,
        )

    audited_read.__audit__ = AuditDeclaration(action, "route")  # type: ignore[attr-defined]
    # scope="function": the code after `yield` runs when the endpoint has answered, before the response is sent.
    return Depends(audited_read, scope="function")


_IDENTIFIER = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def _identifier(value: object) -> str | None:
    """A path or query value as the audit row keeps it: an identifier of at most 64 plain characters, else None."""
    text = str(value)
    return text if _IDENTIFIER.fullmatch(text) else None


def audited_by_service(action: str) -> params.Depends:
    """A read of personal data whose service writes `action` to the audit log itself (in its own transaction)."""

    async def audited_by_its_service() -> None:
        return None

    audited_by_its_service.__audit__ = AuditDeclaration(action, "service")  # type: ignore[attr-defined]
    return Depends(audited_by_its_service)


async def _phi_free() -> None:
    return None


_phi_free.__audit__ = AuditDeclaration(None, "none")  # type: ignore[attr-defined]
PHI_FREE = Depends(_phi_free)
"""No personal data in the answer: reference lists, the caller's own profile and staff, health checks."""


def audit_declaration(dependencies: Iterable[params.Depends]) -> AuditDeclaration | None:
    """The audit declaration among a route's dependencies, if it has one."""
    for dep in dependencies:
        found = getattr(dep.dependency, "__audit__", None)
        if isinstance(found, AuditDeclaration):
            return found
    return None
