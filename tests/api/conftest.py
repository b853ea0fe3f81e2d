"""Sign-ins of the demo data shared by the API tests (a module may still define its own fixture of the same name)."""

from __future__ import annotations

import pytest

from tests.helpers import bearer


@pytest.fixture
async def admin(client, demo):  # type: ignore[no-untyped-def]
    return await bearer(client, "admin", "Admin123")


@pytest.fixture
async def producer(client, demo):  # type: ignore[no-untyped-def]
    return await bearer(client, "demoagent", "Demo1234")


@pytest.fixture
async def other(client, demo):  # type: ignore[no-untyped-def]
    return await bearer(client, "otheragent", "Other123")
