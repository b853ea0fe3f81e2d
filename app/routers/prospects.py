"""Prospects: sales leads of a producer (R-PRO-1 .. R-PRO-4)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/prospects", tags=["prospects"])
