"""PDF rendering off the server process (issue 19): reportlab in a bounded pool of worker processes.

reportlab lays pages out in pure Python, holding the GIL: rendered in threads of the server process, a stream of PDFs
slowed every other request of that process (member-search p99 1.75-3.85x at 60 PDFs/s). Worker processes have GILs
of their own. They are started by "forkserver" (a clean process that has imported reportlab once; "spawn" where there
is none), never by "fork": a forked copy of the server would carry its event loop, threads and database connections.

- The workers start on the first render (~0.5 s), not with the server: most processes, and the tests, never print.
- A worker that dies (killed, out of memory) breaks its pool: the pool is replaced and the render retried once on the
  new one; if that fails too the caller gets 503 (`pdf_unavailable`) and the next render starts a fresh pool.
- Bounded: when `workers x (1 + queue_per_process)` renders are running or waiting, the next one is answered 429
  (`pdf_busy`, `Retry-After`) at once, as the hash pool does (`app.adapters.hashing`).
- `processes=0` renders in threads of the server process, as before issue 19.

What is rendered is a top-level function taking plain picklable data (dataclasses, strings, numbers, dates).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from app.domain.errors import ServiceUnavailable, TooManyRequests

if TYPE_CHECKING:
    from app.config import Settings

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger(__name__)

# What the workers import before their first render (the forkserver imports it once for all of them).
RENDER_MODULES = ("app.adapters.id_card_pdf", "app.adapters.application_pdf", "app.adapters.exports")
THREAD_WORKERS = 2  # processes=0: threads share one GIL, more of them would not render faster

BUSY_MESSAGE = "Many documents are being prepared right now. Please try again in a moment."
UNAVAILABLE_MESSAGE = "Documents cannot be prepared right now. Please try again in a moment."


def _start_worker(nice: int, idle: bool = False) -> None:
    """Runs first in each worker process."""
    # Ctrl-C reaches the whole process group: the server stops its pool itself, a worker must not die mid-render.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if idle:  # Linux SCHED_IDLE: renders run only on CPU time the event loops and the database leave
        with contextlib.suppress(OSError, AttributeError):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    elif nice > 0:  # renders yield the CPU to the event loops (as the hash threads do)
        with contextlib.suppress(OSError, AttributeError):
            os.nice(nice)
    for module in RENDER_MODULES:
        importlib.import_module(module)


def _mp_context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(RENDER_MODULES))
        return context
    return multiprocessing.get_context("spawn")


class PdfPool:
    """Renders PDFs in `processes` worker processes (0: in threads), at most `workers x (1 + queue_per_process)` at
    once."""

    def __init__(self, *, processes: int, queue_per_process: int, nice: int = 0, idle: bool = False) -> None:
        self.processes = processes
        self.workers = processes or THREAD_WORKERS
        self.capacity = self.workers * (1 + queue_per_process)
        self._nice = nice
        self._idle = idle
        self._pending = 0  # renders running or waiting; changed under the lock (a worker's end may come on any thread)
        self._lock = threading.Lock()
        self._executor: Executor | None = None
        self._closing: set[asyncio.Future[None]] = set()  # broken pools being joined
        self.restarts = 0  # pools replaced after a worker died

    @classmethod
    def from_settings(cls, settings: Settings) -> PdfPool:
        return cls(
            processes=settings.pdf_processes,
            queue_per_process=settings.pdf_queue_per_process,
            nice=settings.pdf_process_nice,
            idle=settings.pdf_process_idle,
        )

    @property
    def pending(self) -> int:
        return self._pending

    def check_capacity(self) -> None:
        """429 at once when every render slot is taken: callers check before their database work."""
        if self._pending >= self.capacity:
            raise TooManyRequests(BUSY_MESSAGE, code="pdf_busy", retry_after=1)

    async def render(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """`fn(*args, **kwargs)` in a worker; `fn` a top-level function, its arguments picklable."""
        self._take_slot()
        future: Future[R] | None = None
        try:
            for attempt in (1, 2):
                executor = self._current()
                try:
                    future = executor.submit(fn, *args, **kwargs)
                    return await asyncio.wrap_future(future)
                except BrokenProcessPool as exc:
                    self._discard(executor)
                    if attempt == 2:
                        log.error("pdf pool broke twice in a row; answering 503")
                        raise ServiceUnavailable(UNAVAILABLE_MESSAGE, code="pdf_unavailable") from exc
                    log.warning("a pdf worker process died; starting a new pool and rendering again")
            raise AssertionError("unreachable")
        finally:
            # The slot is free when the work is: a render the caller gave up on (a cancelled request) still occupies
            # its worker until it ends, so it keeps its slot until then.
            if future is None:
                self._release_slot()
            else:
                future.add_done_callback(self._release_slot)

    def worker_pids(self) -> list[int]:
        """The worker processes started so far (none before the first render, or with processes=0)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return sorted(processes)

    async def aclose(self) -> None:
        """At application stop: waiting renders are cancelled, running ones finish, the workers exit.

        Joined (in a thread, off the event loop) rather than left to stop in the background: a pool still alive when
        the process exits leaves its queues' named semaphores to the resource tracker, which warns about them.
        """
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
        if self._closing:
            await asyncio.gather(*self._closing)

    def _take_slot(self) -> None:
        with self._lock:
            self.check_capacity()
            self._pending += 1

    def _release_slot(self, _future: object = None) -> None:
        with self._lock:
            self._pending -= 1

    def _current(self) -> Executor:
        if self._executor is None:
            if self.processes:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=_mp_context(),
                    initializer=_start_worker,
                    initargs=(self._nice, self._idle),
                )
            else:
                self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="pdf")
        return self._executor

    def _discard(self, broken: Executor) -> None:
        """Drop a broken pool, once: the renders that were on it all see it break, only the first replaces it."""
        if self._executor is not broken:
            return
        self._executor = None
        self.restarts += 1
        closing = asyncio.get_running_loop().run_in_executor(
            None, partial(broken.shutdown, wait=True, cancel_futures=True)
        )
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)
