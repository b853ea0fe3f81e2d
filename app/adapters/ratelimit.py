"""Per-client token-bucket rate limit for sign-in and recovery endpoints (per process)."""

from __future__ import annotations

import time
from collections import OrderedDict

from app.domain.errors import TooManyRequests


class RateLimiter:
    def __init__(self, *, per_minute: int, burst: int, max_clients: int = 100_000) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(max(burst, 1))
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max_clients = max_clients
        self.enabled = per_minute > 0

    def hit(self, key: str, now: float | None = None) -> None:
        """Take one token for `key`; raise 429 with Retry-After when the bucket is empty."""
        if not self.enabled:
            return
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            retry_after = max(1, int((1.0 - tokens) / self._rate) + 1)
            raise TooManyRequests(
                "Too many sign-in or recovery attempts from this client. Wait a moment and try again.",
                code="rate_limited",
                retry_after=retry_after,
            )
        self._buckets[key] = (tokens - 1.0, now)
        while len(self._buckets) > self._max_clients:
            self._buckets.popitem(last=False)

    def reset(self) -> None:
        self._buckets.clear()
