"""API keys (issue 17): a producer's scoped keys for the platforms that integrate on its behalf."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from app.deps import PHI_FREE, Ctx, CurrentProducer, ReqCtx
from app.errors import error_responses
from app.routers.paging import PAGED_RESPONSES, PageParams
from app.schemas.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from app.schemas.common import Page
from app.services import api_keys as key_service

router = APIRouter(prefix="/api/v1/api-keys", tags=["api-keys"], responses=error_responses(401, 403))

KeyId = Annotated[int, Path(ge=1, le=2**62)]


@router.post(
    "",
    operation_id="createApiKey",
    summary="Create an API key",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409, 422),
)
async def create_api_key(ctx: Ctx, req: ReqCtx, producer: CurrentProducer, body: ApiKeyCreate) -> ApiKeyCreated:
    """A key with these scopes, expiring after `expires_in_days`; its secret is in this answer only."""
    created = await key_service.create_key(
        ctx=ctx,
        producer=producer,
        request=req,
        name=body.name,
        scopes=[s.value for s in body.scopes],
        expires_in_days=body.expires_in_days,
    )
    return ApiKeyCreated.model_validate({**created.key.__dict__, "secret": created.secret})


@router.get("", operation_id="listApiKeys", summary="My API keys", dependencies=[PHI_FREE], responses=PAGED_RESPONSES)
async def list_api_keys(ctx: Ctx, producer: CurrentProducer, paging: PageParams) -> Page[ApiKeyRead]:
    """Your keys that are not revoked, newest first, with status and last-used time; never their secrets."""
    views, total = await key_service.list_keys(ctx=ctx, producer=producer, page=paging.page, page_size=paging.page_size)
    return paging.of([ApiKeyRead.model_validate(v) for v in views], total)


@router.get(
    "/{key_id}",
    operation_id="getApiKey",
    summary="One API key",
    dependencies=[PHI_FREE],
    responses=error_responses(404),
)
async def get_api_key(ctx: Ctx, producer: CurrentProducer, key_id: KeyId) -> ApiKeyRead:
    """One of your keys (never its secret)."""
    return ApiKeyRead.model_validate(await key_service.get_key(ctx=ctx, producer=producer, key_id=key_id))


@router.delete(
    "/{key_id}",
    operation_id="revokeApiKey",
    summary="Revoke an API key",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404),
)
async def revoke_api_key(ctx: Ctx, req: ReqCtx, producer: CurrentProducer, key_id: KeyId) -> Response:
    """Revoked at once: the next call made with the key answers 401 `api_key_revoked`; the key is then no longer
    listed and reading it answers 404."""
    await key_service.revoke_key(ctx=ctx, producer=producer, request=req, key_id=key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
