"""Fixed-window request counters in Redis, failing open.

A limiter is an abuse brake, not a rule of the business: every rule that
must hold (caps, per-customer limits, stock) is decided in PostgreSQL. So
when Redis cannot be reached the request is let through and PostgreSQL's
rules still apply; a limiter never refuses from state it could not read.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

_clients = {}


@dataclass(frozen=True)
class Limit:
    """At most ``count`` events per ``seconds`` for one key; 0 = no limit."""

    count: int
    seconds: int = 60

    @property
    def off(self) -> bool:
        return self.count <= 0


def _client() -> redis.Redis:
    url = getattr(settings, "FLASH_RATE_LIMIT_REDIS_URL", "") or settings.REDIS_URL
    client = _clients.get(url)
    if client is None:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=0.2, socket_timeout=0.2
        )
        _clients[url] = client
    return client


def window_key(scope: str, key: str, limit: Limit, now: float) -> str:
    """The Redis key counting ``scope``/``key`` in the current window."""
    return f"flash:rl:{scope}:{key}:{int(now // limit.seconds)}"


def allow(scope: str, key: str, limit: Limit, now: Optional[float] = None) -> bool:
    """Count one event for ``key``; False when it is over ``limit``.

    Fails open (True) when Redis does not answer.
    """
    return first_over([(scope, key, limit)], now) is None


def first_over(
    checks: Sequence[Tuple[str, str, Limit]], now: Optional[float] = None
) -> Optional[str]:
    """Count one event for each ``(scope, key, limit)`` in one round trip;
    the scope of the first check over its limit, else None.

    Fails open (None) when Redis does not answer."""
    moment = time.time() if now is None else now
    live = [check for check in checks if check[1] and not check[2].off]
    if not live:
        return None
    try:
        pipe = _client().pipeline()
        for scope, key, limit in live:
            name = window_key(scope, key, limit, moment)
            pipe.incr(name)
            pipe.expire(name, limit.seconds + 1)
        answers = pipe.execute()
    except redis.RedisError as error:
        logger.warning("rate limits not checked (Redis: %s); allowed", error)
        return None
    for (scope, _key, limit), count in zip(live, answers[::2]):
        if int(count) > limit.count:
            return scope
    return None


def client_address(request) -> str:
    """The client's IP address.

    ``REMOTE_ADDR`` unless ``FLASH_TRUSTED_PROXY_HOPS`` says how many proxies
    of ours append to ``X-Forwarded-For``; then the address the outermost of
    them saw (entries further left are the client's own claims).
    """
    hops = int(getattr(settings, "FLASH_TRUSTED_PROXY_HOPS", 0) or 0)
    meta = getattr(request, "META", {}) or {}
    if hops > 0:
        forwarded = [
            part.strip()
            for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return meta.get("REMOTE_ADDR", "") or ""
