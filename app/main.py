"""Application factory: settings, lifespan (engine, hasher, outbox), routers, error handling; the OpenAPI
document is shaped in `app/openapi.py`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from starlette.middleware.cors import CORSMiddleware

from app.adapters.hashing import PasswordHasher
from app.adapters.notifier import EmailTransport, RecordingSmsGateway, SmsGateway, SmtpTransport
from app.adapters.ratelimit import make_rate_limiter
from app.clock import Clock, SystemClock
from app.config import Settings, get_settings
from app.context import AppContext
from app.db import make_database
from app.docs import install_docs
from app.domain.errors import ValidationFailed
from app.errors import install_error_handlers
from app.http_semantics import require_declared_media_type
from app.observability import Metrics, RequestMiddleware, configure_logging
from app.openapi import API_DESCRIPTION, TAGS, build_openapi
from app.outbox import OutboxDispatcher
from app.periodic import Periodic
from app.routers import (
    accounts,
    admin,
    api_keys,
    auth,
    delegates,
    documents,
    e_questions,
    enrollments,
    health,
    members,
    prospects,
    quotes,
    reports,
    servicing,
    webhooks,
)
from app.security import TokenService
from app.services.carrier import decide_due
from app.services.members import apply_due_contact_changes

# Bodies larger than this are refused with 413 before they are read. Document uploads are exempt here and
# enforce their own 10 MB cap while streaming (R-DOC-1).
MAX_JSON_BODY_BYTES = 1024 * 1024
UPLOAD_PATHS = ("/api/v1/documents",)

# CORS (issue 16), on only for the origins of PORTAL_CORS_ORIGINS. Bearer tokens, never cookies: no credentials mode.
# The request headers the clients send beyond the CORS-safelisted ones, and the response headers a browser client
# must read (by default a script sees only the safelisted ones: Content-Type, Cache-Control, ...).
CORS_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CORS_REQUEST_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match", "X-Request-ID")
CORS_EXPOSED_HEADERS = ("ETag", "Location", "Content-Disposition", "Retry-After", "X-Request-ID", "Link")
CORS_MAX_AGE_SECONDS = 600  # a browser reuses a preflight answer this long (Chromium caps it at 2 hours)


def build_context(
    settings: Settings,
    *,
    clock: Clock | None = None,
    email_transport: EmailTransport | None = None,
    sms_gateway: SmsGateway | None = None,
) -> AppContext:
    db = make_database(settings)
    clock = clock or SystemClock()
    if email_transport is None and settings.smtp_host:
        email_transport = SmtpTransport(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_from,
            starttls=settings.smtp_starttls,
            use_tls=settings.smtp_tls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
        )
    return AppContext(
        settings=settings,
        db=db,
        clock=clock,
        hasher=PasswordHasher(
            memory_kib=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
            workers=settings.hash_workers,
            queue_limit=settings.hash_queue_limit,
            thread_nice=settings.hash_thread_nice,
            thread_idle=settings.hash_thread_idle,
        ),
        tokens=TokenService(settings.secret_key, settings.access_token_minutes),
        outbox=OutboxDispatcher(
            sessionmaker=db.sessionmaker,
            email=email_transport,
            sms=sms_gateway or RecordingSmsGateway(),
            clock=clock,
            retry_seconds=settings.outbox_retry_seconds,
            max_attempts=settings.outbox_max_attempts,
            claim_seconds=settings.outbox_claim_seconds,
        ),
        auth_rate_limiter=make_rate_limiter(
            redis_url=settings.redis_url or None,
            per_minute=settings.auth_rate_limit_per_minute,
            burst=settings.auth_rate_limit_burst,
            key_prefix=settings.redis_key_prefix,
            timeout_seconds=settings.redis_timeout_seconds,
        ),
    )


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_EMPTY_BODIES = frozenset({b"", b"{}", b"null"})


async def refuse_unread_body(request: Request) -> None:
    """A body sent to an operation that reads none is refused, not silently ignored (issue 12, finding 11).

    `{}` and `null` pass: clients often send an empty object with every POST. Operations with a body model refuse
    unknown fields through `StrictModel` (extra="forbid").
    """
    if request.method not in _BODY_METHODS:
        return
    route = request.scope.get("route")
    if getattr(route, "body_field", True) is not None or "requestBody" in (getattr(route, "openapi_extra", None) or {}):
        return  # a body model, or a route that reads and documents its body itself (sections, uploads)
    if request.headers.get("content-length", "0") == "0" and "transfer-encoding" not in request.headers:
        return
    if (await request.body()).strip() not in _EMPTY_BODIES:
        raise ValidationFailed(
            f"{request.method} {request.url.path} takes no request body; send none (or {{}}).",
            code="body_not_allowed",
            field="body",
        )


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    email_transport: EmailTransport | None = None,
    sms_gateway: SmsGateway | None = None,
    configure_logs: bool = True,
) -> FastAPI:
    settings = settings or get_settings()
    if configure_logs:
        configure_logging(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = build_context(settings, clock=clock, email_transport=email_transport, sms_gateway=sms_gateway)
        app.state.ctx = ctx
        ctx.outbox.start()
        ctx.webhooks.start()
        jobs = [
            Periodic("contact-changes", settings.background_job_seconds, lambda: apply_due_contact_changes(ctx=ctx))
        ]
        if settings.is_demo and settings.carrier_poll_seconds > 0:  # issue 14: the simulated back office decides
            jobs.append(Periodic("carrier-decisions", settings.carrier_poll_seconds, lambda: decide_due(ctx=ctx)))
        for job in jobs:
            job.start()
        try:
            yield
        finally:
            for job in jobs:
                await job.stop()
            await ctx.webhooks.stop()
            await ctx.outbox.stop()
            await ctx.auth_rate_limiter.aclose()
            ctx.hasher.shutdown()
            await ctx.pdf.aclose()
            await ctx.db.dispose()

    app = FastAPI(
        # 415 for a body in a media type the operation does not read; a JSON body without Content-Type is read as
        # JSON (`strict_content_type=False`), see app/http_semantics.py.
        dependencies=[Depends(require_declared_media_type), Depends(refuse_unread_body)],
        strict_content_type=False,
        title="Producer Portal API",
        version="1.0.0",
        description=API_DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        # /docs and /redoc are app/docs.py's self-hosted pages, added below where a setting allows them.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    install_error_handlers(app)
    routers = (
        health,
        auth,
        accounts,
        delegates,
        api_keys,
        members,
        prospects,
        quotes,
        documents,
        e_questions,
        servicing,
        enrollments,
        reports,
        admin,
        webhooks,
    )
    for module in routers:
        app.include_router(module.router)
    webhooks.document_events(app.webhooks)  # the OpenAPI `webhooks` section (issue 17)
    if settings.docs_served:  # off in production by default; the token survives a reload only in demo mode
        install_docs(app, swagger_ui_parameters={"persistAuthorization": settings.is_demo})
    app.add_middleware(
        RequestMiddleware,
        metrics=app.state.metrics,
        max_body_bytes=MAX_JSON_BODY_BYTES,
        body_limit_exempt=UPLOAD_PATHS,
        max_json_depth=settings.max_json_depth,
        hsts_max_age_seconds=settings.hsts_max_age_seconds if settings.behind_https else None,
    )
    if settings.cors_origins:
        # Added last, so outermost: a preflight is answered here (200 or 400, never the router's 405), and every
        # other answer - the problem documents RequestMiddleware writes itself (413, 422, the last-resort 500)
        # included - gets Access-Control-Allow-Origin for an allowed origin, so that the browser lets the client
        # read the error. Preflights therefore carry no X-Request-ID and are not counted in the metrics.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_REQUEST_HEADERS,
            allow_credentials=False,
            expose_headers=CORS_EXPOSED_HEADERS,
            max_age=CORS_MAX_AGE_SECONDS,
        )
    # Issue 19: the app matches a request against its included routers one by one, in order, and each router's
    # routes one by one (FastAPI 0.165: ~1 ms of CPU per request before member search's router was reached).
    # The hot router goes first; the contract keeps the documented order.
    app.state.documented_routes = list(app.router.routes)
    app.router.routes.sort(key=lambda route: getattr(route, "original_router", None) is not members.router)
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    return app
