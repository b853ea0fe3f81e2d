"""The one periodic-task loop (background jobs and the outbox dispatcher): runs, wakes, survives, stops at once."""

from __future__ import annotations

import asyncio
import logging

import pytest

from app.periodic import Periodic, PeriodicTask

log = logging.getLogger("tests.periodic")


async def test_a_pass_runs_every_interval() -> None:
    runs: list[int] = []

    async def run_pass() -> None:
        runs.append(1)

    task = PeriodicTask("t", 0.01, run_pass, log=log, failure_message="pass failed")
    task.start()
    async with asyncio.timeout(2):
        while len(runs) < 3:
            await asyncio.sleep(0.005)
    await task.stop()


async def test_wake_runs_a_pass_before_the_interval_ends() -> None:
    ran = asyncio.Event()

    async def run_pass() -> None:
        ran.set()

    task = PeriodicTask("t", 3600, run_pass, log=log, failure_message="pass failed")
    task.start()
    task.wake()
    async with asyncio.timeout(2):
        await ran.wait()
    await task.stop()


async def test_a_failing_pass_is_logged_and_the_loop_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    async def run_pass() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database down")

    task = PeriodicTask("t", 0.01, run_pass, log=log, failure_message="pass failed", log_extra={"job": "t"})
    with caplog.at_level(logging.WARNING, logger="tests.periodic"):
        task.start()
        async with asyncio.timeout(2):
            while len(calls) < 2:
                await asyncio.sleep(0.005)
        await task.stop()
    record = next(r for r in caplog.records if r.getMessage() == "pass failed")
    assert (record.job, record.error) == ("t", "RuntimeError")  # type: ignore[attr-defined]
    assert "database down" not in caplog.text  # exception text may carry PHI: never logged


async def test_stop_while_a_wake_lands_in_the_same_tick_runs_no_pass() -> None:
    calls: list[int] = []

    async def run_pass() -> None:
        calls.append(1)

    for _ in range(50):
        task = PeriodicTask("t", 60, run_pass, log=log, failure_message="pass failed")
        task.start()
        await asyncio.sleep(0)
        task.wake()
        async with asyncio.timeout(2):
            await task.stop()
    assert calls == []


async def test_stop_cancels_a_pass_in_flight_and_can_be_called_twice() -> None:
    started = asyncio.Event()

    async def run_pass() -> None:
        started.set()
        await asyncio.sleep(3600)

    task = PeriodicTask("t", 3600, run_pass, log=log, failure_message="pass failed")
    task.start()
    task.wake()
    await started.wait()
    async with asyncio.timeout(2):
        await task.stop()
        await task.stop()


async def test_a_job_is_a_named_periodic_task() -> None:
    async def fn() -> None:
        return None

    job = Periodic("contact-changes", 60, fn)
    job.start()
    assert job.name == "contact-changes" and job._task is not None and job._task.get_name() == "job-contact-changes"
    await job.stop()
