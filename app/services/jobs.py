"""Small periodic background jobs run inside each server process (idempotent, safe with several workers)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from app.logsafe import exception_fields

log = logging.getLogger("portal.jobs")


class Periodic:
    def __init__(self, name: str, every_seconds: float, fn: Callable[[], Awaitable[Any]]) -> None:
        self.name, self.every, self.fn = name, every_seconds, fn
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"job-{self.name}")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.fn()
            except Exception as exc:  # a database outage must not kill the job
                log.warning("background job failed", extra={"job": self.name, **exception_fields(exc)})
