"""Webhook endpoints (issue 17): a producer registers, lists, changes, disables and deletes them, reads their
delivery log and asks for a redelivery. Delivery itself is `app.webhooks.WebhookDispatcher`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from app.domain.accounts import Principal
from app.domain.errors import Conflict, NotFound
from app.domain.webhooks import ENDPOINT_NOT_FOUND, MAX_ENDPOINTS, EventType, check_event_types, generate_secret
from app.ports import HasCipher, HasClock, HasSettings, HasUnitOfWork, HasWebhooks
from app.repositories.orm import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.repositories.uow import UnitOfWork
from app.services import audit
from app.services.audit import RequestContext


class WebhookPorts(HasUnitOfWork, HasClock, HasSettings, HasCipher, HasWebhooks, Protocol):
    """What the webhook-endpoint services use."""


DELIVERY_NOT_FOUND = "There is no delivery with this id in this endpoint's log."


@dataclass(frozen=True)
class CreatedEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


@dataclass(frozen=True)
class DeliveryView:
    delivery: WebhookDelivery
    attempts: list[WebhookAttempt] = field(default_factory=list)


def _audit(
    uow: UnitOfWork,
    ctx: WebhookPorts,
    request: RequestContext,
    action: str,
    producer: Principal,
    endpoint_id: int,
    **details: object,
) -> None:
    audit.record_by(
        uow,
        producer,
        now=ctx.clock.now(),
        request=request,
        action=action,
        target_type="webhook_endpoint",
        target_id=endpoint_id,
        details=details,
    )


async def _owned(
    uow: UnitOfWork, producer: Principal, endpoint_id: int, *, for_update: bool = False
) -> WebhookEndpoint:
    row = await uow.webhooks.get_for_user(endpoint_id, producer.user_id, for_update=for_update)
    if row is None:
        raise NotFound(ENDPOINT_NOT_FOUND, code="webhook.not_found")
    return row


async def create_endpoint(
    *,
    ctx: WebhookPorts,
    producer: Principal,
    request: RequestContext,
    url: str,
    event_types: list[EventType],
    description: str | None,
) -> CreatedEndpoint:
    """R-HOOK-1: a new endpoint; its signing secret is in the answer and, encrypted, in the database only."""
    types = check_event_types(event_types)
    checked_url = await ctx.webhooks.check_target(url)  # R-HOOK-3, before the transaction (DNS off the loop)
    secret = generate_secret()
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        if await uow.webhooks.count_for_user(producer.user_id) >= MAX_ENDPOINTS:
            raise Conflict(
                f"You have {MAX_ENDPOINTS} webhook endpoints, the most allowed. Delete one you no longer use and try "
                "again.",
                code="webhook.limit",
            )
        row = uow.webhooks.add(
            WebhookEndpoint(
                user_id=producer.user_id,
                url=checked_url,
                description=description,
                event_types=types,
                secret_encrypted=ctx.cipher.encrypt(secret),
                enabled=True,
                consecutive_failures=0,
                created_at=now,
                updated_at=now,
            )
        )
        await uow.flush()
        _audit(uow, ctx, request, "webhook_endpoint.created", producer, row.id, url=checked_url, event_types=types)
        await uow.commit()
    return CreatedEndpoint(row, secret)


async def list_endpoints(
    *, ctx: WebhookPorts, producer: Principal, page: int, page_size: int
) -> tuple[list[WebhookEndpoint], int]:
    async with ctx.uow() as uow:
        return await uow.webhooks.list_for_user(producer.user_id, page=page, page_size=page_size)


async def get_endpoint(*, ctx: WebhookPorts, producer: Principal, endpoint_id: int) -> WebhookEndpoint:
    async with ctx.uow() as uow:
        return await _owned(uow, producer, endpoint_id)


async def update_endpoint(
    *,
    ctx: WebhookPorts,
    producer: Principal,
    request: RequestContext,
    endpoint_id: int,
    event_types: list[EventType] | None,
    enabled: bool | None,
    description: str | None,
    description_set: bool,
) -> WebhookEndpoint:
    """Change the event types or the description, disable or enable. Enabling clears the failure run; deliveries
    still within their retry span are then sent."""
    types = check_event_types(event_types) if event_types is not None else None
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        row = await _owned(uow, producer, endpoint_id, for_update=True)
        changes: dict[str, object] = {}
        if types is not None and types != row.event_types:
            row.event_types = changes["event_types"] = types
        if description_set and description != row.description:
            row.description = changes["description"] = description
        if enabled is not None and enabled != row.enabled:
            row.enabled = changes["enabled"] = enabled
            row.disabled_at = None if enabled else now
            row.disabled_reason = None if enabled else "Disabled by you."
            row.consecutive_failures = 0
        if changes:
            row.updated_at = now
            _audit(uow, ctx, request, "webhook_endpoint.updated", producer, row.id, **changes)
            if row.enabled:
                uow.after_commit(ctx.webhooks.wake)
            await uow.commit()
        return row


async def delete_endpoint(*, ctx: WebhookPorts, producer: Principal, request: RequestContext, endpoint_id: int) -> None:
    """The endpoint and its delivery log are gone; nothing more is sent to it."""
    async with ctx.uow() as uow:
        row = await _owned(uow, producer, endpoint_id, for_update=True)
        await uow.webhooks.delete_endpoint(row)
        _audit(uow, ctx, request, "webhook_endpoint.deleted", producer, endpoint_id, url=row.url)
        await uow.commit()


async def list_deliveries(
    *, ctx: WebhookPorts, producer: Principal, endpoint_id: int, page: int, page_size: int
) -> tuple[list[DeliveryView], int]:
    """The endpoint's delivery log, newest first, each delivery with its attempts (two queries a page)."""
    async with ctx.uow() as uow:
        await _owned(uow, producer, endpoint_id)
        rows, total = await uow.webhooks.deliveries_for(endpoint_id, page=page, page_size=page_size)
        attempts = await uow.webhooks.attempts_of([r.id for r in rows])
    by_delivery: dict[int, list[WebhookAttempt]] = {}
    for a in attempts:
        by_delivery.setdefault(a.delivery_id, []).append(a)
    return [DeliveryView(r, by_delivery.get(r.id, [])) for r in rows], total


async def redeliver(
    *, ctx: WebhookPorts, producer: Principal, request: RequestContext, endpoint_id: int, delivery_id: int
) -> DeliveryView:
    """Send this delivery again now (same `webhook-id`: receivers that saw it deduplicate), with a new retry span."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        endpoint = await _owned(uow, producer, endpoint_id)
        if not endpoint.enabled:
            raise Conflict(
                'This endpoint is disabled; enable it first (PATCH with "enabled": true), then redeliver.',
                code="webhook.endpoint_disabled",
            )
        delivery = await uow.webhooks.delivery_of(endpoint_id, delivery_id, for_update=True)
        if delivery is None:
            raise NotFound(DELIVERY_NOT_FOUND, code="webhook.delivery_not_found")
        if delivery.status == "delivering" and delivery.lease_until is not None and delivery.lease_until > now:
            raise Conflict(
                "This delivery is being sent right now; look at the log again in a moment.",
                code="webhook.delivery_in_progress",
            )
        delivery.status, delivery.next_attempt_at, delivery.retry_from, delivery.lease_until = "pending", now, now, None
        _audit(uow, ctx, request, "webhook_delivery.redelivered", producer, endpoint_id, delivery_id=delivery_id)
        uow.after_commit(ctx.webhooks.wake)
        await uow.commit()
        attempts = await uow.webhooks.attempts_of([delivery.id])
    return DeliveryView(delivery, attempts)
