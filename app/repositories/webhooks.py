"""Webhooks (issue 17): a producer's endpoints, their deliveries (the webhook outbox) and the delivery log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select

from app.repositories.base import RepositoryBase
from app.repositories.orm import User, WebhookAttempt, WebhookDelivery, WebhookEndpoint

DUE_STATUSES = ("pending", "retrying")


@dataclass(frozen=True)
class Claimed:
    """A delivery a dispatcher took (leased) to send: what it needs outside the transaction."""

    delivery_id: int
    endpoint_id: int
    url: str
    secret_encrypted: str
    message_id: str
    payload: str
    manual: bool


class WebhookRepository(RepositoryBase[WebhookEndpoint]):
    model = WebhookEndpoint

    # -- endpoints ---------------------------------------------------------------------------------------------
    async def list_for_user(self, user_id: int, *, page: int, page_size: int) -> tuple[list[WebhookEndpoint], int]:
        stmt = select(WebhookEndpoint).where(WebhookEndpoint.user_id == user_id).order_by(WebhookEndpoint.id)
        return await self.page(stmt, page=page, page_size=page_size)

    async def count_for_user(self, user_id: int) -> int:
        return len(await self._ids_for_user(user_id))

    async def _ids_for_user(self, user_id: int) -> list[int]:
        stmt = select(WebhookEndpoint.id).where(WebhookEndpoint.user_id == user_id)
        return list((await self.session.execute(stmt)).scalars())

    async def get_for_user(self, endpoint_id: int, user_id: int, *, for_update: bool = False) -> WebhookEndpoint | None:
        stmt = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.user_id == user_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def delete_endpoint(self, endpoint: WebhookEndpoint) -> None:
        """The endpoint and its delivery log (children first: SQLite may run without foreign keys)."""
        deliveries = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
        await self.session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
        await self.session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
        await self.session.delete(endpoint)

    async def subscribed(self, user_id: int, event_type: str) -> list[WebhookEndpoint]:
        """The producer's enabled endpoints; the caller keeps those that want this event type (JSON lists are not
        portably searchable, and a producer has at most a few endpoints)."""
        stmt = (
            select(WebhookEndpoint)
            .where(WebhookEndpoint.user_id == user_id, WebhookEndpoint.enabled.is_(True))
            .order_by(WebhookEndpoint.id)
        )
        rows = (await self.session.execute(stmt)).scalars().all()
        return [r for r in rows if event_type in r.event_types]

    async def owner_email(self, endpoint: WebhookEndpoint) -> tuple[str | None, str]:
        row = (await self.session.execute(select(User.email, User.first_name).where(User.id == endpoint.user_id))).one()
        return row[0], row[1]

    # -- deliveries --------------------------------------------------------------------------------------------
    def add_delivery(self, delivery: WebhookDelivery) -> WebhookDelivery:
        self.session.add(delivery)
        return delivery

    def add_attempt(self, attempt: WebhookAttempt) -> WebhookAttempt:
        self.session.add(attempt)
        return attempt

    async def deliveries_for(self, endpoint_id: int, *, page: int, page_size: int) -> tuple[list[WebhookDelivery], int]:
        stmt = (
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(WebhookDelivery.id.desc())
        )
        return await self.page(stmt, page=page, page_size=page_size)

    async def attempts_of(self, delivery_ids: list[int]) -> list[WebhookAttempt]:
        if not delivery_ids:
            return []
        stmt = (
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(delivery_ids))
            .order_by(WebhookAttempt.delivery_id, WebhookAttempt.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def delivery_of(
        self, endpoint_id: int, delivery_id: int, *, for_update: bool = False
    ) -> WebhookDelivery | None:
        stmt = select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def delivery_for_update(self, delivery_id: int) -> tuple[WebhookDelivery, WebhookEndpoint] | None:
        stmt = (
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id == delivery_id)
            .with_for_update()
        )
        row = (await self.session.execute(stmt)).one_or_none()
        return (row[0], row[1]) if row else None

    async def claim_due(self, *, now: datetime, lease_until: datetime, limit: int) -> list[Claimed]:
        """Take up to `limit` deliveries due now (or whose lease ran out: their process died) for one dispatcher.

        On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several processes claim at once without taking the same row;
        the lease written here keeps the others off it while it is sent, outside any transaction. (SQLite has one
        writer at a time: the claim is serial there.)"""
        stmt = (
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookEndpoint.enabled.is_(True),
                or_(
                    WebhookDelivery.status.in_(DUE_STATUSES) & (WebhookDelivery.next_attempt_at <= now),
                    (WebhookDelivery.status == "delivering") & (WebhookDelivery.lease_until <= now),
                ),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(of=WebhookDelivery, skip_locked=True)
        )
        claimed: list[Claimed] = []
        for delivery, endpoint in (await self.session.execute(stmt)).all():
            manual = delivery.status == "pending" and delivery.attempts > 0
            delivery.status, delivery.lease_until = "delivering", lease_until
            claimed.append(
                Claimed(
                    delivery_id=delivery.id,
                    endpoint_id=endpoint.id,
                    url=endpoint.url,
                    secret_encrypted=endpoint.secret_encrypted,
                    message_id=delivery.message_id,
                    payload=delivery.payload,
                    manual=manual,
                )
            )
        return claimed
