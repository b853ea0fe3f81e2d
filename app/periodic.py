"""A background task that runs a pass every so often, or at once when woken; used by the periodic jobs and the
outbox dispatcher (one per server process each). Infrastructure, not a service: it owns no business rule."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from app.logsafe import exception_fields


class PeriodicTask:
    """`run_pass` every `every_seconds` (sooner after `wake()`) until `stop()`; a failing pass is logged, not fatal."""

    def __init__(
        self,
        task_name: str,
        every_seconds: float,
        run_pass: Callable[[], Awaitable[Any]],
        *,
        log: logging.Logger,
        failure_message: str,
        log_extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.task_name, self.every = task_name, every_seconds
        self._run_pass = run_pass
        self._log, self._failure_message, self._log_extra = log, failure_message, dict(log_extra or {})
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        """Run the next pass now rather than at the end of the interval."""
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        """Cancel the loop and wait for it; a pass in flight is cancelled where it awaits."""
        if self._task:
            self._stopping = True
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        # Not `asyncio.wait_for`: on Python 3.11 it swallows a cancellation that arrives just as the awaited event
        # is set (a message enqueued while the app shuts down), and the loop then waited out another interval -
        # the intermittent "lifespan shutdown overran" of the issue 8 note (tests/unit/test_outbox_stop.py).
        # `asyncio.timeout` passes the cancellation on, and `_stopping` ends the loop even if one were lost.
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.every):
                    await self._wake.wait()
            if self._stopping:
                return
            self._wake.clear()
            try:
                await self._run_pass()
            except Exception as exc:  # a database outage must not end the loop
                self._log.warning(self._failure_message, extra={**self._log_extra, **exception_fields(exc)})


_jobs_log = logging.getLogger("portal.jobs")


class Periodic(PeriodicTask):
    """The job `name`: `fn` every `every_seconds`."""

    def __init__(self, name: str, every_seconds: float, fn: Callable[[], Awaitable[Any]]) -> None:
        super().__init__(
            f"job-{name}",
            every_seconds,
            fn,
            log=_jobs_log,
            failure_message="background job failed",
            log_extra={"job": name},
        )
        self.name = name
