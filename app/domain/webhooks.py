"""Webhooks (issue 17): event types, Standard Webhooks signatures, safe targets, the retry schedule.

Pure rules: standard library only, time and randomness passed in.

- R-HOOK-1: a producer registers an endpoint (an URL and the event types it wants); its `whsec_` secret is shown once.
- R-HOOK-2: every delivery is signed per the Standard Webhooks specification: `webhook-signature` is
  `v1,` + base64(HMAC-SHA256(key = base64-decoded secret after `whsec_`, msg = "{id}.{timestamp}.{body}")).
- R-HOOK-3: safe targets: production takes https only and refuses addresses that are loopback, private, link-local,
  reserved or a cloud metadata address (unless private targets are allowed by setting); demo mode also takes http
  and loopback so a local receiver works.
- R-HOOK-4: a failed attempt is retried with exponential backoff with jitter, capped per interval, until the retry
  span has passed; then the delivery has failed.
- R-HOOK-5: an endpoint is disabled after a run of consecutive failed attempts (its producer is emailed).
- R-HOOK-6: payloads carry ids and a small summary, never SSNs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from app.domain.errors import ValidationFailed


class EventType(StrEnum):
    application_submitted = "application.submitted"
    application_decided = "application.decided"
    payment_succeeded = "payment.succeeded"
    payment_failed = "payment.failed"
    e_question_answered = "e_question.answered"
    contact_change_applied = "contact_change.applied"
    document_received = "document.received"
    id_card_ready = "id_card.ready"


EVENT_DESCRIPTIONS: dict[EventType, str] = {
    EventType.application_submitted: "An application was submitted to the carrier (accepted or not).",
    EventType.application_decided: "The carrier approved or declined a submitted application.",
    EventType.payment_succeeded: "A payment on an application went through.",
    EventType.payment_failed: "A payment on an application was declined.",
    EventType.e_question_answered: "Producer Services answered one of your e-questions.",
    EventType.contact_change_applied: "A member's contact information change reached the member record.",
    EventType.document_received: "A document you uploaded was received (it has a tracking number).",
    EventType.id_card_ready: "An ID card request was recorded and the card can be downloaded.",
}

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
MAX_ENDPOINTS = 20  # per producer
MAX_URL_LENGTH = 2000
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)

ENDPOINT_NOT_FOUND = "There is no webhook endpoint with this id among yours."


# --- secrets and signatures (R-HOOK-1, R-HOOK-2) ------------------------------------------------------------------


def generate_secret() -> str:
    """`whsec_` + base64 of 24 random bytes (the Standard Webhooks secret format)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_message_id() -> str:
    """The `webhook-id` of an event: unique, the same on every attempt (receivers deduplicate by it)."""
    return "msg_" + secrets.token_hex(16)


def sign(secret: str, *, message_id: str, timestamp: int, body: str) -> str:
    """R-HOOK-2: the `webhook-signature` header value."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


# --- targets (R-HOOK-3) -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int


def check_url(url: str, *, production: bool) -> Target:
    """The URL's shape: absolute http(s) with a host, no credentials or fragment; https only in production."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise ValidationFailed(
            f"The URL is longer than {MAX_URL_LENGTH} characters.", code="webhook.url_invalid", field="url"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(
            "Enter an absolute URL such as https://crm.example.com/hooks/portal.",
            code="webhook.url_invalid",
            field="url",
        )
    if parts.username or parts.password or parts.fragment:
        raise ValidationFailed(
            "Leave user names, passwords and #fragments out of the URL; the signature authenticates the portal.",
            code="webhook.url_invalid",
            field="url",
        )
    if production and parts.scheme != "https":
        raise ValidationFailed(
            "The URL must use https (the payloads name your clients' applications).",
            code="webhook.https_required",
            field="url",
        )
    return Target(
        url=url, scheme=parts.scheme, host=parts.hostname, port=port or (443 if parts.scheme == "https" else 80)
    )


def address_refusal(address: str, *, allow_loopback: bool, allow_private: bool) -> str | None:
    """Why a resolved address may not be a target, or None when it may (R-HOOK-3)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_loopback:
        return None if allow_loopback or allow_private else "a loopback address"
    if ip.is_link_local:
        return None if allow_private else "a link-local address"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return "not a unicast address"
    if not ip.is_global:
        return None if allow_private else "a private address"
    return None


def refuse_target(host: str, addresses: list[str], *, allow_loopback: bool, allow_private: bool) -> None:
    """Raise unless every address the host resolves to may be a target."""
    if not addresses:
        raise ValidationFailed(
            f"The host {host} does not resolve to any address; check the URL.",
            code="webhook.url_unresolvable",
            field="url",
        )
    for address in addresses:
        reason = address_refusal(address, allow_loopback=allow_loopback, allow_private=allow_private)
        if reason:
            raise ValidationFailed(
                f"The host {host} resolves to {address}, {reason}; webhooks go to public addresses only.",
                code="webhook.url_not_public",
                field="url",
            )


# --- event types --------------------------------------------------------------------------------------------------


def check_event_types(types: list[EventType]) -> list[str]:
    """At least one; duplicates dropped, order kept."""
    unique = list(dict.fromkeys(EventType(t).value for t in types))
    if not unique:
        raise ValidationFailed(
            "Choose at least one event type: " + ", ".join(e.value for e in EventType) + ".",
            code="webhook.no_event_type",
            field="event_types",
        )
    return unique


# --- retries (R-HOOK-4, R-HOOK-5) ---------------------------------------------------------------------------------


def retry_delay(attempts: int, *, base_seconds: float, max_interval_seconds: float, rand: float) -> float:
    """Seconds until the next attempt after `attempts` failed ones: base * 2^(attempts-1), capped, with "equal
    jitter" (half fixed, half random) so receivers coming back are not hit by every sender at once. `rand` in [0, 1)."""
    ceiling = min(max_interval_seconds, base_seconds * (2 ** max(attempts - 1, 0)))
    return ceiling / 2 + ceiling / 2 * rand


def next_attempt_at(
    *,
    retry_from: datetime,
    now: datetime,
    attempts: int,
    base_seconds: float,
    max_interval_seconds: float,
    span_seconds: float,
    rand: float,
) -> datetime | None:
    """When to try again, or None when that would be past the retry span (the delivery has failed)."""
    at = now + timedelta(
        seconds=retry_delay(attempts, base_seconds=base_seconds, max_interval_seconds=max_interval_seconds, rand=rand)
    )
    return at if at <= retry_from + timedelta(seconds=span_seconds) else None


def should_disable(consecutive_failures: int, threshold: int) -> bool:
    """R-HOOK-5: a long run of failed attempts, none succeeding, disables the endpoint."""
    return threshold > 0 and consecutive_failures >= threshold


def envelope(event_type: EventType, *, timestamp: datetime, data: dict[str, object]) -> dict[str, object]:
    """The Standard Webhooks payload shape: `type`, `timestamp` (ISO 8601) and `data`."""
    if any("ssn" in key.lower() for key in data):
        raise ValueError("webhook payloads never carry SSNs")  # R-HOOK-6: a programming error, not input
    return {"type": event_type.value, "timestamp": timestamp.isoformat().replace("+00:00", "Z"), "data": data}
