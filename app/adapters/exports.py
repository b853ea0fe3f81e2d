"""File exports: CSV and XLSX writers that stream, and a reportlab PDF table builder.

Generic over the row type: a table is described by its columns, `(header, value-function)` pairs, so
prospects today and reports later share one implementation. Cell values are rendered the same way
everywhere: dates (and datetimes, by their date) as the guides' MM/DD/YYYY, `None` as an empty cell.

Memory stays flat whatever the row count: CSV is encoded and yielded in small chunks while rows
arrive; XLSX goes through XlsxWriter's constant-memory workbook into a spooled temporary file (written
in a worker thread, batch by batch) that is then streamed; the PDF is laid out in a worker process of the PDF pool
(`app.adapters.pdf_pool`) from the cells' text.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, TypeVar
from xml.sax.saxutils import escape

import anyio.to_thread

T = TypeVar("T")

# A column: the header as on screen, and how to get the cell's value from a row.
Column = tuple[str, Callable[[T], object]]

DATE_FORMAT = "%m/%d/%Y"
XLSX_DATE_FORMAT = "MM/DD/YYYY"
CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MEDIA_TYPE = "application/pdf"
CHUNK_BYTES = 64 * 1024
SPOOL_MAX_BYTES = 8 * 1024 * 1024  # XLSX files larger than this go to a temporary file on disk

# OWASP "CSV injection": a cell starting with one of these is a formula to Excel and LibreOffice.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters are illegal in XLSX XML; they never belong in an export cell.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FILENAME_UNSAFE_RE = re.compile(r"[^A-Za-z0-9._-]")
_SHEET_TITLE_UNSAFE_RE = re.compile(r"[\\*?:/\[\]\x00-\x1f]")  # Excel refuses these in a sheet name


def cell_text(value: object) -> str:
    """The text of a cell: MM/DD/YYYY for dates and datetimes, '' for None, Yes/No for booleans."""
    if value is None:
        return ""
    if isinstance(value, date):  # datetimes too: an export shows the date
        return value.strftime(DATE_FORMAT)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return format(value, "f")
    return _CONTROL_RE.sub("", str(value))


def csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas (OWASP CSV injection): prefix a quote to a risky first character."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def content_disposition(filename: str) -> str:
    """`attachment; filename="..."` with a name that needs no quoting or encoding."""
    safe = _FILENAME_UNSAFE_RE.sub("_", filename) or "export"
    return f'attachment; filename="{safe}"'


def headers_of(columns: Sequence[Column[T]]) -> list[str]:
    return [header for header, _ in columns]


# --- CSV ---------------------------------------------------------------------------------------------------


async def csv_stream(
    rows: AsyncIterable[T], columns: Sequence[Column[T]], *, chunk_bytes: int = CHUNK_BYTES, bom: bool = False
) -> AsyncIterator[bytes]:
    """Header line, then one line per row (RFC 4180, CRLF, UTF-8), yielded in chunks of about `chunk_bytes`.

    Rows are consumed as they arrive; at most one chunk is held in memory. `bom=True` prefixes a UTF-8
    byte-order mark for spreadsheet programs that need it to read non-ASCII text.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write("\ufeff")
    writer.writerow([csv_safe(h) for h in headers_of(columns)])
    async for row in rows:
        writer.writerow([csv_safe(cell_text(value(row))) for _, value in columns])
        if buffer.tell() >= chunk_bytes:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


# --- XLSX --------------------------------------------------------------------------------------------------


class XlsxBuilder:
    """One worksheet, written row by row with XlsxWriter in `constant_memory` mode (each row goes to a temporary
    file as it is written, so memory stays flat).

    Blocking: call `append` and `finish` from a worker thread (`build_xlsx` does). The header row is bold
    and frozen; dates are real Excel dates shown as MM/DD/YYYY; text is always written as text, so it is never
    read as a formula, an error value, a number or a link.
    """

    def __init__(
        self,
        columns: Sequence[Column[T]],
        *,
        sheet_title: str = "Sheet1",
        widths: Sequence[float] | None = None,
        spool_max_bytes: int = SPOOL_MAX_BYTES,
    ) -> None:
        import xlsxwriter

        self._columns: Sequence[Column[Any]] = columns
        self._out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=spool_max_bytes)
        self._workbook = xlsxwriter.Workbook(self._out, {"constant_memory": True})
        title = _SHEET_TITLE_UNSAFE_RE.sub("-", sheet_title)[:31].strip("'") or "Sheet1"
        self._sheet = self._workbook.add_worksheet(title)
        self._date = self._workbook.add_format({"num_format": XLSX_DATE_FORMAT})
        bold = self._workbook.add_format({"bold": True})
        self._sheet.freeze_panes(1, 0)
        for i, (header, _) in enumerate(columns):
            width = widths[i] if widths else max(len(header) + 2, 12)
            # In pixels (7 per character of the default font), so the stored width is `width` characters.
            self._sheet.set_column_pixels(i, i, round(width * 7))
            self._sheet.write_string(0, i, cell_text(header), bold)
        self.rows = 0

    def _write(self, row: int, col: int, value: object) -> None:
        # The typed writers only: the generic `write` would turn "=..." into a formula and "http..." into a link.
        if value is None:
            return
        sheet = self._sheet
        if isinstance(value, bool):
            sheet.write_boolean(row, col, value)
        elif isinstance(value, int | float | Decimal):
            sheet.write_number(row, col, value)  # type: ignore[arg-type]
        elif isinstance(value, datetime):
            sheet.write_datetime(row, col, value.date(), self._date)  # an export shows the date
        elif isinstance(value, date):
            sheet.write_datetime(row, col, value, self._date)
        elif text := cell_text(value):
            sheet.write_string(row, col, text)

    def append(self, rows: Iterable[T]) -> None:
        write, columns = self._write, self._columns
        for row in rows:
            self.rows += 1
            for col, (_, value) in enumerate(columns):
                write(self.rows, col, value(row))

    def finish(self) -> IO[bytes]:
        """Save the workbook; returns the file positioned at its start (the caller closes it)."""
        try:
            self._workbook.close()
            self._out.seek(0)
        except BaseException:
            self._out.close()
            raise
        return self._out


