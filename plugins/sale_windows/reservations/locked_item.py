"""The locked item: one unit of work on an item's holds and counts.

PostgreSQL decides. Every change of an item's holds or counts happens in a
transaction that first locks the item row with an ``UPDATE ... RETURNING``
(which also bumps ``gate_version`` and reads the sale's window and the DB
clock *after* the lock is granted), and then re-reads the reservation sums in
a NEW statement. Under READ COMMITTED a statement that waited for a lock still
sums from the snapshot taken when it started; a fresh statement sees every
hold committed by the transactions it waited for (Saleor 2.10's
``allocate_stock`` sums inside the locking statement and oversells).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from django.db import connection

from ..domain import ReservationState
from ..models import FlashSaleItem, Reservation

HELD = ReservationState.HELD.value
EXPIRED = ReservationState.EXPIRED.value
COMMITTED = ReservationState.COMMITTED.value
RELEASED = ReservationState.RELEASED.value

ITEM_TABLE = FlashSaleItem._meta.db_table
RESERVATION_TABLE = Reservation._meta.db_table


@dataclass(frozen=True)
class LockedItem:
    item_id: int
    sale_id: int
    cap: int
    sold: int
    per_customer_limit: Optional[int]
    version: int
    now: datetime
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    kind: str


def lock_item(item_id: int) -> Optional[LockedItem]:
    """Lock the item row (inside a transaction); None when it does not exist."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {ITEM_TABLE} AS item
               SET gate_version = item.gate_version + 1
              FROM sale_windows_flashsale AS sale
             WHERE item.id = %s AND sale.id = item.sale_id
         RETURNING item.id, item.sale_id, item.cap, item.sold,
                   item.per_customer_limit, item.gate_version, clock_timestamp(),
                   sale.starts_at, sale.ends_at, sale.cancelled_at IS NOT NULL,
                   sale.kind
            """,
            [item_id],
        )
        row = cursor.fetchone()
    return LockedItem(*row) if row else None


def _not_completing(column: str) -> str:
    from plugins.checkout_guard.services import not_completing_sql

    return not_completing_sql(column)


def expire_lapsed(item: LockedItem, cutoff: Optional[datetime] = None) -> int:
    """Holds past their expiry give their units back now (lazily, and from
    the sweep). Not the holds of a checkout being completed (the checkout
    guard's per-checkout lock; tried, never waited for): that order sells
    exactly the holds it was priced and paid for, and they count against the
    cap until it does."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {RESERVATION_TABLE} SET state = %s "
            "WHERE item_id = %s AND state = %s AND expires_at <= %s "
            f"AND {_not_completing('checkout_token')}",
            [EXPIRED, item.item_id, HELD, cutoff or item.now],
        )
        return cursor.rowcount


@dataclass(frozen=True)
class Counts:
    held_total: int
    customer_total: int


def item_counts(item: LockedItem, customer_key: str) -> Counts:
    """A NEW statement after the lock: sees all holds committed before it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COALESCE(SUM(quantity) FILTER (WHERE state = %s), 0),
                   COALESCE(SUM(quantity) FILTER (
                       WHERE state IN (%s, %s) AND customer_key = %s), 0)
              FROM {RESERVATION_TABLE}
             WHERE item_id = %s AND state IN (%s, %s)
            """,
            [HELD, HELD, COMMITTED, customer_key, item.item_id, HELD, COMMITTED],
        )
        held_total, customer_total = cursor.fetchone()
    return Counts(int(held_total), int(customer_total))


def with_sold(item: LockedItem, sold: int) -> LockedItem:
    values = dict(item.__dict__)
    values["sold"] = sold
    return LockedItem(**values)
