"""Webhook endpoints in production mode (R-HOOK-3): https only, public addresses only, checked at registration."""

from __future__ import annotations

import pytest

from app.domain.accounts import Principal, Role
from app.domain.errors import ValidationFailed
from app.domain.webhooks import EventType
from app.services import webhooks
from app.services.audit import RequestContext
from tests.fakes import fake_context

PRODUCTION = {
    "mode": "production",
    "secret_key": "a-production-secret-key-0123456789abcdef-xyz",
    "field_encryption_key": "a-production-field-key-0123456789abcdef",
    "smtp_host": "mail.example",
}
PRODUCER = Principal(user_id=7, username="p", role=Role.producer, first_name="P", last_name="Q", session_id="s")


async def register(ctx, url: str):  # type: ignore[no-untyped-def]
    return await webhooks.create_endpoint(
        ctx=ctx,
        producer=PRODUCER,
        request=RequestContext(),
        url=url,
        event_types=[EventType.payment_succeeded],
        description=None,
    )


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://93.184.216.34/hook", "webhook.https_required"),
        ("https://127.0.0.1/hook", "webhook.url_not_public"),
        ("https://localhost/hook", "webhook.url_not_public"),
        ("https://[::1]/hook", "webhook.url_not_public"),
        ("https://10.0.0.8/hook", "webhook.url_not_public"),
        ("https://192.168.0.1/hook", "webhook.url_not_public"),
        ("https://169.254.169.254/latest/meta-data/", "webhook.url_not_public"),
    ],
)
async def test_r_hook_3_production_refuses_unsafe_targets(url: str, code: str) -> None:
    ctx, store = fake_context(**PRODUCTION)
    with pytest.raises(ValidationFailed) as exc:
        await register(ctx, url)
    assert exc.value.code == code and exc.value.field == "url"
    assert store.commits == 0


async def test_r_hook_3_allow_private_setting_lets_a_private_receiver_in() -> None:
    ctx, store = fake_context(**PRODUCTION, webhook_allow_private=True)
    created = await register(ctx, "https://10.0.0.8/hook")
    assert created.endpoint.url == "https://10.0.0.8/hook" and created.secret.startswith("whsec_")
    assert store.commits == 1
    with pytest.raises(ValidationFailed):  # metadata stays refused
        await register(ctx, "https://169.254.169.254/")


async def test_r_hook_3_public_https_target_is_taken() -> None:
    ctx, _ = fake_context(**PRODUCTION)
    created = await register(ctx, "https://93.184.216.34/hook")
    assert ctx.cipher.decrypt(created.endpoint.secret_encrypted) == created.secret  # type: ignore[attr-defined]
