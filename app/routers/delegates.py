"""My Delegates: producers add, list and remove their assistants (R-DEL-1, R-DEL-2, R-DEL-8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from app.deps import PHI_FREE, Ctx, CurrentProducer, ReqCtx
from app.domain import vocabulary as v
from app.errors import error_responses
from app.routers.paging import PAGED_RESPONSES, PageParams
from app.schemas.common import Page
from app.schemas.delegates import DelegateCreate, DelegateRead
from app.services import delegates as delegate_service

router = APIRouter(prefix="/api/v1/delegates", tags=["delegates"], responses=error_responses(401, 403))

DelegateId = Annotated[int, Path(ge=1, le=2**62)]


def _read(view: delegate_service.DelegateView, ctx: Ctx) -> DelegateRead:
    u = view.user
    lock = ctx.delegate_lockout
    locked = (
        u.locked_at is not None
        and lock.lock_minutes is not None
        and (ctx.clock.now() - u.locked_at).total_seconds() < lock.lock_minutes * 60
    )
    return DelegateRead(
        id=u.id,
        username=u.username,
        email=u.email,
        first_name=u.first_name,
        last_name=u.last_name,
        mobile_number=u.mobile_number,
        states=view.states,
        status=v.DelegateStatus(delegate_service.registration_status(u, ctx.clock.now())),
        email_verified=u.email_verified_at is not None,
        locked=locked,
        created_at=u.created_at,
    )


@router.post(
    "",
    operation_id="createDelegate",
    summary="Add a delegate",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409, 422),
)
async def create_delegate(ctx: Ctx, req: ReqCtx, producer: CurrentProducer, body: DelegateCreate) -> DelegateRead:
    """R-DEL-1/2: the delegate gets an email with the username and a 7-day "confirm your email" link."""
    data = delegate_service.DelegateInput(
        username=body.username,
        email=str(body.email),
        first_name=body.first_name,
        last_name=body.last_name,
        mobile_number=body.mobile_number,
        states=body.states,
    )
    view = await delegate_service.create_delegate(ctx=ctx, producer=producer, request=req, data=data)
    return _read(view, ctx)


@router.get(
    "", operation_id="listDelegates", summary="My delegates", dependencies=[PHI_FREE], responses=PAGED_RESPONSES
)
async def list_delegates(ctx: Ctx, producer: CurrentProducer, paging: PageParams) -> Page[DelegateRead]:
    """R-DEL-8: the producer's delegates (removed ones are not listed)."""
    views, total = await delegate_service.list_delegates(
        ctx=ctx, producer=producer, page=paging.page, page_size=paging.page_size
    )
    return paging.of([_read(v, ctx) for v in views], total)


@router.get(
    "/{delegate_id}",
    operation_id="getDelegate",
    summary="One delegate",
    responses=error_responses(404),
    dependencies=[PHI_FREE],
)
async def get_delegate(ctx: Ctx, producer: CurrentProducer, delegate_id: DelegateId) -> DelegateRead:
    """A delegate of yours; anyone else's answers 404."""
    return _read(await delegate_service.get_delegate(ctx=ctx, producer=producer, delegate_id=delegate_id), ctx)


@router.delete(
    "/{delegate_id}",
    operation_id="removeDelegate",
    summary="Remove a delegate",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404),
)
async def remove_delegate(ctx: Ctx, req: ReqCtx, producer: CurrentProducer, delegate_id: DelegateId) -> Response:
    """R-DEL-8: the delegate's sessions and remembered devices end at once."""
    await delegate_service.remove_delegate(ctx=ctx, producer=producer, delegate_id=delegate_id, request=req)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
