"""The export adapters: CSV streaming, XLSX through a write-only workbook, PDF tables (R-PRO-3, reused by reports)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook
from pypdf import PdfReader

from app.adapters.exports import (
    XlsxBuilder,
    build_xlsx,
    cell_text,
    content_disposition,
    csv_safe,
    csv_stream,
    iter_file,
    pdf_table,
)


@dataclass
class Row:
    name: str
    when: date | datetime | None
    amount: Decimal | None = None


COLUMNS = (("Name", lambda r: r.name), ("When", lambda r: r.when), ("Amount", lambda r: r.amount))


async def arows(rows: Iterable[Row]) -> AsyncIterator[Row]:
    for row in rows:
        yield row


async def collect(chunks: AsyncIterator[bytes]) -> list[bytes]:
    return [c async for c in chunks]


def test_cells_render_dates_as_mm_dd_yyyy() -> None:
    assert cell_text(date(2026, 1, 2)) == "01/02/2026"
    assert cell_text(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == "12/31/2026"
    assert cell_text(None) == ""
    assert cell_text(True) == "Yes" and cell_text(False) == "No"
    assert cell_text(Decimal("1E+2")) == "100" and cell_text(Decimal("12.50")) == "12.50"
    assert cell_text("a\x00b\x1fc\td") == "abc\td"


def test_csv_cells_never_start_a_formula() -> None:
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_safe(risky) == "'" + risky
    assert csv_safe("Smith") == "Smith" and csv_safe("") == ""


def test_content_disposition_is_an_attachment_with_a_plain_name() -> None:
    assert content_disposition("prospects-20261122.csv") == 'attachment; filename="prospects-20261122.csv"'
    assert content_disposition('a"b;c\r\n.pdf') == 'attachment; filename="a_b_c__.pdf"'


def test_csv_stream_writes_headers_then_rows_in_chunks() -> None:
    rows = [Row(f"Name {i}, Jr.", date(2026, 1, 2), Decimal("1.50")) for i in range(500)] + [Row("=cmd", None)]
    chunks = asyncio.run(collect(csv_stream(arows(rows), COLUMNS, chunk_bytes=1024)))
    assert len(chunks) > 5 and all(len(c) < 1024 + 200 for c in chunks)  # streamed, not one blob
    parsed = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8"))))
    assert parsed[0] == ["Name", "When", "Amount"]
    assert parsed[1] == ["Name 0, Jr.", "01/02/2026", "1.50"]
    assert parsed[-1] == ["'=cmd", "", ""]
    assert len(parsed) == 502
    assert b"\r\n" in chunks[0]


def test_csv_stream_can_add_a_byte_order_mark() -> None:
    data = b"".join(asyncio.run(collect(csv_stream(arows([Row("Émile", None)]), COLUMNS, bom=True))))
    assert data.startswith(b"\xef\xbb\xbf") and "Émile".encode() in data


def test_csv_stream_of_no_rows_is_just_the_header() -> None:
    assert asyncio.run(collect(csv_stream(arows([]), COLUMNS))) == [b"Name,When,Amount\r\n"]


def test_xlsx_builder_writes_typed_cells_and_a_bold_frozen_header() -> None:
    builder = XlsxBuilder(COLUMNS, sheet_title="Report: 2026/01", widths=[20, 12, 10])
    builder.append(
        [
            Row("Jess", datetime(2026, 3, 4, 15, tzinfo=UTC), Decimal("9.99")),
            Row("=1+1", None, None),
            Row("bad\x07char", date(2026, 3, 5)),
            Row("#N/A", None),
        ]
    )
    file = builder.finish()
    sheet = load_workbook(file).active
    file.close()
    assert sheet is not None and sheet.title == "Report- 2026-01"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Name", "When", "Amount")
    assert rows[1] == ("Jess", datetime(2026, 3, 4), 9.99)
    assert rows[2] == ("=1+1", None, None)  # kept as text, not evaluated as a formula
    assert rows[3] == ("badchar", datetime(2026, 3, 5), None)
    assert rows[4] == ("#N/A", None, None)
    assert sheet["A3"].data_type == "s" and sheet["A5"].data_type == "s" and sheet["B2"].number_format == "MM/DD/YYYY"
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 20 and builder.rows == 4


def test_build_xlsx_writes_in_batches_off_the_event_loop_and_streams_back() -> None:
    rows = [Row(f"Row {i}", date(2026, 1, 1)) for i in range(2500)]

    async def run() -> tuple[bytes, int]:
        file, size = await build_xlsx(arows(rows), COLUMNS, sheet_title="Big", batch_size=1000)
        data = b"".join([c async for c in iter_file(file, chunk_bytes=4096)])
        assert file.closed
        return data, size

    data, size = asyncio.run(run())
    assert len(data) == size
    sheet = load_workbook(io.BytesIO(data), read_only=True)["Big"]
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 2501 and values[-1][0] == "Row 2499"


def test_pdf_table_repeats_the_header_on_every_page() -> None:
    rows = [Row(f"Person {i:03d}", date(2026, 2, 3)) for i in range(200)]
    rows.append(Row("A very long name " * 12 + "<b>&", None))
    pdf = pdf_table(rows, COLUMNS, title="Prospects", subtitle="201 rows", widths=[3, 1, 1])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    texts = [page.extract_text() for page in reader.pages]
    assert all("Name" in t and "When" in t for t in texts)
    everything = "\n".join(texts)
    assert "Prospects" in texts[0] and "201 rows" in texts[0]
    assert "Person 000" in everything and "Person 199" in everything and "02/03/2026" in everything
    assert "<b>&" in everything  # markup in data is text, not formatting
    assert f"Page {len(reader.pages)}" in texts[-1]
