"""Issue 19: with PORTAL_PDF_PROCESSES=1 the PDFs render in a worker process and still open with the expected text.

The rest of the suite renders in a thread (`pdf_processes=0`, tests/conftest.py): a process pool takes ~0.5 s to
start. Besides the tests of this module, the ID card, application and prospect print tests of their own modules are
collected again here, so that they run with the pool on (imported by name, with the fixtures they use).
"""

from __future__ import annotations

import asyncio
import os
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.repositories.orm import AuditEvent
from tests.api.test_application_record import (
    test_r_enr_17_issue_14_the_application_pdf_is_the_complete_signed_record,
)
from tests.api.test_enrollments import reference
from tests.api.test_id_cards import (
    fam,
    order,
    test_r_id_2_pcp_plan_one_card_per_chosen_member_with_their_own_pcp,
)
from tests.api.test_prospects import (
    audit_actions,
    book,
    fresh,
    test_r_pro_3_print_all_repeats_the_header_on_every_page,
    test_r_pro_3_print_selected_rows_as_pdf,
)
from tests.helpers import assert_problem
from tests.unit.test_pdf_pool import _wait_for

__all__ = [  # the fixtures (used by name) and the tests collected again here with the pool on
    "book",
    "fam",
    "fresh",
    "reference",
    "test_r_enr_17_issue_14_the_application_pdf_is_the_complete_signed_record",
    "test_r_id_2_pcp_plan_one_card_per_chosen_member_with_their_own_pcp",
    "test_r_pro_3_print_all_repeats_the_header_on_every_page",
    "test_r_pro_3_print_selected_rows_as_pdf",
]


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    # One worker process and no render waiting for it: the second PDF asked at once is refused (see the 429 test).
    # A day-long token: the application walk of test_application_record moves the clock on.
    return settings.model_copy(update={"pdf_processes": 1, "pdf_queue_per_process": 0, "access_token_minutes": 60 * 24})


async def test_issue_19_the_temporary_id_card_renders_in_a_worker_process(client, producer, fam, app) -> None:  # type: ignore[no-untyped-def]
    r = await order(client, producer, fam, "temporary", policy="dental")
    assert r.status_code == 201, r.text
    pdf = await client.get(r.json()["pdf_url"], headers=producer)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    reader = PdfReader(BytesIO(pdf.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "JESSICA TESTER" in text and f"{fam.account_number}-01" in text
    workers = app.state.ctx.pdf.worker_pids()
    assert len(workers) == 1 and os.getpid() not in workers
    assert app.state.ctx.pdf.pending == 0


async def test_issue_19_a_full_pdf_pool_answers_429_before_reading_or_auditing(
    client, producer, fam, app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    r = await order(client, producer, fam, "temporary", policy="dental")
    assert r.status_code == 201, r.text
    pool = app.state.ctx.pdf
    release = tmp_path / "release"
    held = asyncio.create_task(pool.render(_wait_for, str(release)))  # takes the pool's only slot
    await asyncio.sleep(0)
    assert pool.pending == pool.capacity == 1
    try:
        busy = await client.get(r.json()["pdf_url"], headers=producer)
        problem = assert_problem(busy, 429, "pdf_busy")
        assert busy.headers["retry-after"] == "1"
        assert problem["detail"] == "Many documents are being prepared right now. Please try again in a moment."
        assert await audit_actions(app, "member.id_card_pdf") == []  # refused before the card was read
    finally:
        release.touch()
        await held
    again = await client.get(r.json()["pdf_url"], headers=producer)
    assert again.status_code == 200 and "JESSICA TESTER" in PdfReader(BytesIO(again.content)).pages[0].extract_text()
    [event] = await audit_actions(app, "member.id_card_pdf")
    assert isinstance(event, AuditEvent) and event.target_id == fam.account_number
