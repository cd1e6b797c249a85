"""Admission: refuse a hold early from the Redis gate, before any lock, and
ask PostgreSQL (unlocked) when the gate's per-customer figure says no."""

from __future__ import annotations

from typing import Dict, Optional

from django.db import connection

from .. import domain, gate
from ..domain import Refusal
from ..models import FlashSaleItem
from .holds import ReservationError, refused
from .locked_item import COMMITTED, HELD, ITEM_TABLE, RESERVATION_TABLE

_item_sales: Dict[int, int] = {}


def sale_of_item(item_id: int) -> Optional[int]:
    """The sale an item belongs to; cached per process (it never changes)."""
    sale_id = _item_sales.get(item_id)
    if sale_id is None:
        sale_id = (
            FlashSaleItem.objects.filter(pk=item_id)
            .values_list("sale_id", flat=True)
            .first()
        )
        if sale_id is not None:
            _item_sales[item_id] = sale_id
    return sale_id


def gate_check(
    item_id: int, quantity: int, checkout_token: str, customer_key: str = ""
) -> None:
    """Refuse early from Redis; raises ReservationError, else returns."""
    refusal = domain.check_quantity(quantity)
    if refusal:
        raise refused(refusal)
    sale_id = sale_of_item(item_id)
    if sale_id is None:
        raise ReservationError("not_found", "No flash-sale item with this ID.")
    answer = gate.check(sale_id, item_id, quantity, checkout_token, customer_key)
    if answer == gate.SOLD_OUT:
        raise refused(Refusal.SOLD_OUT)
    if answer == gate.LIMIT_EXCEEDED and customer_over_limit(
        item_id, quantity, checkout_token, customer_key
    ):
        raise refused(Refusal.LIMIT_EXCEEDED)


def customer_over_limit(
    item_id: int, quantity: int, checkout_token: str, customer_key: str
) -> bool:
    """PostgreSQL's word on a LIMIT_EXCEEDED from the gate (one indexed read,
    no lock, in the express lane): a published customer figure may be stale
    (a cancellation whose publish was lost), and the gate may only refuse
    from state that is still true. False sends the request on to the locked
    decision, which publishes the customer's fresh state."""
    from plugins.core import database_lane

    with database_lane.express():
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT item.per_customer_limit,
                       COALESCE(SUM(hold.quantity) FILTER (
                           WHERE hold.checkout_token IS DISTINCT FROM %s::uuid
                             AND (hold.state = %s
                                  OR (hold.state = %s
                                      AND hold.expires_at > clock_timestamp()))),
                           0)
                  FROM {ITEM_TABLE} AS item
                  LEFT JOIN {RESERVATION_TABLE} AS hold
                    ON hold.item_id = item.id AND hold.customer_key = %s
                   AND hold.state IN (%s, %s)
                 WHERE item.id = %s
                 GROUP BY item.id
                """,
                [
                    checkout_token or None,
                    COMMITTED,
                    HELD,
                    customer_key,
                    HELD,
                    COMMITTED,
                    item_id,
                ],
            )
            row = cursor.fetchone()
    if row is None:
        return False
    limit, taken_elsewhere = row
    return domain.exceeds_customer_limit(limit, int(taken_elsewhere), quantity)
