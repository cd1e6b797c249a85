"""Gate rebuilds: an item's state as read under its lock, published to the
Redis gate after commit, and the rewrites of whole items from PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, List, Optional

from django.db import connection, transaction

from .. import gate
from ..models import FlashSaleItem
from .locked_item import COMMITTED, HELD, RESERVATION_TABLE, LockedItem, lock_item


def _epoch_ms(moment: Optional[datetime]) -> int:
    return int(moment.timestamp() * 1000) if moment else 0


def gate_state(
    item: LockedItem,
    customer_keys: Iterable[str] = (),
    checkout_tokens: Iterable[str] = (),
) -> gate.ItemState:
    """The item's state as this transaction will commit it (read under lock)."""
    customer_keys = [key for key in customer_keys if key]
    checkout_tokens = [str(token) for token in checkout_tokens if token]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COALESCE(SUM(quantity), 0), MIN(expires_at)
              FROM {RESERVATION_TABLE} WHERE item_id = %s AND state = %s
            """,
            [item.item_id, HELD],
        )
        held_total, earliest = cursor.fetchone()
        customers = []
        for key in customer_keys:
            cursor.execute(
                f"""
                SELECT COALESCE(SUM(quantity), 0),
                       MIN(expires_at) FILTER (WHERE state = %s)
                  FROM {RESERVATION_TABLE}
                 WHERE item_id = %s AND customer_key = %s AND state IN (%s, %s)
                """,
                [HELD, item.item_id, key, HELD, COMMITTED],
            )
            taken, customer_earliest = cursor.fetchone()
            customers.append((key, int(taken), _epoch_ms(customer_earliest)))
        checkouts = []
        for token in checkout_tokens:
            cursor.execute(
                f"""
                SELECT quantity, expires_at FROM {RESERVATION_TABLE}
                 WHERE item_id = %s AND checkout_token = %s AND state = %s
                """,
                [item.item_id, token, HELD],
            )
            row = cursor.fetchone()
            checkouts.append(
                (token, int(row[0]), _epoch_ms(row[1])) if row else (token, 0, 0)
            )
    return gate.ItemState(
        sale_id=item.sale_id,
        item_id=item.item_id,
        version=item.version,
        free=max(item.cap - item.sold - int(held_total), 0),
        earliest_expiry_ms=_epoch_ms(earliest),
        per_customer_limit=item.per_customer_limit,
        sale_ends_at_s=int(item.ends_at.timestamp()),
        customers=tuple(customers),
        checkouts=tuple(checkouts),
    )


def complete_gate_state(item: LockedItem) -> gate.ItemState:
    """The item's whole state for a rebuild: every customer and checkout
    with units (at most ``cap`` of each), so the hash can be rewritten."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT DISTINCT customer_key FROM {RESERVATION_TABLE}
             WHERE item_id = %s AND state IN (%s, %s) AND customer_key <> ''
            """,
            [item.item_id, HELD, COMMITTED],
        )
        customer_keys = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"""
            SELECT DISTINCT checkout_token FROM {RESERVATION_TABLE}
             WHERE item_id = %s AND state = %s AND checkout_token IS NOT NULL
            """,
            [item.item_id, HELD],
        )
        checkout_tokens = [row[0] for row in cursor.fetchall()]
    state = gate_state(item, customer_keys, checkout_tokens)
    return gate.ItemState(**{**state.__dict__, "complete": True})


def publish_on_commit(states: List[gate.ItemState]) -> None:
    if states:
        transaction.on_commit(lambda: gate.publish(states))


def refresh_live_gates() -> int:
    """Republish the state of every item of a live (or just ended) sale.

    Run by the periodic sweep: a process killed between its commit and its
    publish leaves the gate one version behind until the next change of the
    item; this bounds that to one sweep interval.
    """
    from django.db.models.functions import Now

    ids = FlashSaleItem.objects.filter(
        sale__starts_at__lte=Now(),
        sale__ends_at__gte=Now() - timedelta(hours=1),
        sale__cancelled_at__isnull=True,
    ).values_list("pk", flat=True)
    return rebuild_gate(list(ids))


def rebuild_gate(item_ids: Optional[Iterable[int]] = None) -> int:
    """Rewrite every (or the given) item's gate hash from PostgreSQL, with
    every customer and checkout that has units; returns how many."""
    ids = sorted(
        item_ids
        if item_ids is not None
        else FlashSaleItem.objects.values_list("pk", flat=True)
    )
    for item_id in ids:
        with transaction.atomic():
            item = lock_item(item_id)
            if item is not None:
                publish_on_commit([complete_gate_state(item)])
    return len(ids)
