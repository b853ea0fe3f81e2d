"""Application factory: settings, lifespan (engine, hasher, outbox), routers, error handling, OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.adapters.hashing import PasswordHasher
from app.adapters.notifier import EmailTransport, RecordingSmsGateway, SmsGateway, SmtpTransport
from app.adapters.ratelimit import RateLimiter
from app.clock import Clock, SystemClock
from app.config import Settings, get_settings
from app.context import AppContext
from app.db import make_database
from app.errors import HTTP_TITLES, PROBLEM_MEDIA_TYPE, install_error_handlers
from app.observability import Metrics, RequestMiddleware, configure_logging
from app.routers import (
    accounts,
    admin,
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
)
from app.security import TokenService
from app.services.jobs import Periodic
from app.services.members import apply_due_contact_changes
from app.services.notifications import OutboxDispatcher

API_DESCRIPTION = """
The JSON REST API behind the Retail Producer Portal: producers and their delegates manage prospects,
find clients, service members, run reports, quote and enroll.

**Try it:** click **Authorize**, sign in as `demoagent` / `Demo1234` (producer) or `admin` / `Admin123`.
Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`.
"""

TAGS = [
    {"name": "auth", "description": "Sign-in, tokens and account recovery"},
    {"name": "accounts", "description": "Producer registration and profile"},
    {"name": "delegates", "description": "My Delegates: assistants who quote and enroll for a producer"},
    {"name": "members", "description": "Member search, client detail, contact information changes"},
    {"name": "prospects", "description": "Sales leads: add, search, export, print"},
    {"name": "documents", "description": "E-Communication: submit documents, view the submission history"},
    {"name": "e-questions", "description": "E-Communication: questions to the carrier and their answers"},
    {"name": "id-cards", "description": "Permanent and temporary ID cards"},
    {"name": "providers", "description": "Provider directory: medical groups, PCP / PCPA / NPI numbers"},
    {"name": "pcp-changes", "description": "Primary care physician changes"},
    {"name": "reports", "description": "Create Report and View My Custom Reports: book-of-business reports, CSV/XLSX"},
    {"name": "enrollments", "description": "Off-exchange Individual & Family applications"},
    {"name": "payments", "description": "Binder payments"},
    {"name": "plans", "description": "Counties by zip code and the plans available there"},
    {"name": "quotes", "description": "Quote & Enroll: quotes, premiums, plan selection, enrolling from a quote"},
    {"name": "admin", "description": "Carrier staff: activations, unlocks, outbox, audit log"},
    {"name": "operations", "description": "Health, readiness and metrics"},
]

# Bodies larger than this are refused with 413 before they are read. Document uploads are exempt here and
# enforce their own 10 MB cap while streaming (R-DOC-1).
MAX_JSON_BODY_BYTES = 1024 * 1024
UPLOAD_PATHS = ("/api/v1/documents",)


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
            host=settings.smtp_host, port=settings.smtp_port, sender=settings.mail_from,
            starttls=settings.smtp_starttls, use_tls=settings.smtp_tls, username=settings.smtp_username,
            password=settings.smtp_password, timeout=settings.smtp_timeout_seconds,
        )
    return AppContext(
        settings=settings,
        db=db,
        clock=clock,
        hasher=PasswordHasher(
            memory_kib=settings.argon2_memory_kib, time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism, workers=settings.hash_workers,
            queue_limit=settings.hash_queue_limit,
        ),
        tokens=TokenService(settings.secret_key, settings.access_token_minutes),
        outbox=OutboxDispatcher(
            sessionmaker=db.sessionmaker, email=email_transport, sms=sms_gateway or RecordingSmsGateway(),
            clock=clock, retry_seconds=settings.outbox_retry_seconds, max_attempts=settings.outbox_max_attempts,
        ),
        auth_rate_limiter=RateLimiter(per_minute=settings.auth_rate_limit_per_minute,
                                      burst=settings.auth_rate_limit_burst),
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
        jobs = [Periodic("contact-changes", settings.background_job_seconds,
                         lambda: apply_due_contact_changes(ctx=ctx))]
        for job in jobs:
            job.start()
        try:
            yield
        finally:
            for job in jobs:
                await job.stop()
            await ctx.outbox.stop()
            ctx.hasher.shutdown()
            await ctx.db.dispose()

    app = FastAPI(
        title="Producer Portal API",
        version="1.0.0",
        description=API_DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        swagger_ui_parameters={"persistAuthorization": True},
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    install_error_handlers(app)
    routers = (
        health,
        auth,
        accounts,
        delegates,
        members,
        prospects,
        quotes,
        documents,
        e_questions,
        servicing,
        enrollments,
        reports,
        admin,
    )
    for module in routers:
        app.include_router(module.router)
    app.add_middleware(RequestMiddleware, metrics=app.state.metrics, max_body_bytes=MAX_JSON_BODY_BYTES,
                       body_limit_exempt=UPLOAD_PATHS)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated document, with every error response described as a problem document."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                      tags=app.openapi_tags)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    from app.schemas.enrollments import SECTION_MODELS

    for model in SECTION_MODELS.values():  # bodies parsed per section (PUT /enrollments/{id}/{section})
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas.setdefault(name, sub)
        schemas.setdefault(model.__name__, schema)
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for path, item in doc.get("paths", {}).items():
        for _method, op in item.items():
            responses = op.setdefault("responses", {})
            wanted = {"503"}
            if path.startswith("/api/"):
                wanted |= {"422"} if op.get("parameters") or op.get("requestBody") else set()
            if op.get("requestBody"):
                wanted |= {"400", "413", "422"}
            if op.get("security"):
                wanted |= {"401"}
            for status in sorted(wanted):
                responses.setdefault(status, {"description": HTTP_TITLES.get(int(status), "Error")})
            for status, resp in responses.items():
                if status.startswith(("4", "5")):
                    resp["content"] = _problem_content()
                    resp.setdefault("description", HTTP_TITLES.get(int(status), "Error"))
            op["responses"] = dict(sorted(responses.items()))
    app.openapi_schema = doc
    return doc
