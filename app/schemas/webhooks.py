"""Webhook endpoints (issue 17): register, read, change; the delivery log; the events' payloads (OpenAPI webhooks)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from app.domain.webhooks import EVENT_DESCRIPTIONS, MAX_URL_LENGTH, EventType
from app.schemas.common import ResponseModel, StrictModel

EVENTS_DOC = "; ".join(f"`{e.value}`: {text}" for e, text in EVENT_DESCRIPTIONS.items())


class WebhookEndpointCreate(StrictModel):
    url: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_URL_LENGTH,
            examples=["https://crm.example.com/hooks/portal"],
            description="Where events are POSTed: https, resolving to a public address (production)",
        ),
    ]
    event_types: Annotated[list[EventType], Field(min_length=1, max_length=len(EventType), description=EVENTS_DOC)]
    description: Annotated[str | None, Field(max_length=200, examples=["Acme CRM"])] = None


class WebhookEndpointUpdate(StrictModel):
    event_types: Annotated[
        list[EventType] | None, Field(min_length=1, max_length=len(EventType), description=EVENTS_DOC)
    ] = None
    enabled: Annotated[
        bool | None, Field(description="false disables the endpoint (nothing is sent); true enables it again")
    ] = None
    description: Annotated[str | None, Field(max_length=200)] = None


class WebhookEndpointRead(ResponseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_serialization_defaults_required=True)

    id: int
    url: str
    description: str | None
    event_types: list[EventType]
    enabled: bool
    disabled_reason: str | None = Field(description="Why the endpoint is disabled (by you, or after failures)")
    disabled_at: datetime | None
    consecutive_failures: int = Field(
        description="Failed attempts in a row; the endpoint is disabled at "
        "PORTAL_WEBHOOK_DISABLE_AFTER_FAILURES (30 unless configured)"
    )
    created_at: datetime
    updated_at: datetime


class WebhookEndpointCreated(WebhookEndpointRead):
    secret: str = Field(
        description="The signing secret (`whsec_` + base64), shown only this once: verify every delivery's "
        "`webhook-signature` with it (Standard Webhooks). A lost secret cannot be shown again: delete the endpoint "
        "and register it anew."
    )


class WebhookAttemptRead(ResponseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_serialization_defaults_required=True)

    attempted_at: datetime
    succeeded: bool
    status_code: int | None = Field(description="The receiver's HTTP status, or null when no answer came")
    error: str | None = Field(description="What went wrong (an HTTP status, a timeout, a refused target, ...)")
    duration_ms: int
    manual: bool = Field(description="true for an attempt after a redelivery you asked for")


DeliveryStatus = Literal["pending", "delivering", "retrying", "succeeded", "failed"]


class WebhookDeliveryRead(ResponseModel):
    id: int
    webhook_id: str = Field(description="The `webhook-id` header: the same on every attempt (deduplicate by it)")
    event_type: EventType
    status: DeliveryStatus = Field(
        description="`pending` (not tried yet, or redelivery asked), `delivering`, `retrying` (failed, tried again at "
        "`next_attempt_at`), `succeeded` or `failed` (the retry span is over: redeliver by hand)"
    )
    attempt_count: int
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    payload: dict[str, object] = Field(description="The body as sent")
    attempts: list[WebhookAttemptRead]


# --- the events' payloads (the OpenAPI `webhooks` section) ---------------------------------------------------------


class _Data(ResponseModel):
    pass


class ApplicationSubmittedData(_Data):
    application_id: int
    record_number: str | None
    status: Literal["submitted", "rejected"] = Field(
        description="`submitted`, or `rejected` when the carrier's system refused it"
    )
    effective_date: str | None
    submitted_at: datetime


class ApplicationDecidedData(_Data):
    application_id: int
    record_number: str | None
    decision: Literal["approved", "declined"]
    account_number: str | None
    policy_ids: list[int]
    decided_at: datetime


class PaymentData(_Data):
    payment_id: int
    application_id: int
    record_number: str | None
    status: Literal["Successful", "Declined"] = Field(description="`Successful` or `Declined`")
    amount: str
    decline_reason: str | None


class EQuestionAnsweredData(_Data):
    e_question_id: int
    tracking_number: str
    subject: str
    responded_at: datetime


class ContactChangeAppliedData(_Data):
    contact_change_id: int
    account_number: str
    applied_at: datetime


class DocumentReceivedData(_Data):
    tracking_number: str
    document_type: str
    account_number: str | None
    e_app_number: str | None
    received_at: datetime


class IdCardReadyData(_Data):
    id_card_request_id: int
    account_number: str
    requested_at: datetime


def event_model(event: EventType, data: type[_Data]) -> type[ResponseModel]:
    """The Standard Webhooks body of one event type: `type`, `timestamp`, `data`."""
    model = type(
        f"{''.join(p.capitalize() for p in event.value.replace('.', '_').split('_'))}Event",
        (ResponseModel,),
        {
            "__annotations__": {"type": Literal[event.value], "timestamp": datetime, "data": data},  # type: ignore[valid-type]
            "__doc__": EVENT_DESCRIPTIONS[event],
            "__module__": __name__,
        },
    )
    return model


EVENT_DATA: dict[EventType, type[_Data]] = {
    EventType.application_submitted: ApplicationSubmittedData,
    EventType.application_decided: ApplicationDecidedData,
    EventType.payment_succeeded: PaymentData,
    EventType.payment_failed: PaymentData,
    EventType.e_question_answered: EQuestionAnsweredData,
    EventType.contact_change_applied: ContactChangeAppliedData,
    EventType.document_received: DocumentReceivedData,
    EventType.id_card_ready: IdCardReadyData,
}
EVENT_MODELS: dict[EventType, type[ResponseModel]] = {e: event_model(e, d) for e, d in EVENT_DATA.items()}
