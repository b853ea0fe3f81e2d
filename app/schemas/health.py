from __future__ import annotations

from app.schemas.common import ResponseModel


class Health(ResponseModel):
    status: str
    database: str | None = None
