"""The one response of the CSV and XLSX exports (prospects, reports): streamed, named, sized when it can be."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import IO

from app.adapters import exports
from app.routers.files import streamed_export


async def _body(response: object) -> bytes:
    return b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]


async def test_csv_is_streamed_as_produced_and_the_workbook_is_not_built() -> None:
    async def csv() -> AsyncIterator[bytes]:
        yield b"a,b\r\n"
        yield b"1,2\r\n"

    async def xlsx() -> tuple[IO[bytes], int]:
        raise AssertionError("the workbook is built only for xlsx")

    response = await streamed_export("csv", file_name="prospects-20261122.csv", csv=csv, xlsx=xlsx)
    assert response.media_type == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == exports.content_disposition("prospects-20261122.csv")
    assert "content-length" not in response.headers
    assert await _body(response) == b"a,b\r\n1,2\r\n"


async def test_xlsx_is_streamed_from_its_file_with_its_size() -> None:
    def csv() -> AsyncIterator[bytes]:
        raise AssertionError("no CSV for xlsx")

    async def xlsx() -> tuple[IO[bytes], int]:
        return io.BytesIO(b"PK\x03\x04workbook"), 12

    response = await streamed_export("xlsx", file_name="r.xlsx", csv=csv, xlsx=xlsx)
    assert response.media_type == exports.XLSX_MEDIA_TYPE
    assert response.headers["content-length"] == "12"
    assert response.headers["content-disposition"] == exports.content_disposition("r.xlsx")
    assert await _body(response) == b"PK\x03\x04workbook"
