"""Prospects (R-PRO-1 .. R-PRO-3): every query scoped to the producer."""

from __future__ import annotations

from app.repositories.base import RepositoryBase
from app.repositories.orm import Prospect


class ProspectRepository(RepositoryBase[Prospect]):
    model = Prospect
