"""Password hashing: argon2id (passlib via libpass) in a bounded thread pool, never on the event loop.

argon2-cffi releases the GIL while hashing, so the pool runs hashes in parallel with the loop.
When more than `queue_limit` hashes wait, the caller gets 429 at once instead of queueing forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from passlib.context import CryptContext

from app.domain.errors import TooManyRequests


def _lower_priority(nice: int, idle: bool = False) -> None:
    """Hash threads yield the CPU to the event loops: argon2 is CPU-bound for ~20 ms with the GIL released, and at
    equal priority a burst of sign-ins starved every other request (docs/benchmarks.md, S6). Linux sets the
    niceness of one thread with its native id. `idle` (issue 19) goes further: SCHED_IDLE, the thread runs only
    on CPU time nothing else wants, so a wave of sign-ins does not lengthen the other requests' answers (sign-ins
    wait instead, and the bounded queue answers 429 when they wait too long)."""
    if idle:
        with contextlib.suppress(OSError, AttributeError):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # 0: the calling thread
            return
    if nice > 0:
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


class PasswordHasher:
    def __init__(
        self,
        *,
        memory_kib: int,
        time_cost: int,
        parallelism: int,
        workers: int,
        queue_limit: int,
        thread_nice: int = 0,
        thread_idle: bool = False,
    ):
        self._context = CryptContext(
            schemes=["argon2"],
            argon2__type="ID",
            argon2__memory_cost=memory_kib,
            argon2__rounds=time_cost,
            argon2__parallelism=parallelism,
        )
        self._pool = ThreadPoolExecutor(
            max_workers=workers,
            thread_name_prefix="hash",
            initializer=_lower_priority,
            initargs=(thread_nice, thread_idle),
        )
        self._slots = asyncio.Semaphore(workers + queue_limit)
        self._capacity = workers + queue_limit
        self._dummy = self._context.hash("timing-equaliser")

    def check_capacity(self) -> None:
        """429 at once when every hash slot is taken: callers check before doing any other work."""
        if self._slots.locked():
            raise TooManyRequests(
                "The sign-in service is busy. Please try again in a moment.", code="hashing_busy", retry_after=1
            )

    async def _run(self, fn, *args):  # type: ignore[no-untyped-def]
        self.check_capacity()
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool, fn, *args)

    async def hash(self, password: str) -> str:
        result: str = await self._run(self._context.hash, password)
        return result

    async def verify(self, password: str, hashed: str | None) -> bool:
        """Constant work whether or not an account exists: a missing hash verifies against a dummy."""
        if not hashed:
            await self._run(self._context.verify, password, self._dummy)
            return False
        ok: bool = await self._run(self._safe_verify, password, hashed)
        return ok

    def _safe_verify(self, password: str, hashed: str) -> bool:
        try:
            return bool(self._context.verify(password, hashed))
        except (ValueError, TypeError):
            return False

    def hash_sync(self, password: str) -> str:
        """For the CLI and the seeder (no event loop involved)."""
        return str(self._context.hash(password))

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
