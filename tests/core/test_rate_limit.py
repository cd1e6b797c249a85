"""core.rate_limit on a real Redis: several limits counted in one round
trip, the first one over reported, and failing open without Redis."""

from __future__ import annotations

import uuid

from django.test import override_settings

from plugins.core.rate_limit import Limit, first_over


def test_each_limit_counts_and_the_first_over_is_named():
    ip, key = f"ip-{uuid.uuid4().hex}", f"key-{uuid.uuid4().hex}"
    checks = [("ip", ip, Limit(3)), ("key", key, Limit(2)), ("off", key, Limit(0))]
    now = 1_800_000_000.0
    assert [first_over(checks, now) for _ in range(4)] == [None, None, "key", "ip"]
    # The window moved on: counts start again.
    assert first_over(checks, now + 60) is None
    # An empty key or a limit that is off counts nothing.
    assert first_over([("ip", "", Limit(1)), ("x", ip, Limit(0))], now) is None


def test_fails_open_without_redis():
    with override_settings(FLASH_RATE_LIMIT_REDIS_URL="redis://127.0.0.1:1/0"):
        assert first_over([("ip", "a", Limit(1))] * 3) is None
