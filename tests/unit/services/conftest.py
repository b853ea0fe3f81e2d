"""Service unit tests on the in-memory unit of work (tests/fakes.py): no database, no HTTP."""

from __future__ import annotations

import pytest

from app.clock import FrozenClock
from app.context import AppContext
from tests.fakes import START, FakeStore, fake_context


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def ctx(store: FakeStore, clock: FrozenClock) -> AppContext:
    return fake_context(store, clock=clock)[0]