async def build_xlsx(
    rows: AsyncIterable[T],
    columns: Sequence[Column[T]],
    *,
    sheet_title: str = "Sheet1",
    widths: Sequence[float] | None = None,
    batch_size: int = 1000,
) -> tuple[IO[bytes], int]:
    """Write `rows` to an XLSX file off the event loop, `batch_size` rows per worker-thread hop.

    Returns the file (at position 0; stream it with `iter_file`, which closes it) and its size in bytes.
    """
    builder = await anyio.to_thread.run_sync(lambda: XlsxBuilder(columns, sheet_title=sheet_title, widths=widths))
    batch: list[T] = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            await anyio.to_thread.run_sync(builder.append, batch)
            batch = []
    if batch:
        await anyio.to_thread.run_sync(builder.append, batch)
    out = await anyio.to_thread.run_sync(builder.finish)
    size = await anyio.to_thread.run_sync(lambda: _size(out))
    return out, size


def _size(file: IO[bytes]) -> int:
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(0)
    return size


async def iter_file(file: IO[bytes], *, chunk_bytes: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
    """Stream a (spooled) file in chunks, reading off the event loop; closes the file at the end."""
    try:
        while True:
            chunk = await anyio.to_thread.run_sync(file.read, chunk_bytes)
            if not chunk:
                break
            yield chunk
    finally:
        file.close()


# --- PDF ---------------------------------------------------------------------------------------------------


def table_cells(rows: Iterable[T], columns: Sequence[Column[T]]) -> list[list[str]]:
    """The text of every cell, row by row: plain data that a worker process can lay out (`render_pdf_table`)."""
    return [[cell_text(value(row)) for _, value in columns] for row in rows]


def pdf_table(
    rows: Iterable[T],
    columns: Sequence[Column[T]],
    *,
    title: str,
    subtitle: str | None = None,
    widths: Sequence[float] | None = None,
    font_size: float = 7.5,
) -> bytes:
    """`render_pdf_table` of `rows` described by `columns`, in the calling thread."""
    return render_pdf_table(
        headers_of(columns),
        table_cells(rows, columns),
        title=title,
        subtitle=subtitle,
        widths=widths,
        font_size=font_size,
    )


def render_pdf_table(
    headers: Sequence[str],
    cells: Sequence[Sequence[str]],
    *,
    title: str,
    subtitle: str | None = None,
    widths: Sequence[float] | None = None,
    font_size: float = 7.5,
) -> bytes:
    """A landscape-letter PDF: a title, then one table whose header row repeats on every page.

    Blocking and CPU-bound: hand it to the PDF pool (`app.adapters.pdf_pool`), whose worker processes take plain
    data (the cells' text, from `table_cells`). `widths` are relative column weights (default: equal); cells too
    long for their column wrap instead of overflowing.
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    pagesize = landscape(letter)
    margin = 0.4 * inch
    usable = pagesize[0] - 2 * margin
    weights = list(widths) if widths else [1.0] * len(headers)
    col_widths = [usable * w / sum(weights) for w in weights]
    styles = getSampleStyleSheet()
    cell_style = ParagraphStyle("cell", fontName="Helvetica", fontSize=font_size, leading=font_size + 1.5)
    head_style = ParagraphStyle("head", parent=cell_style, fontName="Helvetica-Bold")
    padding = 6  # left + right cell padding

    def cell(text: str, width: float) -> object:
        # Plain strings are much faster to lay out; only text that would overflow becomes a wrapping Paragraph.
        if stringWidth(text, "Helvetica", font_size) <= width - padding:
            return text
        return Paragraph(escape(text), cell_style)

    data: list[list[object]] = [[Paragraph(escape(h), head_style) for h in headers]]
    for row in cells:
        data.append([cell(text, col_widths[i]) for i, text in enumerate(row)])

    table = LongTable(data, colWidths=col_widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", font_size),
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", font_size),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E2F3")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F3F6FA")]),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9AA5B1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), padding / 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), padding / 2),
            ]
        )
    )

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawRightString(pagesize[0] - margin, margin / 2, f"Page {doc.page}")
        canvas.restoreState()

    story: list[Any] = [Paragraph(escape(title), styles["Title"])]
    if subtitle:
        story.append(Paragraph(escape(subtitle), styles["Normal"]))
    story += [Spacer(1, 0.15 * inch), table]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=title,
        author="Producer Portal",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
