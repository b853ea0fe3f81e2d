"""Document submission through the API with real multipart uploads (R-DOC-1 .. R-DOC-4, R-BOOK-1, R-DEL-9).

Every test checks the answer, the database row and the storage folder (files named by uuid4, no leftovers).
"""

from __future__ import annotations

import gc
import hashlib
import re
import tracemalloc
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app.repositories.orm import AuditEvent, Document, IdempotencyKey, Policy
from app.schemas.documents import DocumentRead
from app.services.idempotency import request_fingerprint
from tests.api.test_delegates import mfa_sign_in, ready_delegate
from tests.factories import make_family, producer_id
from tests.helpers import assert_problem, bearer

DOCS = "/api/v1/documents"
MAX = 10_485_760
BOUNDARY = "portal-test-boundary-7d3f"

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
GIF_BODY = (
    b"\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
GIF89 = b"GIF89a" + GIF_BODY
GIF87 = b"GIF87a" + GIF_BODY
TIFF_LE = b"II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00"
TIFF_BE = b"MM\x00*\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00"
BMP = b"BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00"
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"

ALLOWED = [
    ("application.pdf", PDF, "application/pdf"),
    ("photo.jpg", JPEG, "image/jpeg"),
    ("photo.JPEG", JPEG, "image/jpeg"),
    ("card.png", PNG, "image/png"),
    ("scan.gif", GIF89, "image/gif"),
    ("old-scan.gif", GIF87, "image/gif"),
    ("fax.tif", TIFF_LE, "image/tiff"),
    ("fax.tiff", TIFF_BE, "image/tiff"),
    ("bitmap.bmp", BMP, "image/bmp"),
]


@pytest.fixture
def settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"storage_dir": str(tmp_path / "uploads")})


@pytest.fixture
def storage_dir(settings) -> Path:  # type: ignore[no-untyped-def]
    return Path(settings.storage_dir)


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    name: str = "card.png",
    content: bytes = PNG,
    *,
    document_type: str | None = "other_documents",
    mime: str = "application/octet-stream",
    **fields: str,
) -> httpx.Response:
    data = {k: v for k, v in {"document_type": document_type, **fields}.items() if v is not None}
    return await client.post(DOCS, headers=headers, files={"file": (name, content, mime)}, data=data)


async def rows(app) -> list[Document]:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        return list((await uow.session.execute(select(Document).order_by(Document.id))).scalars())


async def my_e_app(app) -> str:  # type: ignore[no-untyped-def]
    """An e-app number of demoagent's book (issue 12 #10: a document's e-app number must be the producer's)."""
    async with app.state.ctx.uow() as uow:
        pid = await producer_id(uow, "demoagent")
        return str(
            (
                await uow.session.execute(
                    select(Policy.e_app_number)
                    .where(Policy.producer_id == pid, Policy.e_app_number.is_not(None))
                    .limit(1)
                )
            ).scalar_one()
        )


def stored_files(storage_dir: Path) -> list[Path]:
    return sorted(storage_dir.iterdir()) if storage_dir.exists() else []


def multipart_head(file_name: str = "big.pdf", document_type: str = "other_documents") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="document_type"\r\n\r\n{document_type}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()


MULTIPART_TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()
MULTIPART_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


