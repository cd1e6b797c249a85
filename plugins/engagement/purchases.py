"""Purchases and completed checkouts, recorded by the server from orders
(``order_created`` → on commit → a task; the beat re-records any recent
order a lost task missed). A client can never send these kinds.

Each order writes one ``checkout_completed`` event and one ``purchase`` per
line, with event ids derived from the order and line ids, so recording an
order twice stores it once. They are joined to the session that led to the
order through the ``checkout_started`` event carrying the order's checkout
token; without one, to the member's latest session of the last day.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import List, Optional

from django.db import connection, transaction
from django.utils import timezone
from saleor.order.models import Order

from plugins.sale_windows.services import flash_sales_of_order

from . import storage
from .domain import EventKind

NAMESPACE = uuid.UUID("7f1d3c52-4c0e-4f83-9a0e-5b2a4b1c9e11")
JOIN_WINDOW = timedelta(days=2)
SESSION_COLUMNS = ("session_id", "client_id", "entry_point", "channel_id", "key_id")


def _session_of(order: Order) -> dict:
    """The session that led to ``order``: its checkout_started event, else
    the member's latest event; {} when neither is found."""
    since = order.created - JOIN_WINDOW
    with connection.cursor() as cursor:
        row = None
        if order.checkout_token:
            cursor.execute(
                f"SELECT {', '.join(SESSION_COLUMNS)}, member_id FROM engagement_event "
                "WHERE checkout_token = %s AND kind = %s AND occurred_at >= %s "
                "ORDER BY occurred_at DESC LIMIT 1",
                [order.checkout_token, EventKind.CHECKOUT_STARTED.value, since],
            )
            row = cursor.fetchone()
        if row is None and order.user_id:
            cursor.execute(
                f"SELECT {', '.join(SESSION_COLUMNS)}, member_id FROM engagement_event "
                "WHERE member_id = %s AND occurred_at >= %s AND order_id IS NULL "
                "ORDER BY occurred_at DESC LIMIT 1",
                [order.user_id, since],
            )
            row = cursor.fetchone()
    if row is None:
        return {}
    return dict(zip(SESSION_COLUMNS + ("member_id",), row))


def order_event_rows(order: Order) -> List[dict]:
    session = _session_of(order)
    sale_of_variant = flash_sales_of_order(order.pk)
    now = timezone.now()
    common = {
        "occurred_at": order.created,
        "received_at": now,
        "member_id": order.user_id or session.get("member_id"),
        "order_id": order.pk,
        "checkout_token": order.checkout_token or None,
        **{column: session.get(column) for column in SESSION_COLUMNS},
    }
    for column in ("session_id", "client_id", "entry_point"):
        common[column] = common[column] or ""
    if not common["session_id"]:
        common["session_id"] = f"order_{order.pk}"
    rows = [
        {
            **common,
            "event_id": uuid.uuid5(NAMESPACE, f"order:{order.pk}"),
            "kind": EventKind.CHECKOUT_COMPLETED.value,
            "quantity": sum(line.quantity for line in order.lines.all()),
        }
    ]
    for line in order.lines.select_related("variant"):
        variant = line.variant
        rows.append(
            {
                **common,
                "event_id": uuid.uuid5(NAMESPACE, f"order-line:{line.pk}"),
                "kind": EventKind.PURCHASE.value,
                "product_id": variant.product_id if variant else None,
                "variant_id": line.variant_id,
                "sale_id": sale_of_variant.get(line.variant_id),
                "quantity": line.quantity,
            }
        )
    return rows


def record_order(order_id: int) -> int:
    """Record an order's events (idempotent); returns rows newly stored."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return 0
    with transaction.atomic():
        return storage.insert_events(order_event_rows(order))


def record_missed_orders(since: Optional[timedelta] = None) -> int:
    """The beat's sweep: orders of the last hours without their
    checkout_completed event (a task lost with Redis, a worker killed)."""
    window = since or timedelta(hours=3)
    start = timezone.now() - window
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.id FROM order_order o WHERE o.created >= %s AND NOT EXISTS ("
            " SELECT 1 FROM engagement_event e WHERE e.order_id = o.id"
            " AND e.kind = %s AND e.occurred_at >= %s)",
            [start, EventKind.CHECKOUT_COMPLETED.value, start - timedelta(hours=1)],
        )
        order_ids = [row[0] for row in cursor.fetchall()]
    return sum(record_order(order_id) for order_id in order_ids)
