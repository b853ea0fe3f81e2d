"""The outbox dispatcher stops at once, even when a message is enqueued as the app shuts down.

Root cause of the intermittent "app lifespan shutdown overran" of the issue 8 note: on Python 3.11
`asyncio.wait_for` swallows a cancellation that arrives in the same tick as the awaited event is set, so the
dispatcher went round its loop once more and waited out a whole retry interval (60 s in the tests).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from app.adapters.notifier import RecordingSmsGateway
from app.clock import FrozenClock
from app.outbox import OutboxDispatcher


class _NoDatabase:
    """A sessionmaker that must not be used: the dispatcher is stopped before any pass runs."""

    calls = 0

    def __call__(self) -> Any:
        _NoDatabase.calls += 1
        raise AssertionError("a dispatch pass ran after stop()")


async def test_stop_while_a_wake_lands_in_the_same_tick_returns_at_once() -> None:
    for _ in range(50):
        dispatcher = OutboxDispatcher(
            sessionmaker=_NoDatabase(),
            email=None,
            sms=RecordingSmsGateway(),  # type: ignore[arg-type]
            clock=FrozenClock(datetime(2026, 11, 22, tzinfo=UTC)),
            retry_seconds=60,
            max_attempts=3,
        )
        dispatcher.start()
        await asyncio.sleep(0)  # the loop is waiting for a wake-up
        dispatcher.wake()  # a message committed as the app shuts down...
        async with asyncio.timeout(2):  # (not wait_for: stop() must begin in this same tick)
            await dispatcher.stop()  # ...must not hold the shutdown for 60 s
    assert _NoDatabase.calls == 0
