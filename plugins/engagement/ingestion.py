"""Accepting a storefront's batch: the key, the member's token, the checks,
the queue. Nothing here waits on PostgreSQL for a known key: keys are kept
in each process for ``KEY_CACHE_SECONDS`` (a revoked key stops working
within that time), the member's token is checked by its signature alone
(the drain turns its e-mail into a member id), and events go to Redis."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Optional, Tuple

from django.conf import settings

from plugins.core.rate_limit import Limit, first_over

from . import queue
from .domain import BatchError, CleanEvent, clean_batch

KEY_CACHE_SECONDS = 30


@dataclass(frozen=True)
class KeyGrant:
    key_id: int
    channel_id: Optional[int]


class IngestRefused(Exception):
    """Refused before the events are read: ``status`` and a typed ``code``."""

    def __init__(self, status: int, code: str, message: str, param: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param


_keys: Dict[str, Tuple[float, Optional[KeyGrant]]] = {}
_keys_lock = threading.Lock()


def forget_cached_keys() -> None:
    with _keys_lock:
        _keys.clear()


def grant_for_key(public_key: str) -> Optional[KeyGrant]:
    """The active key's grant, from this process's cache or PostgreSQL."""
    now = time.monotonic()
    with _keys_lock:
        cached = _keys.get(public_key)
    if cached is not None and cached[0] > now:
        return cached[1]
    from .models import EventKey

    row = (
        EventKey.objects.filter(public_key=public_key, is_active=True)
        .values("pk", "channel_id")
        .first()
    )
    grant = KeyGrant(row["pk"], row["channel_id"]) if row else None
    with _keys_lock:
        if len(_keys) > 10000:
            _keys.clear()
        _keys[public_key] = (now + KEY_CACHE_SECONDS, grant)
    return grant


def member_email_of_token(token: str) -> str:
    """The e-mail a valid Saleor JWT names (signature and expiry checked, no
    database read); raises ``IngestRefused`` for a bad token."""
    from graphql_jwt.exceptions import JSONWebTokenError
    from graphql_jwt.utils import jwt_decode

    try:
        payload = jwt_decode(token)
    except (JSONWebTokenError, Exception):
        raise IngestRefused(
            401,
            "invalid_token",
            "The member token is invalid or expired; refresh it or send the "
            "events without it.",
            "Authorization",
        ) from None
    email = payload.get("email") or payload.get("username") or ""
    if not email:
        raise IngestRefused(401, "invalid_token", "The token names no account.")
    return str(email)


def key_limit() -> Limit:
    return Limit(int(getattr(settings, "FLASH_EVENTS_RATE_PER_KEY", 6000)), 60)


def ip_limit() -> Limit:
    return Limit(int(getattr(settings, "FLASH_EVENTS_RATE_PER_IP", 120)), 60)


def check_rate(public_key: str, address: str) -> None:
    """Both limits counted in one Redis round trip."""
    over = first_over(
        [("events-ip", address, ip_limit()), ("events-key", public_key, key_limit())]
    )
    if over == "events-ip":
        raise IngestRefused(429, "rate_limited", "Too many batches from this address.")
    if over == "events-key":
        raise IngestRefused(429, "rate_limited", "Too many batches for this key.")


def anonymous_session(grant: KeyGrant, client_id: str, day: str) -> str:
    """A session id for a client that sent none: one per client, key and day
    (a hash, so the raw client id is not what joins the day's events)."""
    digest = hashlib.sha256(f"{grant.key_id}:{client_id}:{day}".encode()).hexdigest()
    return "anon_" + digest[:32]


def _payload(
    event: CleanEvent,
    grant: KeyGrant,
    session_id: Optional[str],
    member_email: str,
    received_at: datetime,
) -> dict:
    return {
        "event_id": event.event_id,
        "occurred_at": event.occurred_at.isoformat(),
        "received_at": received_at.isoformat(),
        "kind": event.kind,
        "key_id": grant.key_id,
        "channel_id": grant.channel_id,
        "member_email": member_email,
        "session_id": session_id
        or anonymous_session(
            grant, event.client_id, event.occurred_at.date().isoformat()
        ),
        "client_id": event.client_id,
        "page": event.page,
        "entry_point": event.entry_point,
        "product_id": event.product_id,
        "variant_id": event.variant_id,
        "sale_id": event.sale_id,
        "utm_source": event.utm.get("source", ""),
        "utm_medium": event.utm.get("medium", ""),
        "utm_campaign": event.utm.get("campaign", ""),
        "utm_term": event.utm.get("term", ""),
        "utm_content": event.utm.get("content", ""),
        "time_on_page_ms": event.time_on_page_ms,
        "engaged_ms": event.engaged_ms,
        "share_target": event.share_target,
        "checkout_token": event.checkout_token,
        "quantity": event.quantity,
    }


@dataclass(frozen=True)
class Accepted:
    received: int
    queued: int
    drain_requested: bool

    @property
    def duplicates(self) -> int:
        return self.received - self.queued


def accept_batch(
    body, grant: KeyGrant, member_email: str, received_at: datetime
) -> Accepted:
    """Check the batch (``BatchError`` names the first bad field) and queue
    its events in Redis; duplicates of events seen in the last 48 h drop."""
    events, session_id = clean_batch(body, received_at)
    seen_in_batch = set()
    pairs = []
    for event in events:
        if event.event_id in seen_in_batch:
            continue
        seen_in_batch.add(event.event_id)
        pairs.append(
            (
                event.event_id,
                _payload(event, grant, session_id, member_email, received_at),
            )
        )
    queued, flagged = queue.push(pairs)
    return Accepted(len(events), queued, flagged)


__all__ = [
    "Accepted",
    "BatchError",
    "IngestRefused",
    "KeyGrant",
    "accept_batch",
    "check_rate",
    "grant_for_key",
    "member_email_of_token",
]
