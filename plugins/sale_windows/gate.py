"""The Redis admission gate: refuse early, never admit on its own authority.

PostgreSQL decides every hold (``reservations.py``). After each decision, and
after every other locked change of an item (release, expiry, order, cancel,
cap change), the item's state as of that commit is *published* to Redis:

    flash:{sale:<sale id>}:item:<item id>   (one hash per item)
      ver        item.gate_version of the published state (monotonic)
      free       cap - sold - live holds
      exp        earliest expiry (ms) of a live hold, 0 if none
      lim        per-customer limit, -1 if none
      c:<email>  "<units taken>|<earliest expiry ms of their live holds>"
      k:<token>  "<units held by this checkout>|<expiry ms>"

The hash tag ``{sale:<id>}`` keeps every key of a sale in one Redis Cluster
slot. A publish older than the stored ``ver`` is ignored, so out-of-order
publishers cannot roll the state back.

``check`` (one Lua call, read-only) answers SOLD_OUT or LIMIT_EXCEEDED only
from a state that is still true: free units only grow when a hold lapses, so
a ``free`` figure is trusted only until ``exp``; the same holds for a
customer's allowance. Anything missing or stale answers PASS and the request
goes to PostgreSQL, which then publishes fresh state. So a flushed or
restarted Redis only costs speed: it is rebuilt by the next decisions.

Redis unreachable: the gate answers PASS (PostgreSQL alone decides, exactly
as with an empty Redis) and skips Redis for ``OUTAGE_BACKOFF_S`` so every
request does not wait on a dead socket. Overselling is impossible either way:
the gate can only refuse.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Iterable, Optional

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

PASS = "pass"
SOLD_OUT = "sold_out"
LIMIT_EXCEEDED = "limit_exceeded"

OUTAGE_BACKOFF_S = 2.0
SOCKET_TIMEOUT_S = 0.25
# Gate keys of a sale outlive its end by a day, then Redis forgets them.
KEY_TTL_AFTER_END_S = 86400

_CHECK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', KEYS[1], 'ver', 'free', 'exp', 'lim',
                     'k:' .. ARGV[2], 'c:' .. ARGV[3])
if not h[1] then return 'pass' end
local qty = tonumber(ARGV[1])
local held = 0
if h[5] then
  local q, e = string.match(h[5], '^(%d+)|(%d+)$')
  q = tonumber(q); e = tonumber(e)
  if q > 0 then
    if now >= e then return 'pass' end
    held = q
  end
end
if qty <= held then return 'pass' end
local lim = tonumber(h[4])
if ARGV[3] ~= '' and lim >= 0 and h[6] then
  local taken, ce = string.match(h[6], '^(%d+)|(%d+)$')
  taken = tonumber(taken); ce = tonumber(ce)
  if (ce == 0 or now < ce) and taken - held + qty > lim then
    return 'limit_exceeded'
  end
end
local exp = tonumber(h[3])
if (exp == 0 or now < exp) and tonumber(h[2]) < qty - held then
  return 'sold_out'
end
return 'pass'
"""

_PUBLISH = """
local ver = tonumber(ARGV[1])
local stored = tonumber(redis.call('HGET', KEYS[1], 'ver') or '-1')
if ver <= stored then return 0 end
redis.call('HSET', KEYS[1], 'ver', ARGV[1], 'free', ARGV[2], 'exp', ARGV[3],
           'lim', ARGV[4])
local i = 6
while i <= #ARGV do
  if ARGV[i + 1] == '' then
    redis.call('HDEL', KEYS[1], ARGV[i])
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
  i = i + 2
end
redis.call('EXPIREAT', KEYS[1], ARGV[5])
return 1
"""


@dataclass(frozen=True)
class ItemState:
    """An item's state as of one commit, as published to the gate."""

    sale_id: int
    item_id: int
    version: int
    free: int
    earliest_expiry_ms: int
    per_customer_limit: Optional[int]
    sale_ends_at_s: int
    # (customer_key, units taken, earliest expiry ms) of the customers touched
    customers: tuple = ()
    # (checkout token, units held, expiry ms) of the checkouts touched
    checkouts: tuple = ()


def item_key(sale_id: int, item_id: int) -> str:
    return f"flash:{{sale:{sale_id}}}:item:{item_id}"


class _Gate:
    def __init__(self):
        self._client: Optional[redis.Redis] = None
        self._url: Optional[str] = None
        self._down_until = 0.0
        self._lock = threading.Lock()
        self._check = None
        self._publish = None

    def client(self) -> Optional[redis.Redis]:
        url = getattr(settings, "FLASH_GATE_REDIS_URL", None) or settings.REDIS_URL
        if time.monotonic() < self._down_until:
            return None
        with self._lock:
            if self._client is None or self._url != url:
                self._client = redis.Redis.from_url(
                    url,
                    socket_timeout=SOCKET_TIMEOUT_S,
                    socket_connect_timeout=SOCKET_TIMEOUT_S,
                )
                self._url = url
                self._check = self._client.register_script(_CHECK)
                self._publish = self._client.register_script(_PUBLISH)
        return self._client

    def outage(self, exc: Exception) -> None:
        now = time.monotonic()
        if now >= self._down_until:  # log once per back-off, not per request
            logger.warning(
                "flash gate: Redis unreachable (%s); PostgreSQL decides alone "
                "for %.0f s",
                exc,
                OUTAGE_BACKOFF_S,
            )
        self._down_until = now + OUTAGE_BACKOFF_S

    def reset(self) -> None:
        with self._lock:
            self._client = None
            self._down_until = 0.0


_gate = _Gate()


def reset() -> None:
    """Forget the connection and any outage back-off (tests, settings change)."""
    _gate.reset()


def check(
    sale_id: int,
    item_id: int,
    quantity: int,
    checkout_token: str = "",
    customer_key: str = "",
) -> str:
    """PASS, SOLD_OUT or LIMIT_EXCEEDED from the last published state."""
    client = _gate.client()
    if client is None:
        return PASS
    try:
        answer = _gate._check(
            keys=[item_key(sale_id, item_id)],
            args=[quantity, checkout_token, customer_key],
        )
    except redis.RedisError as exc:
        _gate.outage(exc)
        return PASS
    return answer.decode() if isinstance(answer, bytes) else str(answer)


def publish(states: Iterable[ItemState]) -> None:
    """Store item states (newest version wins); best effort, never raises."""
    client = _gate.client()
    if client is None:
        return
    try:
        for state in states:
            args = [
                state.version,
                state.free,
                state.earliest_expiry_ms,
                -1 if state.per_customer_limit is None else state.per_customer_limit,
                state.sale_ends_at_s + KEY_TTL_AFTER_END_S,
            ]
            for customer_key, taken, expiry_ms in state.customers:
                args += [f"c:{customer_key}", f"{taken}|{expiry_ms}"]
            for token, held, expiry_ms in state.checkouts:
                args += [f"k:{token}", f"{held}|{expiry_ms}" if held else ""]
            _gate._publish(keys=[item_key(state.sale_id, state.item_id)], args=args)
    except redis.RedisError as exc:
        _gate.outage(exc)


def read_item(sale_id: int, item_id: int) -> dict:
    """The raw published hash of an item (tests and operations)."""
    client = _gate.client()
    if client is None:
        return {}
    raw = client.hgetall(item_key(sale_id, item_id))
    return {key.decode(): value.decode() for key, value in raw.items()}
