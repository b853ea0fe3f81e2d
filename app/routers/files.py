"""The response of a CSV or XLSX export: streamed as the rows are read, never the whole file in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import IO

from fastapi.responses import StreamingResponse

from app.adapters import exports


async def streamed_export(
    export_format: str,
    *,
    file_name: str,
    csv: Callable[[], AsyncIterator[bytes]],
    xlsx: Callable[[], Awaitable[tuple[IO[bytes], int]]],
) -> StreamingResponse:
    """An attachment named `file_name`: for "csv" the bytes `csv()` yields as it reads the rows, otherwise the
    XLSX workbook `xlsx()` builds, with its Content-Length. Only the chosen one is called."""
    headers = {"Content-Disposition": exports.content_disposition(file_name)}
    if export_format == "csv":
        return StreamingResponse(csv(), media_type=f"{exports.CSV_MEDIA_TYPE}; charset=utf-8", headers=headers)
    file, size = await xlsx()
    headers["Content-Length"] = str(size)
    return StreamingResponse(exports.iter_file(file), media_type=exports.XLSX_MEDIA_TYPE, headers=headers)
