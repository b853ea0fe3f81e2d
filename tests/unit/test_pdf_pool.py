"""The PDF pool (issue 19): renders in worker processes, replaces a pool whose worker died, answers 429 when full.

The functions handed to the pool are top-level, so that a worker process can import them by name.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.adapters.id_card_pdf import CardData, render_cards
from app.adapters.pdf_pool import PdfPool
from app.config import Settings
from app.domain.errors import ServiceUnavailable, TooManyRequests

CARD = CardData(
    carrier="Blue Cross and Blue Shield of Illinois",
    plan_name="Blue Precision Bronze HMO 205",
    network_type="HMO",
    coverage="medical",
    member_name="Jessica Tester",
    member_id="IB2121-01",
    relationship="primary",
    group_number="T124",
    effective_date=date(2026, 1, 1),
    customer_service_phone="8005551212",
)


def _pid() -> int:
    return os.getpid()


def _policy() -> int:
    return os.sched_getscheduler(0)


def _die() -> None:
    os._exit(3)  # as a worker killed by the kernel: no exception, no answer


def _wait_for(path: str) -> str:
    """Holds a worker until `path` exists (at most 10 s)."""
    deadline = time.monotonic() + 10
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.01)
    return path


def _wait_event(event: threading.Event) -> bool:
    return event.wait(10)


@pytest.fixture
async def pool():  # type: ignore[no-untyped-def]
    pool = PdfPool(processes=1, queue_per_process=1)
    yield pool
    await pool.aclose()


async def test_issue_19_a_pdf_renders_in_another_process(pool: PdfPool) -> None:
    assert pool.worker_pids() == []  # nothing starts before the first render
    pid = await pool.render(_pid)
    assert pid != os.getpid() and pool.worker_pids() == [pid]
    pdf = await pool.render(render_cards, [CARD, CARD], title="Temporary ID Card")
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 2 and reader.metadata is not None and reader.metadata.title == "Temporary ID Card"
    text = reader.pages[0].extract_text()
    assert "JESSICA TESTER" in text and "IB2121-01" in text and "01/01/2026" in text and "(800) 555-1212" in text
    assert pool.pending == 0


async def test_issue_19_a_killed_worker_is_replaced_and_the_render_retried(pool: PdfPool) -> None:
    first = await pool.render(_pid)
    os.kill(first, signal.SIGKILL)
    second = await pool.render(_pid)  # the broken pool is replaced and this render retried on the new one
    assert second not in (first, os.getpid())
    assert pool.restarts == 1 and pool.worker_pids() == [second] and pool.pending == 0


async def test_issue_19_a_render_whose_worker_dies_twice_answers_503_and_the_next_starts_afresh(pool: PdfPool) -> None:
    with pytest.raises(ServiceUnavailable) as caught:
        await pool.render(_die)
    assert caught.value.code == "pdf_unavailable" and "Please try again" in caught.value.message
    assert pool.restarts == 2 and pool.pending == 0
    assert await pool.render(_pid) != os.getpid()


async def test_issue_19_a_full_pool_answers_429_at_once(pool: PdfPool, tmp_path: Path) -> None:
    assert pool.capacity == 2  # one process, one render waiting for it
    release = tmp_path / "release"
    held = [asyncio.create_task(pool.render(_wait_for, str(release))) for _ in range(2)]
    await asyncio.sleep(0)
    assert pool.pending == 2
    started = time.monotonic()
    with pytest.raises(TooManyRequests) as caught:
        pool.check_capacity()
    assert caught.value.code == "pdf_busy" and caught.value.retry_after == 1
    with pytest.raises(TooManyRequests):
        await pool.render(_pid)
    assert time.monotonic() - started < 0.5  # answered, not queued
    release.touch()
    assert await asyncio.gather(*held) == [str(release), str(release)]
    assert pool.pending == 0
    assert await pool.render(_pid) != os.getpid()


async def test_issue_19_a_cancelled_render_keeps_its_slot_until_its_worker_is_free() -> None:
    threads = PdfPool(processes=0, queue_per_process=0)  # processes=0: threads of this process, as before issue 19
    assert threads.capacity == 2
    event = threading.Event()
    try:
        held = asyncio.create_task(threads.render(_wait_event, event))
        await asyncio.sleep(0.05)
        held.cancel()
        with pytest.raises(asyncio.CancelledError):
            await held
        assert threads.pending == 1  # the thread still renders: its slot is not given to another render yet
        event.set()
        for _ in range(100):
            if threads.pending == 0:
                break
            await asyncio.sleep(0.01)
        assert threads.pending == 0
        assert await threads.render(_pid) == os.getpid()
    finally:
        event.set()
        await threads.aclose()


async def test_issue_19_closing_the_pool_stops_its_workers() -> None:
    pool = PdfPool(processes=1, queue_per_process=0)
    worker = await pool.render(_pid)
    await pool.aclose()  # joined: the workers have exited when it returns
    assert pool.worker_pids() == []
    for _ in range(200):  # the forkserver reaps its children as they exit
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError(f"worker {worker} still runs after aclose()")


def test_issue_19_pool_size_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    default = PdfPool.from_settings(Settings())
    assert default.processes == min(2, os.cpu_count() or 1) and default.capacity == default.processes * 17
    monkeypatch.setenv("PORTAL_PDF_PROCESSES", "0")
    monkeypatch.setenv("PORTAL_PDF_QUEUE_PER_PROCESS", "3")
    threads = PdfPool.from_settings(Settings())
    assert threads.processes == 0 and threads.workers == 2 and threads.capacity == 8
    monkeypatch.setenv("PORTAL_PDF_PROCESSES", "-1")
    with pytest.raises(ValueError, match="pdf_processes"):
        Settings()


async def test_issue_19_idle_workers_render_only_on_cpu_time_nothing_else_wants() -> None:
    """PORTAL_PDF_PROCESS_IDLE (default): the workers run under SCHED_IDLE, so PDFs wait for the searches rather
    than the other way round (docs/benchmarks.md: search p99 while 60 PDFs/s, 375 -> 27 ms)."""
    pool = PdfPool(processes=1, queue_per_process=0, nice=10, idle=True)
    try:
        assert await pool.render(_policy) == os.SCHED_IDLE
        assert os.sched_getscheduler(0) != os.SCHED_IDLE  # the server's own process keeps its policy
    finally:
        await pool.aclose()
