"""E-Communication: document submission (R-DOC-1 .. R-DOC-4)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["documents"])
