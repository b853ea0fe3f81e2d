"""File exports: CSV and XLSX writers that stream, and a reportlab PDF table builder.

Generic over the row type: a table is described by its columns, `(header, value-function)` pairs, so
prospects today and reports later share one implementation. Cell values are rendered the same way
everywhere: dates (and datetimes, by their date) as the guides' MM/DD/YYYY, `None` as an empty cell.

Memory stays flat whatever the row count: CSV is encoded and yielded in small chunks while rows
arrive; XLSX goes through openpyxl's write-only workbook into a spooled temporary file (written in
a worker thread, batch by batch) that is then streamed; the PDF is built in a worker thread too.
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
_FILENAME_UNSAFE_RE = re.compile(r'[^A-Za-z0-9._-]')
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

async def csv_stream(rows: AsyncIterable[T], columns: Sequence[Column[T]], *, chunk_bytes: int = CHUNK_BYTES,
                     bom: bool = False) -> AsyncIterator[bytes]:
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
    """One worksheet, written row by row with openpyxl's write-only workbook (constant memory).

    Blocking: call `append` and `finish` from a worker thread (`build_xlsx` does). The header row is bold
    and frozen; dates are real Excel dates shown as MM/DD/YYYY; text is never read as a formula.
    """

    def __init__(self, columns: Sequence[Column[T]], *, sheet_title: str = "Sheet1",
                 widths: Sequence[float] | None = None, spool_max_bytes: int = SPOOL_MAX_BYTES) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self._columns: Sequence[Column[Any]] = columns
        self._cell = WriteOnlyCell
        self._spool_max = spool_max_bytes
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(title=_SHEET_TITLE_UNSAFE_RE.sub("-", sheet_title)[:31] or "Sheet1")
        self._sheet.freeze_panes = "A2"
        for i, (header, _) in enumerate(columns, start=1):
            width = widths[i - 1] if widths else max(len(header) + 2, 12)
            self._sheet.column_dimensions[get_column_letter(i)].width = width
        bold = Font(bold=True)
        header_cells = []
        for header, _ in columns:
            cell = WriteOnlyCell(self._sheet, value=cell_text(header))
            cell.font = bold
            cell.data_type = "s"
            header_cells.append(cell)
        self._sheet.append(header_cells)
        self.rows = 0

    def _xlsx_cell(self, value: object) -> object:
        # Plain values go in as they are (openpyxl's fastest path); only dates and text that openpyxl would
        # take for a formula need a styled or typed cell.
        if value is None or isinstance(value, bool | int | float | Decimal):
            return value
        if isinstance(value, datetime | date):
            cell = self._cell(self._sheet, value=value.date() if isinstance(value, datetime) else value)
            cell.number_format = XLSX_DATE_FORMAT
            return cell
        text = cell_text(value)
        if not text.startswith(("=", "#")):
            return text
        cell = self._cell(self._sheet, value=text)
        cell.data_type = "s"  # text: never a formula ("=...") nor an error value ("#N/A")
        return cell

    def append(self, rows: Iterable[T]) -> None:
        for row in rows:
            self._sheet.append([self._xlsx_cell(value(row)) for _, value in self._columns])
            self.rows += 1

    def finish(self) -> IO[bytes]:
        """Save the workbook; returns the file positioned at its start (the caller closes it)."""
        out = tempfile.SpooledTemporaryFile(max_size=self._spool_max)
        try:
            self._workbook.save(out)
            out.seek(0)
        except BaseException:
            out.close()
            raise
        return out


async def build_xlsx(rows: AsyncIterable[T], columns: Sequence[Column[T]], *, sheet_title: str = "Sheet1",
                     widths: Sequence[float] | None = None, batch_size: int = 1000) -> tuple[IO[bytes], int]:
    """Write `rows` to an XLSX file off the event loop, `batch_size` rows per worker-thread hop.

    Returns the file (at position 0; stream it with `iter_file`, which closes it) and its size in bytes.
    """
    builder = await anyio.to_thread.run_sync(
        lambda: XlsxBuilder(columns, sheet_title=sheet_title, widths=widths))
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

def pdf_table(rows: Iterable[T], columns: Sequence[Column[T]], *, title: str, subtitle: str | None = None,
              widths: Sequence[float] | None = None, font_size: float = 7.5) -> bytes:
    """A landscape-letter PDF: a title, then one table whose header row repeats on every page.

    Blocking and CPU-bound: run it in a worker thread (`anyio.to_thread.run_sync`). `widths` are relative
    column weights (default: equal); cells too long for their column wrap instead of overflowing.
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
    weights = list(widths) if widths else [1.0] * len(columns)
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

    data: list[list[object]] = [[Paragraph(escape(h), head_style) for h in headers_of(columns)]]
    for row in rows:
        data.append([cell(cell_text(value(row)), col_widths[i]) for i, (_, value) in enumerate(columns)])

    table = LongTable(data, colWidths=col_widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", font_size),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", font_size),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E2F3")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F3F6FA")]),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9AA5B1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), padding / 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding / 2),
    ]))

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
    doc = SimpleDocTemplate(out, pagesize=pagesize, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=margin, title=title, author="Producer Portal")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
