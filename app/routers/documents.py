"""E-Communication: document submission (R-DOC-1 .. R-DOC-4)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from app.adapters.storage import DocumentStorage
from app.deps import PHI_FREE, Ctx, CurrentProducer, ReqCtx, audit_read
from app.errors import error_responses
from app.routers.idempotent import idempotent
from app.routers.paging import PAGED_RESPONSES, PageParams
from app.schemas.common import Page
from app.schemas.documents import UPLOAD_REQUEST_BODY, DocumentRead, DocumentTypeRead
from app.services import documents as document_service

router = APIRouter(prefix="/api/v1", tags=["documents"], responses=error_responses(401, 403))

TrackingNumber = Annotated[str, Path(pattern=r"^\d{1,20}$", description="Numeric tracking number")]


async def document_storage(ctx: Ctx) -> DocumentStorage:
    """The storage port: the bucket of PORTAL_STORAGE_URL or the folder PORTAL_STORAGE_DIR, built once per process
    (`AppContext.storage`); tests may override this dependency."""
    return ctx.storage


Storage = Annotated[DocumentStorage, Depends(document_storage)]


async def received_upload(request: Request, ctx: Ctx, storage: Storage) -> AsyncIterator[document_service.Upload]:
    """R-DOC-1/2: the multipart body, read once as it streams in (the file to storage, the upload stopped at the
    first byte over the cap) and checked, so a refused upload never claims the request's Idempotency-Key; the
    file is removed unless the endpoint records it. After the caller's role check. Upload errors (too large, not
    multipart/form-data, malformed) become problem documents in app/errors.py."""
    upload = await document_service.receive_upload(
        ctx=ctx,
        storage=storage,
        body=request.stream(),
        content_type=request.headers.get("content-type"),
        content_length=request.headers.get("content-length"),
    )
    try:
        yield upload
    finally:
        await document_service.discard_upload(upload)


# scope="function": the received file goes when the endpoint returns, before the answer is sent.
ReceivedUpload = Annotated[document_service.Upload, Depends(received_upload, scope="function")]


def _same_upload(upload: document_service.Upload) -> tuple[object, ...]:
    """Two uploads are the same request when they send the same fields and the same file (name and bytes)."""
    sub = upload.submission
    return ("document", sub.document_type.code, sub.account_number, sub.e_app_number, sub.file_name, upload.sha256)


@router.post(
    "/documents",
    operation_id="uploadDocument",
    summary="Submit a document",
    status_code=status.HTTP_201_CREATED,
    response_model=DocumentRead,
    responses=error_responses(400, 409, 413, 415, 422),
    openapi_extra=UPLOAD_REQUEST_BODY,
)
@idempotent(fingerprint=_same_upload)
async def upload_document(
    ctx: Ctx, req: ReqCtx, producer: CurrentProducer, storage: Storage, upload: ReceivedUpload
) -> DocumentRead:
    """R-DOC-1..3: multipart file + document type (+ account, e-app number) → file name and tracking number."""
    view = await document_service.record_upload(ctx=ctx, producer=producer, storage=storage, upload=upload, request=req)
    return DocumentRead.model_validate(view.__dict__)


@router.get(
    "/documents",
    operation_id="listDocuments",
    summary="View submitted documents",
    responses={**error_responses(422), **PAGED_RESPONSES},
    dependencies=[audit_read("document.list")],
)
async def list_documents(ctx: Ctx, producer: CurrentProducer, paging: PageParams) -> Page[DocumentRead]:
    """R-DOC-4: your submissions, newest first (a history only: content is never served back)."""
    views, total = await document_service.list_documents(
        ctx=ctx, producer=producer, page=paging.page, page_size=paging.page_size
    )
    return paging.of([DocumentRead.model_validate(v.__dict__) for v in views], total)


@router.delete(
    "/documents/{tracking_number}",
    operation_id="deleteDocument",
    summary="Delete a submission row",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404, 422),
)
async def delete_document(
    ctx: Ctx, req: ReqCtx, producer: CurrentProducer, tracking_number: TrackingNumber
) -> Response:
    """R-DOC-4: removes the row from your history; anyone else's tracking number answers 404."""
    await document_service.delete_document(ctx=ctx, producer=producer, tracking=tracking_number, request=req)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/document-types",
    operation_id="listDocumentTypes",
    summary="Document types",
    responses={**error_responses(422), **PAGED_RESPONSES},
    dependencies=[PHI_FREE],
)
async def list_document_types(producer: CurrentProducer, paging: PageParams) -> Page[DocumentTypeRead]:
    """R-DOC-2: the fixed list; send a code (or the name) as `document_type`."""
    types = document_service.list_document_types()
    start = (paging.page - 1) * paging.page_size
    items = [DocumentTypeRead(code=t.code, name=t.name) for t in types[start : start + paging.page_size]]
    return paging.of(items, len(types))
