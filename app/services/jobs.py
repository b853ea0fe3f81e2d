"""Small periodic background jobs run inside each server process (idempotent, safe with several workers)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from app.periodic import PeriodicTask

log = logging.getLogger("portal.jobs")


class Periodic(PeriodicTask):
    """The job `name`: `fn` every `every_seconds`."""

    def __init__(self, name: str, every_seconds: float, fn: Callable[[], Awaitable[Any]]) -> None:
        super().__init__(
            f"job-{name}", every_seconds, fn, log=log, failure_message="background job failed", log_extra={"job": name}
        )
        self.name = name
