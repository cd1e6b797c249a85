"""The Redis side of ingestion: a list of checked events waiting for the
drain, a per-event-id "seen" mark that drops duplicates at the door, and the
flag that asks for a drain task.

What Redis losing its data costs (a flush, a restart without persistence):
the events queued and not yet drained (normally under a few seconds' worth)
and the seen marks (a storefront's retry then reaches the table, whose unique
index drops it). Purchases never pass through here: they are written to
PostgreSQL from orders. For view/cart analytics that loss is acceptable; the
alternative, a PostgreSQL write per request, is what the storefront must not
wait on.
"""

from __future__ import annotations

import json
from typing import List, Sequence, Tuple

import redis
from django.conf import settings

QUEUE = "flash:events:queue"
SEEN_PREFIX = "flash:events:seen:"
DRAIN_FLAG = "flash:events:drain-requested"
DRAIN_LOCK = "flash:events:drain-lock"
SEEN_SECONDS = 48 * 3600
DRAIN_FLAG_SECONDS = 30

_clients = {}

# KEYS: queue, drain flag. ARGV: seen prefix, seen ttl, flag ttl, then pairs
# of (event id, payload). Pushes the events not seen before; returns
# {pushed, flag newly set (1/0)}.
_PUSH = """
local pushed = 0
for i = 4, #ARGV, 2 do
  if redis.call('SET', ARGV[1] .. ARGV[i], '1', 'NX', 'EX', tonumber(ARGV[2])) then
    redis.call('RPUSH', KEYS[1], ARGV[i + 1])
    pushed = pushed + 1
  end
end
local flagged = 0
if pushed > 0 and redis.call('SET', KEYS[2], '1', 'NX', 'EX', tonumber(ARGV[3])) then
  flagged = 1
end
return {pushed, flagged}
"""

# KEYS: queue, lock. ARGV: lock token, count. Trims the drained head only
# while the caller still holds the lock.
_TRIM = """
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
  return 1
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def client() -> redis.Redis:
    url = getattr(settings, "FLASH_EVENTS_REDIS_URL", "") or settings.REDIS_URL
    found = _clients.get(url)
    if found is None:
        found = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        _clients[url] = found
    return found


_push_scripts = {}


def _push_script(redis_client: redis.Redis):
    """``_PUSH`` registered on the client: sent by its SHA (EVALSHA), the
    text only when Redis lost it (one per client, as ``client`` keeps)."""
    script = _push_scripts.get(redis_client)
    if script is None:
        script = redis_client.register_script(_PUSH)
        _push_scripts[redis_client] = script
    return script


def push(events: Sequence[Tuple[str, dict]]) -> Tuple[int, bool]:
    """Queue ``(event_id, payload)`` pairs, dropping ids seen in the last 48 h.

    Returns (events queued, a drain should be requested).
    """
    argv: List = [SEEN_PREFIX, SEEN_SECONDS, DRAIN_FLAG_SECONDS]
    for event_id, payload in events:
        argv.append(event_id)
        argv.append(json.dumps(payload, separators=(",", ":")))
    pushed, flagged = _push_script(client())(keys=[QUEUE, DRAIN_FLAG], args=argv)
    return int(pushed), bool(flagged)


def clear_drain_flag() -> None:
    client().delete(DRAIN_FLAG)


def take_lock(token: str, seconds: int = 120) -> bool:
    return bool(client().set(DRAIN_LOCK, token, nx=True, ex=seconds))


def release_lock(token: str) -> None:
    client().eval(_RELEASE, 1, DRAIN_LOCK, token)


def peek(count: int) -> List[dict]:
    return [json.loads(raw) for raw in client().lrange(QUEUE, 0, count - 1)]


def trim(token: str, count: int) -> bool:
    return bool(client().eval(_TRIM, 2, QUEUE, DRAIN_LOCK, token, count))


def length() -> int:
    return int(client().llen(QUEUE))
