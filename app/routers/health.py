"""Operations: liveness, readiness, metrics."""

from __future__ import annotations

import asyncio
import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.context import AppContext
from app.deps import PHI_FREE, Ctx
from app.domain.errors import AuthenticationFailed, ServiceUnavailable
from app.errors import error_responses
from app.schemas.health import Health

# Health and metrics carry no personal data (issue 12, finding 7: every GET route declares it).
router = APIRouter(tags=["operations"], dependencies=[PHI_FREE])


@router.get("/healthz", operation_id="healthz", summary="Process is up")
async def healthz() -> Health:
    """Liveness: the process answers."""
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Ready to serve (database, document storage and, when configured, Redis reachable)",
    responses=error_responses(503),
)
async def readyz(ctx: Ctx) -> Health:
    """Readiness: the database answers a trivial query within the timeout; documents can be stored (the upload
    folder can be written, or the S3 bucket answers; that answer is kept a few seconds); and Redis answers when the
    rate limits are shared through it (without it sign-in and recovery fail closed). A 503 names each check and why
    it failed in `checks`."""
    database, storage, redis = await asyncio.gather(_database_check(ctx), ctx.storage_check(), _redis_check(ctx))
    if database or storage or redis:
        parts = ["The database is not reachable."] if database else []
        if storage:
            parts.append(f"Document storage is not usable: {storage}.")
        if redis:
            parts.append(
                f"Redis (shared rate limits: sign-in and recovery are refused without it) does not answer: {redis}"
            )
        checks = {"database": database or "ok", "storage": storage or "ok"}
        if ctx.settings.redis_url:
            checks["redis"] = redis or "ok"
        raise ServiceUnavailable(" ".join(parts), extra={"checks": checks})
    return Health(status="ready", database="ok", storage="ok", redis="ok" if ctx.settings.redis_url else None)


async def _database_check(ctx: AppContext) -> str | None:
    try:
        await asyncio.wait_for(ctx.db.ping(), timeout=ctx.settings.db_timeout_seconds)
    except Exception as exc:
        # The driver's message can name hosts and users; the kind of failure is enough here.
        return "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
    return None


async def _redis_check(ctx: AppContext) -> str | None:
    return await ctx.auth_rate_limiter.check()


@router.get(
    "/metrics",
    operation_id="metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}, **error_responses(401)},
)
async def metrics(request: Request, ctx: Ctx) -> Response:
    """Prometheus text exposition (request counts and latency by route).

    In production it needs `Authorization: Bearer <PORTAL_METRICS_TOKEN>` (and is off while that setting is empty);
    in demo mode it is open.
    """
    settings = ctx.settings
    if not settings.is_demo:
        sent = request.headers.get("authorization", "")
        expected = f"Bearer {settings.metrics_token}"
        if not settings.metrics_token or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise AuthenticationFailed(
                "Metrics need 'Authorization: Bearer <PORTAL_METRICS_TOKEN>'.", code="not_authenticated"
            )
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
