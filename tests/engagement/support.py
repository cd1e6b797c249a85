"""Builders for statistics tests: keys, events, batches."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Optional

from django.test import Client

from plugins.engagement.models import EventKey


def make_key(channel=None, name: str = "Test storefront") -> EventKey:
    return EventKey.objects.create(name=name, channel=channel)


def event(kind: str = "view", **fields) -> dict:
    body = {
        "event_id": str(uuid.uuid4()),
        "kind": kind,
        "client_id": fields.pop("client_id", "client-1"),
        "timestamp": fields.pop("timestamp", datetime.now(timezone.utc).isoformat()),
    }
    if kind in ("view", "page_leave"):
        body["page"] = "product"
    if kind == "page_leave":
        body["time_on_page_ms"] = 1000
    if kind in ("favourite", "unfavourite", "add_to_cart"):
        body["product_id"] = 1
    if kind == "share":
        body["target"] = "whatsapp"
    if kind == "checkout_started":
        body["checkout_token"] = str(uuid.uuid4())
    body.update(fields)
    return body


def post_batch(
    key: Optional[str],
    events,
    client: Optional[Client] = None,
    address: str = "10.0.0.1",
    headers: Optional[dict] = None,
    **extra,
):
    client = client or Client()
    body = {"events": events, **extra}
    meta = {"REMOTE_ADDR": address}
    if key:
        meta["HTTP_X_FLASH_KEY"] = key
    meta.update(headers or {})
    return client.post(
        "/events/v1/batch",
        data=json.dumps(body),
        content_type="application/json",
        **meta,
    )


def drain_all(seconds: float = 20.0) -> dict:
    """Drain until the queue is empty: a Celery worker started by another
    test module may hold the drain lock meanwhile (then wait for it)."""
    import time

    from plugins.engagement import drain, queue

    deadline = time.monotonic() + seconds
    total = {"read": 0, "inserted": 0}
    while True:
        result = drain.drain()
        total["read"] += result["read"]
        total["inserted"] += result["inserted"]
        if not result["busy"] and queue.length() == 0:
            return total
        if time.monotonic() > deadline:
            raise AssertionError("the event queue did not drain")
        time.sleep(0.05)
