"""E-Communication: e-questions (R-EQ-1 .. R-EQ-4)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["e-questions"])
