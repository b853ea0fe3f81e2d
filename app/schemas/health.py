from __future__ import annotations

from pydantic import Field

from app.schemas.common import ResponseModel


class Health(ResponseModel):
    status: str
    database: str | None = Field(default=None, description="`ok` once the database answered (readiness only)")
    redis: str | None = Field(
        default=None,
        description="`ok` once Redis answered, when the rate limits are shared through it (`PORTAL_REDIS_URL`); "
        "null when they are kept in memory or on /healthz",
    )
