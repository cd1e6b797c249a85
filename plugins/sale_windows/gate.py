"""The Redis admission gate: refuse early, never admit on its own authority.

PostgreSQL decides every hold (``reservations.py``). After each decision, and
after every other locked change of an item (release, expiry, order, cancel,
cap change), the item's state as of that commit is *published* to Redis:

    flash:{sale:<sale id>}:item:<item id>   (one hash per item)
      ver        item.gate_version of the published state (monotonic)
      free       cap - sold - live holds
      exp        earliest expiry (ms) of a live hold, 0 if none
      lim        per-customer limit, -1 if none
      c:<email>  "<units taken>|<trusted until, ms>|<ver>"
      k:<token>  "<units held by this checkout>|<expiry ms>|<ver>"

The hash tag ``{sale:<id>}`` keeps every key of a sale in one Redis Cluster
slot. The item's fields are replaced only by a newer ``ver``, and each
customer's and checkout's field only by a newer ``ver`` of that field: a
publish that arrives late or out of order cannot roll anything back, and it
still delivers the fields it is the newest for (a cancelled order's
customer, say, even when a later publish about another customer got there
first). A rebuild (``replace``) rewrites the whole hash from PostgreSQL:
every customer and checkout with units, nothing left from before.

``check`` (one Lua call, read-only) answers SOLD_OUT or LIMIT_EXCEEDED only
from a state that is still true: free units only grow when a hold lapses, so
a ``free`` figure is trusted only until ``exp``; a customer's figure only
until their earliest hold lapses, and never more than
``CUSTOMER_TRUST_S`` after it was published (a publish lost with a killed
process, e.g. after an order cancellation, must not refuse them for long).
Anything missing or stale answers PASS and the request goes to PostgreSQL,
which then publishes fresh state; and a LIMIT_EXCEEDED is confirmed from
PostgreSQL before a buyer is refused (``reservations.gate_check``). So a
flushed or restarted Redis only costs speed: it is rebuilt by the next
decisions.

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

# How long a customer's published units are trusted when none of them is a
# live hold (only bought units): bounds the cost of a lost publish.
CUSTOMER_TRUST_S = 60

_CHECK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', KEYS[1], 'ver', 'free', 'exp', 'lim',
                     'k:' .. ARGV[2], 'c:' .. ARGV[3])
if not h[1] then return 'pass' end
local qty = tonumber(ARGV[1])
local held = 0
if h[5] then
  local q, e = string.match(h[5], '^(%d+)|(%d+)')
  q = tonumber(q); e = tonumber(e)
  if q > 0 then
    if now >= e then return 'pass' end
    held = q
  end
end
if qty <= held then return 'pass' end
local lim = tonumber(h[4])
if ARGV[3] ~= '' and lim >= 0 and h[6] then
  local taken, trusted = string.match(h[6], '^(%d+)|(%d+)')
  taken = tonumber(taken); trusted = tonumber(trusted)
  if now < trusted and taken - held + qty > lim then
    return 'limit_exceeded'
  end
end
local exp = tonumber(h[3])
if (exp == 0 or now < exp) and tonumber(h[2]) < qty - held then
  return 'sold_out'
end
return 'pass'
"""

# ARGV: ver, free, exp, lim, expireat, replace (1/0), trust ms, then
# (field, value) pairs; value "" deletes the field. A c:/k: value is
# "<units>|<expiry ms>" and gets "|<ver>" here; a customer's expiry 0 (no
# live hold) becomes "trusted until now + trust ms".
_PUBLISH = """
local ver = tonumber(ARGV[1])
local stored = tonumber(redis.call('HGET', KEYS[1], 'ver') or '-1')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local trust = tonumber(ARGV[7])
if ARGV[6] == '1' then
  if ver < stored then return 0 end
  redis.call('DEL', KEYS[1])
  stored = -1
end
local newer = ver > stored
if newer then
  redis.call('HSET', KEYS[1], 'ver', ARGV[1], 'free', ARGV[2], 'exp', ARGV[3],
             'lim', ARGV[4])
end
local i = 8
while i <= #ARGV do
  local field = ARGV[i]
  local value = ARGV[i + 1]
  local old = redis.call('HGET', KEYS[1], field)
  -- An absent field is "nothing" as of the stored version: an older
  -- publish may not bring it back.
  local old_ver = stored
  if old then old_ver = tonumber(string.match(old, '^%d+|%d+|(%d+)$') or '-1') end
  if ver > old_ver then
    if value == '' then
      redis.call('HDEL', KEYS[1], field)
    else
      local units, e = string.match(value, '^(%d+)|(%d+)$')
      if string.sub(field, 1, 2) == 'c:' then
        local limit = now + trust
        e = tonumber(e)
        if e == 0 or e > limit then e = limit end
      end
      redis.call('HSET', KEYS[1], field, units .. '|' .. e .. '|' .. ARGV[1])
    end
  end
  i = i + 2
end
if newer then redis.call('EXPIREAT', KEYS[1], ARGV[5]) end
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
    # A rebuild: these are all the customers and checkouts with units; the
    # hash is rewritten, not merged.
    complete: bool = False


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
    """Store item states (newest version wins, field by field); best
    effort, never raises."""
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
                1 if state.complete else 0,
                CUSTOMER_TRUST_S * 1000,
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