class Source:
    """A hand-built multipart body, sent chunk by chunk; counts how much of it the server pulled."""

    def __init__(self, file_size: int, chunk: int = 64 * 1024) -> None:
        self.file_size, self.chunk, self.pulled, self.total = file_size, chunk, 0, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        pieces = [multipart_head(), b"%PDF-1.7\n"]
        for piece in pieces:
            self.pulled += 1
            yield piece
        left = self.file_size - 9
        zeros = b"\0" * self.chunk
        while left > 0:
            self.pulled += 1
            yield zeros[: min(left, self.chunk)]
            left -= self.chunk
        self.pulled += 1
        yield MULTIPART_TAIL

    def chunks(self) -> int:
        return 3 + -(-(self.file_size - 9) // self.chunk)


# --- R-DOC-1: file kinds by content and name ----------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "content_type"), ALLOWED, ids=[a[0] for a in ALLOWED])
async def test_r_doc_1_every_allowed_kind_is_stored_under_a_generated_name(
    client, app, producer, storage_dir, name, content, content_type
) -> None:
    r = await upload(client, producer, name, content, document_type="new_business_application")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["file_name"] == name
    assert body["content_type"] == content_type  # what the content is, not what the client claimed
    assert body["size_bytes"] == len(content)
    assert body["document_type"] == "new_business_application"
    assert body["document_type_name"] == "New Business Application"
    assert body["account_number"] is None and body["e_app_number"] is None
    assert re.fullmatch(r"\d+", body["tracking_number"])
    assert body["submitted_at"].startswith("2026-11-22T15:00:00")
    [row] = await rows(app)
    assert row.tracking_number == body["tracking_number"] and row.deleted_at is None
    assert row.sha256 == hashlib.sha256(content).hexdigest()
    assert row.content_type == content_type and row.size_bytes == len(content) and row.file_name == name
    [stored] = stored_files(storage_dir)
    assert stored.name == row.storage_key and re.fullmatch(r"[0-9a-f]{32}", stored.name)  # no extension
    assert stored.read_bytes() == content


async def test_r_doc_1_content_and_name_must_agree(client, app, producer, storage_dir) -> None:
    body = assert_problem(await upload(client, producer, "application.pdf", PNG), 422, "document.file_type_mismatch")
    assert (
        body["detail"] == "The file's content is PNG but its name ends in .pdf. Rename the file or choose the "
        "right one."
    )
    assert body["errors"][0]["field"] == "file"
    assert_problem(await upload(client, producer, "card.png", JPEG), 422, "document.file_type_mismatch")
    assert_problem(await upload(client, producer, "scan.gif", TIFF_LE), 422, "document.file_type_mismatch")
    assert await rows(app) == [] and stored_files(storage_dir) == []


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("setup.exe", EXE, "document.file_type_not_allowed"),
        ("archive.zip", ZIP, "document.file_type_not_allowed"),
        ("archive.pdf", ZIP, "document.file_type_not_allowed"),
        ("notes.txt", b"just some text", "document.file_type_not_allowed"),
        ("card.exe", PNG, "document.file_extension_not_allowed"),
        ("card", PNG, "document.file_extension_not_allowed"),
    ],
)
async def test_r_doc_1_other_kinds_are_refused(client, app, producer, storage_dir, name, content, code) -> None:
    body = assert_problem(await upload(client, producer, name, content), 422, code)
    assert body["errors"] == [{"field": "file", "code": code, "message": body["detail"]}]
    assert await rows(app) == [] and stored_files(storage_dir) == []


async def test_r_doc_1_an_empty_file_is_refused(client, app, producer, storage_dir) -> None:
    body = assert_problem(await upload(client, producer, "empty.pdf", b""), 422, "document.file_empty")
    assert "empty" in body["detail"]
    assert await rows(app) == [] and stored_files(storage_dir) == []


async def test_r_doc_1_only_the_base_name_of_the_client_file_name_is_kept(client, app, producer, storage_dir) -> None:
    for raw in ("../../etc/cron.d/scan.png", "C:\\Users\\dana\\Desktop\\scan.png", "..\\..\\scan.png"):
        r = await upload(client, producer, raw, PNG)
        assert r.status_code == 201, r.text
        assert r.json()["file_name"] == "scan.png"
    assert {d.file_name for d in await rows(app)} == {"scan.png"}
    assert all(p.parent == storage_dir for p in stored_files(storage_dir))
    assert len(stored_files(storage_dir)) == 3


# --- R-DOC-1: 10 MB, refused without reading the whole body -------------------------------------------------


async def test_r_doc_1_exactly_10_mb_is_accepted(client, app, producer, storage_dir) -> None:
    content = b"%PDF-1.7\n" + b"\0" * (MAX - 9)
    r = await upload(client, producer, "big.pdf", content)
    assert r.status_code == 201, r.text
    assert r.json()["size_bytes"] == MAX
    [row] = await rows(app)
    [stored] = stored_files(storage_dir)
    assert stored.stat().st_size == MAX and row.sha256 == hashlib.sha256(content).hexdigest()


