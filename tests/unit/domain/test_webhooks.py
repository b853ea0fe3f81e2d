"""Webhooks (issue 17): signatures, safe targets, the retry schedule, disabling (R-HOOK-1 .. R-HOOK-6)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import ValidationFailed
from app.domain.webhooks import (
    EventType,
    address_refusal,
    check_url,
    envelope,
    generate_secret,
    next_attempt_at,
    refuse_target,
    retry_delay,
    should_disable,
    sign,
)

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def test_r_hook_1_secret_is_whsec_and_base64_of_24_bytes() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 24
    assert generate_secret() != secret


def test_r_hook_2_signature_is_v1_base64_hmac_of_id_timestamp_body() -> None:
    """Checked against an independent HMAC computation (the API tests verify with the standardwebhooks package)."""
    key = b"0123456789abcdef0123456789abcdef"
    secret = "whsec_" + base64.b64encode(key).decode()
    expected = base64.b64encode(hmac.new(key, b"msg_1.1700000000.{}", hashlib.sha256).digest()).decode()
    assert sign(secret, message_id="msg_1", timestamp=1700000000, body="{}") == "v1," + expected


@pytest.mark.parametrize(
    ("address", "loopback", "private", "refused"),
    [
        ("127.0.0.1", False, False, "a loopback address"),
        ("127.0.0.1", True, False, None),  # demo mode
        ("::1", False, False, "a loopback address"),
        ("10.0.0.5", False, False, "a private address"),
        ("10.0.0.5", False, True, None),  # PORTAL_WEBHOOK_ALLOW_PRIVATE
        ("192.168.1.1", True, False, "a private address"),
        ("169.254.10.10", False, False, "a link-local address"),
        ("169.254.169.254", True, True, "a cloud metadata address"),  # never
        ("::ffff:10.0.0.1", False, False, "a private address"),  # IPv4-mapped
        ("100.64.0.1", False, False, "a private address"),  # shared address space
        ("0.0.0.0", True, True, "not a unicast address"),
        ("93.184.216.34", False, False, None),
    ],
)
def test_r_hook_3_addresses(address: str, loopback: bool, private: bool, refused: str | None) -> None:
    assert address_refusal(address, allow_loopback=loopback, allow_private=private) == refused


def test_r_hook_3_production_needs_https_and_a_clean_url() -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_url("http://example.com/x", production=True)
    assert exc.value.code == "webhook.https_required"
    assert check_url("http://example.com/x", production=False).port == 80
    assert check_url("https://example.com:8443/x", production=True).port == 8443
    for bad in (
        "example.com/x",
        "https://u:p@example.com/",
        "https://example.com/#f",
        "gopher://x",
        "https://x:99999/",
    ):
        with pytest.raises(ValidationFailed) as exc:
            check_url(bad, production=True)
        assert exc.value.code == "webhook.url_invalid"


def test_r_hook_3_a_host_is_refused_when_any_address_is_not_public() -> None:
    with pytest.raises(ValidationFailed) as exc:
        refuse_target("h.example", ["93.184.216.34", "10.0.0.1"], allow_loopback=False, allow_private=False)
    assert exc.value.code == "webhook.url_not_public" and "10.0.0.1" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:
        refuse_target("nowhere.invalid", [], allow_loopback=False, allow_private=False)
    assert exc.value.code == "webhook.url_unresolvable"


def test_r_hook_4_backoff_doubles_with_jitter_and_is_capped() -> None:
    assert [retry_delay(n, base_seconds=5, max_interval_seconds=60, rand=0.0) for n in (1, 2, 3, 4, 5, 6)] == [
        2.5,
        5,
        10,
        20,
        30,
        30,
    ]
    assert retry_delay(3, base_seconds=5, max_interval_seconds=60, rand=0.999) == pytest.approx(20, abs=0.01)


def test_r_hook_4_no_retry_past_the_span() -> None:
    kw = {"base_seconds": 5.0, "max_interval_seconds": 21600.0, "span_seconds": 86400.0, "rand": 1.0}
    assert next_attempt_at(retry_from=NOW, now=NOW, attempts=1, **kw) == NOW + timedelta(seconds=5)
    late = NOW + timedelta(hours=20)
    assert next_attempt_at(retry_from=NOW, now=late, attempts=20, **kw) is None


def test_r_hook_5_disable_after_threshold_zero_never() -> None:
    assert not should_disable(29, 30) and should_disable(30, 30) and not should_disable(1000, 0)


def test_r_hook_6_payloads_never_carry_ssns() -> None:
    body = envelope(EventType.payment_failed, timestamp=NOW, data={"payment_id": 1})
    assert body == {"type": "payment.failed", "timestamp": "2026-11-22T15:00:00Z", "data": {"payment_id": 1}}
    with pytest.raises(ValueError):
        envelope(EventType.payment_failed, timestamp=NOW, data={"ssn": "123-45-6789"})
