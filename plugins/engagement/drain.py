"""Moving queued events from Redis into PostgreSQL, in batches.

One drainer at a time (a Redis lock with an owner token). It reads the head
of the queue, inserts it (ON CONFLICT DO NOTHING) and commits, and only then
trims what it read, while still holding the lock. A drainer killed between
the commit and the trim leaves rows the next one inserts again: the unique
index drops them. So an event in the queue is written at least once and
stored once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Dict, Iterable, List

from django.contrib.auth import get_user_model
from django.db import transaction

from . import queue, storage

logger = logging.getLogger(__name__)

DRAIN_BATCH = 2000


def _member_ids(emails: Iterable[str]) -> Dict[str, int]:
    wanted = {email for email in emails if email}
    if not wanted:
        return {}
    return dict(
        get_user_model().objects.filter(email__in=wanted).values_list("email", "pk")
    )


def _rows(payloads: List[dict]) -> List[dict]:
    members = _member_ids(payload.get("member_email", "") for payload in payloads)
    rows = []
    for payload in payloads:
        row = dict(payload)
        # Member ids only: the e-mail the token named is not stored.
        row["member_id"] = members.get(row.pop("member_email", ""), None)
        row["occurred_at"] = datetime.fromisoformat(row["occurred_at"])
        row["received_at"] = datetime.fromisoformat(row["received_at"])
        rows.append(row)
    return rows


def drain(max_batches: int = 50) -> dict:
    """Drain the queue (up to ``max_batches`` batches). Returns counts;
    ``busy`` when another drainer holds the lock."""
    token = uuid.uuid4().hex
    if not queue.take_lock(token):
        return {"busy": True, "read": 0, "inserted": 0}
    read = inserted = 0
    try:
        for _ in range(max_batches):
            # Cleared before reading: an event pushed from now on asks for a
            # new drain task, so nothing waits for the beat.
            queue.clear_drain_flag()
            payloads = queue.peek(DRAIN_BATCH)
            if not payloads:
                break
            with transaction.atomic():
                inserted += storage.insert_events(_rows(payloads))
            if not queue.trim(token, len(payloads)):
                logger.warning("event drain lost its lock; stopping")
                break
            read += len(payloads)
    finally:
        queue.release_lock(token)
    return {"busy": False, "read": read, "inserted": inserted}
