"""Webhook endpoints (issue 17): a producer's endpoints, their delivery log and redelivery; the events' payloads are
described in the OpenAPI document's `webhooks` section (`document_events`)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from app.deps import PHI_FREE, Ctx, CurrentProducer, ReqCtx, audit_read
from app.errors import error_responses
from app.routers.paging import PAGED_RESPONSES, PageParams
from app.schemas.common import Page
from app.schemas.webhooks import (
    EVENT_MODELS,
    WebhookAttemptRead,
    WebhookDeliveryRead,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
)
from app.services import webhooks as service
from app.services.webhooks import DeliveryView

router = APIRouter(prefix="/api/v1/webhook-endpoints", tags=["webhooks"], responses=error_responses(401, 403))

EndpointId = Annotated[int, Path(ge=1, le=2**62)]
DeliveryId = Annotated[int, Path(ge=1, le=2**62)]


def _delivery(view: DeliveryView) -> WebhookDeliveryRead:
    d = view.delivery
    return WebhookDeliveryRead(
        id=d.id,
        webhook_id=d.message_id,
        event_type=d.event_type,  # type: ignore[arg-type]
        status=d.status,  # type: ignore[arg-type]
        attempt_count=d.attempts,
        created_at=d.created_at,
        next_attempt_at=d.next_attempt_at,
        delivered_at=d.delivered_at,
        payload=json.loads(d.payload),
        attempts=[WebhookAttemptRead.model_validate(a) for a in view.attempts],
    )


@router.post(
    "",
    operation_id="createWebhookEndpoint",
    summary="Register a webhook endpoint",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409, 422),
)
async def create_webhook_endpoint(
    ctx: Ctx, req: ReqCtx, producer: CurrentProducer, body: WebhookEndpointCreate
) -> WebhookEndpointCreated:
    """Events of these types are POSTed to `url`, signed per Standard Webhooks; the `secret` is in this answer only."""
    created = await service.create_endpoint(
        ctx=ctx,
        producer=producer,
        request=req,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
    )
    read = WebhookEndpointRead.model_validate(created.endpoint)
    return WebhookEndpointCreated(**read.model_dump(), secret=created.secret)


# Endpoints hold URLs and event types only (PHI_FREE); a delivery log holds the events' payloads (account numbers,
# application ids), so reading it is audited like any read of the book.
@router.get(
    "",
    operation_id="listWebhookEndpoints",
    summary="My webhook endpoints",
    responses=PAGED_RESPONSES,
    dependencies=[PHI_FREE],
)
async def list_webhook_endpoints(ctx: Ctx, producer: CurrentProducer, paging: PageParams) -> Page[WebhookEndpointRead]:
    """Your endpoints, oldest first (never their secrets)."""
    rows, total = await service.list_endpoints(ctx=ctx, producer=producer, page=paging.page, page_size=paging.page_size)
    return paging.of([WebhookEndpointRead.model_validate(r) for r in rows], total)


@router.get(
    "/{endpoint_id}",
    operation_id="getWebhookEndpoint",
    summary="One webhook endpoint",
    responses=error_responses(404),
    dependencies=[PHI_FREE],
)
async def get_webhook_endpoint(ctx: Ctx, producer: CurrentProducer, endpoint_id: EndpointId) -> WebhookEndpointRead:
    """One of your endpoints (never its secret)."""
    return WebhookEndpointRead.model_validate(
        await service.get_endpoint(ctx=ctx, producer=producer, endpoint_id=endpoint_id)
    )


@router.patch(
    "/{endpoint_id}",
    operation_id="updateWebhookEndpoint",
    summary="Change, disable or enable a webhook endpoint",
    responses=error_responses(404, 422),
)
async def update_webhook_endpoint(
    ctx: Ctx, req: ReqCtx, producer: CurrentProducer, endpoint_id: EndpointId, body: WebhookEndpointUpdate
) -> WebhookEndpointRead:
    """Change `event_types` or `description`; `"enabled": false` stops deliveries, `true` resumes them (and clears
    the failure count)."""
    row = await service.update_endpoint(
        ctx=ctx,
        producer=producer,
        request=req,
        endpoint_id=endpoint_id,
        event_types=body.event_types,
        enabled=body.enabled,
        description=body.description,
        description_set="description" in body.model_fields_set,
    )
    return WebhookEndpointRead.model_validate(row)


@router.delete(
    "/{endpoint_id}",
    operation_id="deleteWebhookEndpoint",
    summary="Delete a webhook endpoint",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404),
)
async def delete_webhook_endpoint(
    ctx: Ctx, req: ReqCtx, producer: CurrentProducer, endpoint_id: EndpointId
) -> Response:
    """The endpoint and its delivery log are deleted; nothing more is sent to it."""
    await service.delete_endpoint(ctx=ctx, producer=producer, request=req, endpoint_id=endpoint_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{endpoint_id}/deliveries",
    operation_id="listWebhookDeliveries",
    summary="An endpoint's delivery log",
    responses={**PAGED_RESPONSES, **error_responses(404)},
    dependencies=[audit_read("webhook.deliveries_read", target=("webhook_endpoint", "endpoint_id"))],
)
async def list_webhook_deliveries(
    ctx: Ctx, producer: CurrentProducer, endpoint_id: EndpointId, paging: PageParams
) -> Page[WebhookDeliveryRead]:
    """The events sent (or being sent) to this endpoint, newest first, each with every attempt: its time, the
    receiver's status code or the error, and its duration."""
    views, total = await service.list_deliveries(
        ctx=ctx, producer=producer, endpoint_id=endpoint_id, page=paging.page, page_size=paging.page_size
    )
    return paging.of([_delivery(v) for v in views], total)


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    operation_id="redeliverWebhook",
    summary="Send a delivery again",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(404, 409),
)
async def redeliver_webhook(
    ctx: Ctx, req: ReqCtx, producer: CurrentProducer, endpoint_id: EndpointId, delivery_id: DeliveryId
) -> WebhookDeliveryRead:
    """Queued to be sent now, with the same `webhook-id`, and retried as a new event would be if it fails."""
    view = await service.redeliver(
        ctx=ctx, producer=producer, request=req, endpoint_id=endpoint_id, delivery_id=delivery_id
    )
    return _delivery(view)


def document_events(events: APIRouter) -> None:
    """The OpenAPI 3.1 `webhooks` section: one POST per event type, its body, and the answer the portal expects."""
    for event, model in EVENT_MODELS.items():

        async def receive(body: object) -> None:  # documentation only, never called
            return None

        receive.__annotations__ = {"body": model, "return": None}  # the real type (annotations are strings here)
        events.add_api_route(
            event.value,
            receive,
            methods=["POST"],
            operation_id=f"webhook_{event.value.replace('.', '_')}",
            summary=event.value,
            description=(
                f"{model.__doc__} Sent with the headers `webhook-id`, `webhook-timestamp` and `webhook-signature` "
                "(Standard Webhooks: `v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed "
                "with the base64-decoded part of your `whsec_` secret). Answer any 2xx within "
                "PORTAL_WEBHOOK_TIMEOUT_SECONDS; anything else is retried."
            ),
            status_code=200,
            responses={200: {"description": "Received (any 2xx)"}},
        )
