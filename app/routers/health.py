"""Operations: liveness, readiness, metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from app.deps import Ctx
from app.domain.errors import ServiceUnavailable
from app.errors import error_responses
from app.schemas.health import Health

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="healthz", summary="Process is up")
async def healthz() -> Health:
    """Liveness: the process answers."""
    return Health(status="ok")


@router.get("/readyz", operation_id="readyz", summary="Ready to serve (database reachable)",
            responses=error_responses(503))
async def readyz(ctx: Ctx) -> Health:
    """Readiness: the database answers a trivial query within the timeout."""
    async def ping() -> None:
        async with ctx.db.read_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(ping(), timeout=ctx.settings.db_timeout_seconds)
    except Exception as exc:
        raise ServiceUnavailable("The database is not reachable.") from exc
    return Health(status="ready", database="ok")


@router.get("/metrics", operation_id="metrics", summary="Prometheus metrics",
            response_class=Response, responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}})
async def metrics(request: Request) -> Response:
    """Prometheus text exposition (request counts and latency by route)."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