async def test_r_doc_1_one_byte_over_10_mb_is_413_with_nothing_kept(client, app, producer, storage_dir) -> None:
    content = b"%PDF-1.7\n" + b"\0" * (MAX - 8)
    body = assert_problem(await upload(client, producer, "big.pdf", content), 413, "document.too_large")
    assert "10,485,760 bytes" in body["detail"]
    assert await rows(app) == []
    assert stored_files(storage_dir) == []  # the temporary file is gone too


async def test_r_doc_1_declared_length_over_the_cap_is_refused_before_reading(
    client, app, producer, storage_dir
) -> None:
    source = Source(MAX + 200_000)
    size = len(multipart_head()) + source.file_size + len(MULTIPART_TAIL)
    r = await client.post(
        DOCS, headers={**producer, "Content-Type": MULTIPART_TYPE, "Content-Length": str(size)}, content=source
    )
    body = assert_problem(r, 413, "document.too_large")
    assert body["title"] == "Content too large" and "errors" not in body
    assert r.headers["connection"] == "close"  # the rest of the body is never read: the connection is not reused
    assert source.pulled == 0  # not one byte of the body was read
    assert await rows(app) == [] and stored_files(storage_dir) == []


async def test_r_doc_1_chunked_body_over_the_cap_stops_at_the_cap(client, app, producer, storage_dir) -> None:
    source = Source(MAX + 2 * 1024 * 1024)
    r = await client.post(DOCS, headers={**producer, "Content-Type": MULTIPART_TYPE}, content=source)
    assert "content-length" not in r.request.headers and r.request.headers["transfer-encoding"] == "chunked"
    assert_problem(r, 413, "document.too_large")
    # stopped right after the chunk that crossed 10 MB: the last 2 MB were never pulled
    assert source.pulled <= 2 + MAX // source.chunk + 1 < source.chunks()
    assert await rows(app) == [] and stored_files(storage_dir) == []


async def test_r_doc_1_a_chunked_body_within_the_cap_is_accepted(client, app, producer, storage_dir) -> None:
    source = Source(3 * 1024 * 1024 + 5)
    r = await client.post(DOCS, headers={**producer, "Content-Type": MULTIPART_TYPE}, content=source)
    assert r.status_code == 201, r.text
    assert r.json()["size_bytes"] == source.file_size and r.json()["file_name"] == "big.pdf"
    assert source.pulled == source.chunks()
    [stored] = stored_files(storage_dir)
    assert stored.stat().st_size == source.file_size


