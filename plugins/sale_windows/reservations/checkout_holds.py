"""A checkout's holds, as pricing and checkoutComplete see them, and their
extension by the grace period just before payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import List

from django.conf import settings
from django.db import connection

from ..models import Reservation
from .locked_item import EXPIRED, HELD, ITEM_TABLE, RESERVATION_TABLE


def checkout_grace_seconds() -> int:
    return int(getattr(settings, "FLASH_CHECKOUT_GRACE_SECONDS", 120))


@dataclass(frozen=True)
class CheckoutHold:
    """An open hold of a checkout, as pricing and checkoutComplete see it."""

    reservation_id: int
    item_id: int
    variant_id: int
    quantity: int
    sale_price_amount: object
    currency: str
    expires_at: datetime
    state: str
    variant_name: str = ""


def open_holds_of_checkout(checkout_token) -> List[CheckoutHold]:
    """Held or lapsed (not released) holds of a checkout, in item order."""
    rows = (
        Reservation.objects.filter(
            checkout_token=checkout_token, state__in=[HELD, EXPIRED]
        )
        .select_related("item", "item__variant")
        .order_by("item_id")
    )
    return [
        CheckoutHold(
            reservation_id=row.pk,
            item_id=row.item_id,
            variant_id=row.item.variant_id,
            quantity=row.quantity,
            sale_price_amount=row.item.sale_price_amount,
            currency=row.item.currency,
            expires_at=row.expires_at,
            state=row.state,
            variant_name=str(row.item.variant),
        )
        for row in rows
    ]


def lapsed_holds_before_payment(checkout_token) -> List[CheckoutHold]:
    """Called just before payment: returns holds that have lapsed; extends the
    live ones by the checkout grace period so payment cannot outlast them.

    Runs inside checkoutComplete's first transaction (which commits before
    payment). It takes no item lock: that transaction goes on to lock stock
    rows (the checkout guard), while order creation locks stock and then
    items, so an item lock held here would close a deadlock cycle. Extending
    one's own hold needs only its reservation row; a later expiry only makes
    the gate's state stale early, which sends requests to PostgreSQL.
    """
    lapsed = []
    with connection.cursor() as cursor:
        for hold in open_holds_of_checkout(checkout_token):
            # The grace never reaches past the sale's end (nor does a hold
            # of a cancelled or shortened sale count as live): no hold sells
            # outside the window, so paying late must not look safe.
            cursor.execute(
                f"""
                UPDATE {RESERVATION_TABLE} AS hold
                   SET expires_at = LEAST(
                       GREATEST(hold.expires_at,
                                clock_timestamp() + %s * interval '1 second'),
                       sale.ends_at)
                  FROM {ITEM_TABLE} AS item, sale_windows_flashsale AS sale
                 WHERE hold.id = %s AND hold.state = %s
                   AND hold.expires_at > clock_timestamp()
                   AND item.id = hold.item_id AND sale.id = item.sale_id
                   AND sale.ends_at > clock_timestamp()
                   AND sale.cancelled_at IS NULL
             RETURNING hold.id
                """,
                [checkout_grace_seconds(), hold.reservation_id, HELD],
            )
            if cursor.fetchone() is None:
                lapsed.append(hold)
    return lapsed
