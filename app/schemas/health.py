from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.schemas.common import ResponseModel


class Health(ResponseModel):
    status: Literal["ok", "ready"] = Field(description="ok (the process is up) or ready (the database answered)")
    database: Literal["ok"] | None = Field(default=None, description="`ok` once the database answered (readiness only)")
    redis: Literal["ok"] | None = Field(
        default=None,
        description="`ok` once Redis answered, when the rate limits are shared through it (`PORTAL_REDIS_URL`); "
        "null when they are kept in memory or on /healthz",
    )
    storage: Literal["ok"] | None = Field(
        default=None,
        description="`ok` once document storage answered: the upload folder can be written, or the S3 bucket "
        "(`PORTAL_STORAGE_URL`) answered (readiness only; the answer is kept a few seconds)",
    )