@pytest.mark.parametrize("streamed", [False, True], ids=["one-chunk", "64k-chunks"])
async def test_quality_memory_10_mb_upload_peak_growth_under_twice_the_file(
    client, app, producer, storage_dir, streamed
) -> None:
    """quality.md "memory": a 10 MB upload grows the process's peak by less than 2x the file (here: far less)."""
    content = b"%PDF-1.7\n" + b"\0" * (MAX - 9)
    head, tail = multipart_head(), MULTIPART_TAIL
    view = memoryview(content)

    async def chunks() -> AsyncIterator[bytes]:
        yield head
        for i in range(0, len(content), 64 * 1024):
            yield bytes(view[i : i + 64 * 1024])
        yield tail

    await upload(client, producer, "warm.png", PNG)  # first-request imports and caches are not the upload's
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        if streamed:
            r = await client.post(DOCS, headers={**producer, "Content-Type": MULTIPART_TYPE}, content=chunks())
        else:
            r = await upload(client, producer, "big.pdf", content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.status_code == 201, r.text
    growth = peak - before
    print(f"10 MB upload ({'streamed' if streamed else 'one chunk'}): peak growth {growth / 1_048_576:.2f} MiB")
    assert growth < 2 * MAX
    assert growth < MAX // 4  # streamed to disk: a few pieces in flight, never the file
    assert len(stored_files(storage_dir)) == 2


# --- R-DOC-2: the form ---------------------------------------------------------------------------------------


async def test_r_doc_2_file_and_document_type_are_required_each_named(client, app, producer, storage_dir) -> None:
    r = await client.post(DOCS, headers=producer, files={"account_number": (None, "")}, data={"e_app_number": ""})
    body = assert_problem(r, 422, "validation_failed")
    assert {e["field"] for e in body["errors"]} == {"file", "document_type"}
    assert {e["code"] for e in body["errors"]} == {"document.file_required", "document.type_required"}
    body = assert_problem(await upload(client, producer, document_type=None), 422, "document.type_required")
    assert body["errors"][0]["field"] == "document_type"
    assert await rows(app) == [] and stored_files(storage_dir) == []


async def test_r_doc_2_document_type_by_code_or_name_from_the_fixed_list(client, app, producer) -> None:
    r = await client.get("/api/v1/document-types", headers=producer)
    assert r.status_code == 200, r.text
    listed = r.json()
    names = [t["name"] for t in listed["items"]]
    for expected in (
        "New Business Application",
        "Add Dependents",
        "HIPAA Authorization Forms",
        "Proof of Special Enrollment",
        "Change Request",
        "Other Documents",
    ):
        assert expected in names
    assert listed["total"] == len(listed["items"]) and listed["page"] == 1
    assert all(re.fullmatch(r"[a-z_]+", t["code"]) for t in listed["items"])
    r = await upload(client, producer, document_type="HIPAA Authorization Forms")
    assert r.status_code == 201, r.text
    assert r.json()["document_type"] == "hipaa_authorization_forms"
    r = await upload(client, producer, document_type="add_dependents")
    assert r.json()["document_type_name"] == "Add Dependents"
    body = assert_problem(await upload(client, producer, document_type="Love Letters"), 422, "document.type_unknown")
    assert "New Business Application" in body["detail"] and body["errors"][0]["field"] == "document_type"
    assert [d.document_type for d in await rows(app)] == ["hipaa_authorization_forms", "add_dependents"]


async def test_r_doc_2_account_number_must_be_in_my_book(client, app, producer, storage_dir) -> None:
    async with app.state.ctx.uow() as uow:
        mine = await make_family(uow, await producer_id(uow, "demoagent"))
        theirs = await make_family(uow, await producer_id(uow, "otheragent"))
        await uow.commit()
    e_app = await my_e_app(app)
    r = await upload(client, producer, account_number=mine.account_number, e_app_number=e_app)
    assert r.status_code == 201, r.text
    assert r.json()["account_number"] == mine.account_number
    assert r.json()["e_app_number"] == e_app
    for number in (theirs.account_number, "99999999"):
        body = assert_problem(
            await upload(client, producer, account_number=number), 422, "document.account_not_in_book"
        )
        assert body["errors"] == [
            {"field": "account_number", "code": "document.account_not_in_book", "message": body["detail"]}
        ]
    [row] = await rows(app)
    assert row.account_number == mine.account_number
    assert len(stored_files(storage_dir)) == 1  # the refused uploads left nothing behind


async def test_r_doc_2_optional_numbers_are_checked_and_empty_means_absent(client, app, producer) -> None:
    r = await upload(client, producer, account_number="", e_app_number="")
    assert r.status_code == 201, r.text
    assert r.json()["account_number"] is None and r.json()["e_app_number"] is None
    body = assert_problem(await upload(client, producer, e_app_number="12AB"), 422, "document.e_app_number_invalid")
    assert body["errors"][0]["field"] == "e_app_number"
    assert_problem(await upload(client, producer, e_app_number="1" * 21), 422, "document.e_app_number_invalid")
    assert_problem(await upload(client, producer, account_number="12"), 422, "document.account_number_invalid")
    assert len(await rows(app)) == 1


async def test_r_doc_2_unknown_fields_wrong_media_types_and_broken_bodies_are_4xx(
    client, app, producer, storage_dir
) -> None:
    body = assert_problem(await upload(client, producer, producer_id="7"), 422, "document.unknown_field")
    assert body["errors"][0]["field"] == "producer_id"
    body = assert_problem(await upload(client, producer, e_app_number="1" * 5000), 422, "document.field_too_long")
    assert body["errors"][0]["field"] == "e_app_number"
    r = await client.post(DOCS, headers=producer, json={"document_type": "other_documents"})
    body = assert_problem(r, 415, "document.unsupported_media_type")
    assert body["title"] == "Unsupported media type" and "multipart/form-data" in body["detail"]
    assert "errors" not in body and r.headers.get("connection") != "close"
    r = await client.post(DOCS, headers={**producer, "Content-Type": "multipart/form-data"}, content=b"x")
    body = assert_problem(r, 400, "document.malformed_body")
    assert body["title"] == "Bad request" and body["detail"] == "The multipart/form-data Content-Type has no boundary."
    assert "errors" not in body and r.headers.get("connection") != "close"
    r = await client.post(
        DOCS, headers={**producer, "Content-Type": "multipart/form-data; boundary=" + "b" * 300}, content=b"x"
    )
    assert_problem(r, 400, "document.malformed_body")
    truncated = multipart_head() + PDF  # no closing boundary
    r = await client.post(DOCS, headers={**producer, "Content-Type": MULTIPART_TYPE}, content=truncated)
    assert_problem(r, 400, "document.malformed_body")
    two = (
        (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n').encode()
        + PDF
        + (f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="b.pdf"\r\n\r\n').encode()
        + PDF
        + MULTIPART_TAIL
    )
    r = await client.post(DOCS, headers={**producer, "Content-Type": MULTIPART_TYPE}, content=two)
    assert_problem(r, 422, "document.one_file_only")
    assert await rows(app) == [] and stored_files(storage_dir) == []


# --- R-DOC-3: tracking numbers ----------------------------------------------------------------------------


async def test_r_doc_3_tracking_numbers_are_numeric_unique_and_increasing(client, app, producer) -> None:
    numbers = []
    for _ in range(3):
        r = await upload(client, producer)
        assert r.status_code == 201, r.text
        numbers.append(r.json()["tracking_number"])
    assert all(n.isdigit() for n in numbers)
    assert [int(n) for n in numbers] == sorted(int(n) for n in numbers) and len(set(numbers)) == 3
    assert [d.tracking_number for d in await rows(app)] == numbers


# --- R-DOC-4: the history --------------------------------------------------------------------------------


async def test_r_doc_4_history_newest_first_and_delete_removes_the_row(
    client, app, producer, other, clock, storage_dir
) -> None:
    first = (await upload(client, producer, "one.pdf", PDF, document_type="change_request")).json()
    clock.advance(minutes=5)
    second = (await upload(client, producer, "two.png", PNG, e_app_number=await my_e_app(app))).json()
    theirs = (await upload(client, other, "theirs.png", PNG)).json()
    r = await client.get(DOCS, headers=producer)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 2 and page["page"] == 1 and page["page_size"] == 25
    assert [i["tracking_number"] for i in page["items"]] == [second["tracking_number"], first["tracking_number"]]
    assert page["items"][0] == second
    assert page["items"][1]["document_type_name"] == "Change Request"
    paged = (await client.get(DOCS, headers=producer, params={"page": 2, "page_size": 1})).json()
    assert [i["tracking_number"] for i in paged["items"]] == [first["tracking_number"]] and paged["total"] == 2

    # R-BOOK-1: someone else's tracking number is 404 and stays
    assert_problem(await client.delete(f"{DOCS}/{theirs['tracking_number']}", headers=producer), 404, "not_found")
    r = await client.delete(f"{DOCS}/{first['tracking_number']}", headers=producer)
    assert r.status_code == 204 and r.content == b""
    listed = (await client.get(DOCS, headers=producer)).json()
    assert [i["tracking_number"] for i in listed["items"]] == [second["tracking_number"]] and listed["total"] == 1
    assert_problem(await client.delete(f"{DOCS}/{first['tracking_number']}", headers=producer), 404, "not_found")
    by_number = {d.tracking_number: d for d in await rows(app)}
    assert by_number[first["tracking_number"]].deleted_at is not None
    assert by_number[theirs["tracking_number"]].deleted_at is None
    # the carrier keeps what it received: the file stays in storage, only the history row is gone
    assert len(stored_files(storage_dir)) == 3
    assert [i["tracking_number"] for i in (await client.get(DOCS, headers=other)).json()["items"]] == [
        theirs["tracking_number"]
    ]


async def test_r_doc_4_content_can_never_be_downloaded(client, producer) -> None:
    tracking = (await upload(client, producer)).json()["tracking_number"]
    assert_problem(await client.get(f"{DOCS}/{tracking}", headers=producer), 405, "method_not_allowed")
    for suffix in ("content", "download", "file", "pdf"):
        assert_problem(await client.get(f"{DOCS}/{tracking}/{suffix}", headers=producer), 404, "not_found")
    paths = (await client.get("/openapi.json")).json()["paths"]
    document_paths = {p: set(ops) for p, ops in paths.items() if p.startswith(DOCS)}
    assert document_paths == {DOCS: {"get", "post"}, DOCS + "/{tracking_number}": {"delete"}}


async def test_r_doc_audit_log_records_uploads_and_deletes(client, app, producer) -> None:
    tracking = (await upload(client, producer, account_number="")).json()["tracking_number"]
    assert (await client.delete(f"{DOCS}/{tracking}", headers=producer)).status_code == 204
    async with app.state.ctx.uow() as uow:
        events = list(
            (
                await uow.session.execute(
                    select(AuditEvent).where(AuditEvent.target_type == "document").order_by(AuditEvent.id)
                )
            ).scalars()
        )
    assert [(e.action, e.target_id, e.actor_username) for e in events] == [
        ("document.uploaded", tracking, "demoagent"),
        ("document.deleted", tracking, "demoagent"),
    ]
    assert events[0].details["content_type"] == "image/png" and events[0].details["size_bytes"] == len(PNG)


# --- Idempotency-Key ------------------------------------------------------------------------------------


async def test_idempotency_key_returns_the_first_confirmation_and_stores_nothing_more(
    client, app, producer, storage_dir
) -> None:
    key = {"Idempotency-Key": "upload-2026-11-22-001"}
    e_app = await my_e_app(app)
    first = await upload(client, {**producer, **key}, "card.png", PNG, e_app_number=e_app)
    assert first.status_code == 201, first.text
    again = await upload(client, {**producer, **key}, "card.png", PNG, e_app_number=e_app)
    assert again.status_code == 201 and again.json() == first.json()
    assert len(await rows(app)) == 1 and len(stored_files(storage_dir)) == 1
    # the same key for a different file is a client error, and stores nothing
    body = assert_problem(
        await upload(client, {**producer, **key}, "card.png", PNG + b"\0", e_app_number=e_app),
        422,
        "idempotency.key_reused",
    )
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert_problem(
        await upload(client, {**producer, **key}, "card.png", PNG, e_app_number="43"), 422, "idempotency.key_reused"
    )
    assert len(await rows(app)) == 1 and len(stored_files(storage_dir)) == 1
    # without a key every POST is a new submission
    assert (await upload(client, producer)).status_code == 201
    assert len(await rows(app)) == 2


async def test_idempotency_key_is_not_claimed_by_a_refused_upload(client, app, producer) -> None:
    key = {"Idempotency-Key": "retry-after-fixing"}
    assert_problem(
        await upload(client, {**producer, **key}, account_number="99999999"), 422, "document.account_not_in_book"
    )
    r = await upload(client, {**producer, **key})
    assert r.status_code == 201, r.text


async def keys(app) -> dict[str, IdempotencyKey]:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        return {k.key: k for k in (await uow.session.execute(select(IdempotencyKey))).scalars()}


async def test_idempotency_key_fingerprint_is_the_checked_fields_the_file_name_and_its_digest(
    client, app, producer, storage_dir
) -> None:
    """The same computation as before the route declared its idempotency (`@idempotent`), so keys stored then still
    replay: the document type's code (a name sent for it is the same request), account and e-app number, the file's
    base name and the SHA-256 of its bytes."""
    e_app = await my_e_app(app)
    key = {**producer, "Idempotency-Key": "upload-fingerprint"}
    first = await upload(client, key, "card.png", PNG, e_app_number=e_app)
    assert first.status_code == 201, first.text
    [row] = (await keys(app)).values()
    digest = hashlib.sha256(PNG).hexdigest()
    assert (row.method, row.path, row.status_code, row.response_body) == ("POST", DOCS, 201, first.json())
    assert row.request_hash == request_fingerprint("document", "other_documents", None, e_app, "card.png", digest)
    again = await upload(client, key, "../card.png", PNG, document_type="Other Documents", e_app_number=e_app)
    assert again.status_code == 201 and again.json() == first.json()
    assert_problem(await upload(client, key, "scan.png", PNG, e_app_number=e_app), 422, "idempotency.key_reused")
    assert len(await rows(app)) == 1 and len(stored_files(storage_dir)) == 1


async def test_idempotency_key_is_claimed_only_after_the_caller_and_the_upload_are_checked(
    client, app, producer, storage_dir
) -> None:
    """401, and the upload's own refusals (415, 400, 413 at the cap, 422 fields): no key is claimed, no file kept."""
    key = {"Idempotency-Key": "checked-first"}
    assert_problem(await upload(client, key), 401)
    assert_problem(await client.post(DOCS, headers={**producer, **key}, json={}), 415)
    bad = {**producer, **key, "Content-Type": "multipart/form-data"}
    assert_problem(await client.post(DOCS, headers=bad, content=b"x"), 400)
    assert_problem(await upload(client, {**producer, **key}, "big.pdf", b"%PDF-1.7\n" + b"\0" * (MAX - 8)), 413)
    assert_problem(await upload(client, {**producer, **key}, producer_id="7"), 422, "document.unknown_field")
    assert_problem(await upload(client, {**producer, **key}, "tool.exe", EXE), 422)
    assert await keys(app) == {} and await rows(app) == [] and stored_files(storage_dir) == []
    r = await upload(client, {**producer, **key})
    assert r.status_code == 201, r.text


async def test_idempotency_key_on_a_streamed_upload_reads_the_body_once_and_keeps_the_cap(
    client, app, producer, storage_dir
) -> None:
    """The route reads the multipart stream once (for the file and its digest, before the claim); a replay reads the
    retried body through too, and keeps nothing of it. Over the cap, the stream stops at the cap and no key is kept."""
    key = {**producer, "Idempotency-Key": "streamed", "Content-Type": MULTIPART_TYPE}
    source = Source(3 * 1024 * 1024 + 5)
    first = await client.post(DOCS, headers=key, content=source)
    assert first.status_code == 201, first.text
    assert source.pulled == source.chunks()
    retry = Source(3 * 1024 * 1024 + 5)
    again = await client.post(DOCS, headers=key, content=retry)
    assert again.status_code == 201 and again.json() == first.json()
    assert retry.pulled == retry.chunks()
    assert len(await rows(app)) == 1 and len(stored_files(storage_dir)) == 1

    over = {**key, "Idempotency-Key": "streamed-over"}
    source = Source(MAX + 2 * 1024 * 1024)
    assert_problem(await client.post(DOCS, headers=over, content=source), 413, "document.too_large")
    assert source.pulled <= 2 + MAX // source.chunk + 1 < source.chunks()
    source = Source(MAX + 200_000)
    size = len(multipart_head()) + source.file_size + len(MULTIPART_TAIL)
    r = await client.post(DOCS, headers={**over, "Content-Length": str(size)}, content=source)
    assert_problem(r, 413, "document.too_large")
    assert source.pulled == 0
    assert set(await keys(app)) == {"streamed"} and len(stored_files(storage_dir)) == 1


async def test_idempotency_key_stored_by_the_service_before_the_route_declared_it_replays_as_then(
    client, app, producer, clock, storage_dir
) -> None:
    """An answer stored before the deploy (the service's dict, `submitted_at` as isoformat) replays as the route sent
    it then: read by DocumentRead."""
    stored = {
        "tracking_number": "100042",
        "file_name": "card.png",
        "document_type": "other_documents",
        "document_type_name": "Other Documents",
        "account_number": None,
        "e_app_number": None,
        "content_type": "image/png",
        "size_bytes": len(PNG),
        "submitted_at": clock.now().isoformat(),
    }
    async with app.state.ctx.uow() as uow:
        uow.session.add(
            IdempotencyKey(
                user_id=await producer_id(uow, "demoagent"),
                key="before-the-deploy",
                method="POST",
                path=DOCS,
                request_hash=request_fingerprint(
                    "document", "other_documents", None, None, "card.png", hashlib.sha256(PNG).hexdigest()
                ),
                status_code=201,
                response_body=stored,
                created_at=clock.now(),
                expires_at=clock.now() + timedelta(hours=24),
            )
        )
        await uow.commit()
    r = await upload(client, {**producer, "Idempotency-Key": "before-the-deploy"})
    assert r.status_code == 201, r.text
    assert r.json() == DocumentRead.model_validate(stored).model_dump(mode="json")
    assert r.json()["submitted_at"] != stored["submitted_at"]  # "Z", as the route answered then
    assert await rows(app) == [] and stored_files(storage_dir) == []


# --- who may --------------------------------------------------------------------------------------------


async def test_r_del_9_delegates_cannot_submit_or_list_documents(client, app, producer, clock, storage_dir) -> None:
    admin = await bearer(client, "admin", "Admin123")
    d = await ready_delegate(client, admin, producer, clock)
    auth = {"Authorization": f"Bearer {(await mfa_sign_in(client, admin, d, clock))['access_token']}"}
    tracking = (await upload(client, producer)).json()["tracking_number"]
    for r in (
        await upload(client, auth),
        await client.get(DOCS, headers=auth),
        await client.get("/api/v1/document-types", headers=auth),
        await client.delete(f"{DOCS}/{tracking}", headers=auth),
    ):
        body = assert_problem(r, 403, "delegate_not_permitted")
        assert "quotes and off-exchange enrollment" in body["detail"]
    assert len(await rows(app)) == 1 and len(stored_files(storage_dir)) == 1


async def test_r_book_1_anonymous_callers_get_401_and_nothing_is_stored(client, app, demo, storage_dir) -> None:
    assert_problem(await upload(client, {}), 401)
    assert_problem(await client.get(DOCS), 401)
    assert_problem(await client.get("/api/v1/document-types"), 401)
    assert await rows(app) == [] and stored_files(storage_dir) == []


async def make_document(client, app, producer) -> str:  # type: ignore[no-untyped-def]
    """Isolation-matrix maker: a submission in demoagent's history (a row only, so no file is written)."""
    async with app.state.ctx.uow() as uow:
        owner = await producer_id(uow, "demoagent")
        doc = Document(
            tracking_number="pending",
            producer_id=owner,
            uploaded_by_id=owner,
            document_type="other_documents",
            account_number=None,
            e_app_number=None,
            file_name="x.pdf",
            storage_key="0" * 32,
            content_type="application/pdf",
            size_bytes=1,
            sha256="0" * 64,
            submitted_at=app.state.ctx.clock.now(),
            deleted_at=None,
        )
        uow.session.add(doc)
        await uow.flush()
        doc.tracking_number = str(195_000 + doc.id)
        await uow.commit()
    return doc.tracking_number


@pytest.mark.parametrize("field", ["account_number", "e_app_number", "document_type"])
async def test_trust_3_nul_in_an_upload_form_field_is_422_not_500(client, app, producer, storage_dir, field) -> None:
    r = await upload(client, producer, **{field: "7300\x0075112"})
    body = assert_problem(r, 422)
    assert body["errors"][0]["field"] == field, body
    assert not any(storage_dir.rglob("*.*")) if storage_dir.exists() else True  # nothing was stored


async def test_trust_3_nul_in_an_upload_file_name_is_dropped_from_the_kept_name(
    client, app, producer, storage_dir
) -> None:
    boundary = "trust3boundary"
    raw = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="document_type"\r\n\r\nother_documents\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="card\x00.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + PNG
        + f"\r\n--{boundary}--\r\n".encode()
    )
    r = await client.post(
        DOCS, content=raw, headers={**producer, "content-type": f"multipart/form-data; boundary={boundary}"}
    )
    # The client's file name is only kept for display (R-DOC-1: stored under a generated name); control characters
    # are dropped from it rather than refusing the upload.
    assert r.status_code == 201, r.text
    assert r.json()["file_name"] == "card.png"
