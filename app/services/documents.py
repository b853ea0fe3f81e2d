"""Document submission (R-DOC-1 .. R-DOC-4): stream the upload to storage, check it, record it; the history.

The multipart body is parsed from the request stream as it arrives (python-multipart's streaming parser):
the file goes to the storage writer in pieces, hashed and sized on the way, so memory stays flat whatever
the file size, and the upload stops at the first byte over the cap (R-DOC-1). Nothing ever reads a stored
document back (R-DOC-4).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import uuid4

from python_multipart.exceptions import FormParserError, MultipartParseError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header

from app.adapters.storage import DocumentStorage, UploadWriter
from app.domain.accounts import Principal
from app.domain.documents import (
    DOCUMENT_TYPES,
    FORM_FIELDS,
    MAX_FIELD_BYTES,
    MAX_PARTS,
    SNIFF_BYTES,
    DocumentType,
    FileFacts,
    MalformedUpload,
    Submission,
    UnsupportedMediaType,
    body_limit,
    check_references_in_book,
    check_submission,
    document_type_name,
    too_large,
    tracking_number,
)
from app.domain.errors import NotFound, ValidationFailed
from app.domain.webhooks import EventType
from app.ports import HasClock, HasSettings, HasUnitOfWork, HasWebhooks
from app.repositories.orm import Document
from app.repositories.uow import UnitOfWork
from app.services import audit
from app.services.audit import RequestContext


class DocumentPorts(HasUnitOfWork, HasClock, HasSettings, HasWebhooks, Protocol):
    """What the document services use (the storage is passed on its own)."""


if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

PARSE_PIECE = 64 * 1024  # the parser sees at most this much at a time, so no copy is ever bigger
NOT_FOUND = "No document with tracking number {} in your submissions."


@dataclass(frozen=True)
class DocumentView:
    """A submission as the producer sees it (the confirmation and the history rows)."""

    tracking_number: str
    file_name: str
    document_type: str
    document_type_name: str
    account_number: str | None
    e_app_number: str | None
    content_type: str
    size_bytes: int
    submitted_at: datetime

    @classmethod
    def of(cls, doc: Document) -> DocumentView:
        return cls(
            tracking_number=doc.tracking_number,
            file_name=doc.file_name,
            document_type=doc.document_type,
            document_type_name=document_type_name(doc.document_type),
            account_number=doc.account_number,
            e_app_number=doc.e_app_number,
            content_type=doc.content_type,
            size_bytes=doc.size_bytes,
            submitted_at=doc.submitted_at,
        )


# --- receiving the multipart stream ------------------------------------------------------------------------


@dataclass
class ReceivedForm:
    """What arrived: the small fields, and the file (streamed to `writer`, not yet committed)."""

    fields: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    too_long: list[str] = field(default_factory=list)
    file_name: str | None = None  # None: no file part
    size: int = 0
    sha256: str = ""
    head: bytes = b""
    writer: UploadWriter | None = None

    @property
    def file(self) -> FileFacts | None:
        return None if self.file_name is None else FileFacts(self.file_name, self.head, self.size)


class _FormReceiver:
    """Callbacks for python-multipart's MultipartParser. They run synchronously inside `parser.write`, so
    file pieces are queued in `pending` and handed to the (async) storage writer after each write."""

    def __init__(self, max_file_bytes: int) -> None:
        self.max_file = max_file_bytes
        self.form = ReceivedForm()
        self.pending: list[bytes] = []
        self._digest = hashlib.sha256()
        self._head = bytearray()
        self._parts = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._part: str | None = None  # "file", a known field name, or None (ignored)
        self._value = bytearray()
        self._value_too_long = False

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise MalformedUpload(
                f"The form has more than {MAX_PARTS} parts; send file, document_type, account_number and e_app_number."
            )
        self._headers, self._part = {}, None

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[bytes(self._header_name).strip().lower()] = bytes(self._header_value).strip()
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        disposition = self._headers.get(b"content-disposition")
        if not disposition:
            raise MalformedUpload("A form part has no Content-Disposition header.")
        _kind, options = parse_options_header(disposition)
        raw_name = options.get(b"name")
        if raw_name is None:
            raise MalformedUpload("A form part has no name.")
        name = raw_name.decode("utf-8", errors="replace")
        if name == "file":
            if self.form.file_name is not None:
                raise ValidationFailed("Send one file per submission.", code="document.one_file_only", field="file")
            self.form.file_name = options.get(b"filename", b"").decode("utf-8", errors="replace")
            self._part = "file"
        elif name in FORM_FIELDS:
            if name in self.form.fields:
                raise ValidationFailed(f"{name} was sent twice.", code="document.field_repeated", field=name)
            self._part, self._value_too_long = name, False
            self._value.clear()
        else:
            self.form.unknown.append(name)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part == "file":
            self.form.size += end - start
            if self.form.size > self.max_file:  # R-DOC-1: stop at the first byte over the cap
                raise too_large(self.max_file)
            piece = data[start:end]
            if len(self._head) < SNIFF_BYTES:
                self._head += piece[: SNIFF_BYTES - len(self._head)]
            self._digest.update(piece)
            self.pending.append(piece)
        elif self._part is not None:
            if len(self._value) + (end - start) > MAX_FIELD_BYTES:
                self._value_too_long = True
            else:
                self._value += data[start:end]

    def _part_end(self) -> None:
        if self._part == "file":
            self.form.head, self.form.sha256 = bytes(self._head), self._digest.hexdigest()
        elif self._part is not None:
            if self._value_too_long:
                self.form.too_long.append(self._part)
            self.form.fields[self._part] = bytes(self._value).decode("utf-8", errors="replace")
        self._part = None


async def receive_form(
    body: AsyncIterator[bytes],
    *,
    content_type: str | None,
    content_length: str | None,
    storage: DocumentStorage,
    max_file_bytes: int,
) -> ReceivedForm:
    """Parse a multipart/form-data stream; the file part goes to a storage writer (left uncommitted).

    R-DOC-1: a declared Content-Length over the cap is refused before anything is read; otherwise the body is
    counted as it arrives and the upload stops at the first byte over the cap, the temporary file removed.
    """
    media_type, params = parse_options_header(content_type)
    if media_type != b"multipart/form-data":
        raise UnsupportedMediaType(
            "Send the document as multipart/form-data (fields file, document_type, account_number, e_app_number)."
        )
    boundary = params.get(b"boundary")
    if not boundary:
        raise MalformedUpload("The multipart/form-data Content-Type has no boundary.")
    limit = body_limit(max_file_bytes)
    if content_length is not None and content_length.strip().isdigit() and int(content_length) > limit:
        raise too_large(max_file_bytes)
    receiver = _FormReceiver(max_file_bytes)
    try:
        parser = MultipartParser(boundary, receiver.callbacks())
    except FormParserError as exc:  # a boundary longer than RFC 2046 allows
        raise MalformedUpload("The multipart boundary is not valid.") from exc
    received = 0
    try:
        async for chunk in body:
            received += len(chunk)
            if received > limit:
                raise too_large(max_file_bytes)
            for offset in range(0, len(chunk), PARSE_PIECE):
                try:
                    parser.write(chunk[offset : offset + PARSE_PIECE])
                except MultipartParseError as exc:
                    raise MalformedUpload("The multipart/form-data body is malformed.") from exc
                if receiver.pending:
                    if receiver.form.writer is None:
                        receiver.form.writer = await storage.open_writer()
                    for piece in receiver.pending:
                        await receiver.form.writer.write(piece)
                    receiver.pending.clear()
        parser.finalize()
        if parser.state != MultipartState.END:
            raise MalformedUpload("The multipart/form-data body ended before its closing boundary.")
        return receiver.form
    except BaseException:
        if receiver.form.writer is not None:
            await receiver.form.writer.abort()
        raise


# --- use cases ---------------------------------------------------------------------------------------------


def list_document_types() -> tuple[DocumentType, ...]:
    """R-DOC-2: the fixed list."""
    return DOCUMENT_TYPES


def _audit(
    uow: UnitOfWork,
    ctx: DocumentPorts,
    request: RequestContext,
    action: str,
    producer: Principal,
    tracking: str,
    **details: object,
) -> None:
    audit.record_by(
        uow,
        producer,
        now=ctx.clock.now(),
        request=request,
        action=action,
        target_type="document",
        target_id=tracking,
        details=details,
    )


@dataclass(frozen=True)
class Upload:
    """A submission received and checked, its file streamed to a storage writer that `record_upload` commits;
    `discard_upload` removes the file unless it was."""

    submission: Submission
    form: ReceivedForm
    writer: UploadWriter

    @property
    def sha256(self) -> str:
        return self.form.sha256


async def receive_upload(
    *,
    ctx: DocumentPorts,
    storage: DocumentStorage,
    body: AsyncIterator[bytes],
    content_type: str | None,
    content_length: str | None,
) -> Upload:
    """R-DOC-1/2: receive the multipart stream (its file to an uncommitted writer) and check content and fields."""
    form = await receive_form(
        body,
        content_type=content_type,
        content_length=content_length,
        storage=storage,
        max_file_bytes=ctx.settings.max_upload_bytes,
    )
    try:
        sub = check_submission(form.fields, form.file, unknown=form.unknown, too_long=form.too_long)
        writer = form.writer
        assert writer is not None  # a non-empty file was streamed to it
        return Upload(sub, form, writer)
    except BaseException:
        if form.writer is not None:
            await form.writer.abort()
        raise


async def discard_upload(upload: Upload) -> None:
    """The received file goes, unless `record_upload` stored it."""
    await upload.writer.abort()  # does nothing once committed


async def record_upload(
    *, ctx: DocumentPorts, producer: Principal, storage: DocumentStorage, upload: Upload, request: RequestContext
) -> DocumentView:
    """R-DOC-1..3: the received file stored under a generated name, and recorded (its tracking number)."""
    sub, form, writer = upload.submission, upload.form, upload.writer
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        documents = uow.documents
        check_references_in_book(
            sub,
            account_in_book=sub.account_number is None
            or await documents.account_in_book(producer.user_id, sub.account_number),
            e_app_in_book=sub.e_app_number is None or await documents.e_app_in_book(producer.user_id, sub.e_app_number),
        )
        # The file is in place before the row that names it is committed; if the row fails, the file goes.
        key = await writer.commit()
        try:
            doc = documents.add(
                Document(
                    tracking_number=f"new-{uuid4().hex[:16]}",
                    producer_id=producer.user_id,
                    uploaded_by_id=producer.user_id,
                    document_type=sub.document_type.code,
                    account_number=sub.account_number,
                    e_app_number=sub.e_app_number,
                    file_name=sub.file_name,
                    storage_key=key,
                    content_type=sub.kind.content_type,
                    size_bytes=form.size,
                    sha256=form.sha256,
                    submitted_at=now,
                    deleted_at=None,
                )
            )
            await uow.flush()
            doc.tracking_number = tracking_number(doc.id)  # R-DOC-3
            _audit(
                uow,
                ctx,
                request,
                "document.uploaded",
                producer,
                doc.tracking_number,
                document_type=sub.document_type.code,
                account_number=sub.account_number,
                content_type=sub.kind.content_type,
                size_bytes=form.size,
                sha256=form.sha256,
            )
            await ctx.webhooks.emit(
                uow,
                producer_id=producer.user_id,
                event_type=EventType.document_received,
                data={
                    "tracking_number": doc.tracking_number,
                    "document_type": sub.document_type.code,
                    "account_number": sub.account_number,
                    "e_app_number": sub.e_app_number,
                    "received_at": now.isoformat(),
                },
            )
            await uow.commit()
        except BaseException:
            await storage.delete(key)
            raise
        return DocumentView.of(doc)


async def list_documents(
    *, ctx: DocumentPorts, producer: Principal, page: int, page_size: int
) -> tuple[list[DocumentView], int]:
    """R-DOC-4: "View Submitted Documents", newest first."""
    async with ctx.uow() as uow:
        rows, total = await uow.documents.list_for_producer(producer.user_id, page=page, page_size=page_size)
        return [DocumentView.of(d) for d in rows], total


async def delete_document(*, ctx: DocumentPorts, producer: Principal, tracking: str, request: RequestContext) -> None:
    """R-DOC-4: the row leaves the history; the carrier keeps the document it received."""
    async with ctx.uow() as uow:
        doc = await uow.documents.get_for_producer(tracking, producer.user_id, for_update=True)
        if doc is None:
            raise NotFound(NOT_FOUND.format(tracking))
        doc.deleted_at = ctx.clock.now()
        _audit(uow, ctx, request, "document.deleted", producer, tracking)
        await uow.commit()
