"""Pre-order sales ("ships in 4 to 6 weeks"): settled when the window ends.

Minimum reached (or none): the sale is confirmed. Otherwise every order that
bought its units is cancelled through Saleor (which releases the stock and
calls our ``order_cancelled`` hook, giving the units and allowances back) and
its payments are refunded (captured) or voided (authorised only).

Settlement happens under every item's lock and then the sale's (the lock
order of ``sale_admin``): it waits for orders still selling units, and
since no hold sells after the sale's end (``reservations.sell_holds_for_order``,
by the DB clock), the units it counts are final. In the same transaction it
marks the sale settled and writes one ``PreOrderCancellation`` per order to
cancel; those rows are then driven to completion, right away and by every
beat, one order at a time: a failing gateway or a crash leaves the row
pending and it is retried (with a back-off), never skipped. Settling twice
does nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import List, Optional

from django.db import connection, transaction
from django.utils import timezone

from plugins.core.retry_schedule import retry_delay

from . import domain
from .domain import PreOrderSettlement, SaleKind
from .models import FlashSale, FlashSaleItem, PreOrderCancellation, Reservation
from .reservations import gate_state, lock_item, publish_on_commit

logger = logging.getLogger(__name__)

# Retry back-off of a failing cancellation: 1, 2, 4 ... minutes, at most 1 h.
RETRY_BASE_S = 60
RETRY_MAX_S = 3600
# pg_try_advisory_lock(class, id) class of "this cancellation is being driven"
_ADVISORY_CLASS = 0x5A1E


def orders_of_sale(sale_id: int) -> List[int]:
    return sorted(
        set(
            Reservation.objects.filter(
                item__sale_id=sale_id, state="committed", order__isnull=False
            ).values_list("order_id", flat=True)
        )
    )


def settle(sale_id: int, drive: bool = True) -> Optional[PreOrderSettlement]:
    """Settle an ended pre-order sale; None when there is nothing to settle.

    ``drive``: cancel the orders of a cancelled sale now (the beat does it
    otherwise)."""
    with transaction.atomic():
        # Items first, then the sale (sale_admin's lock order). Each item's
        # lock waits for the orders selling its units; the sold counts come
        # back from the row as the lock sees it (not an older snapshot).
        item_ids = list(
            FlashSaleItem.objects.filter(sale_id=sale_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        locked = [item for item in map(lock_item, item_ids) if item is not None]
        sale = FlashSale.objects.select_for_update().filter(pk=sale_id).first()
        if (
            sale is None
            or sale.kind != SaleKind.PRE_ORDER.value
            or sale.settled_at is not None
            or sale.cancelled_at is not None
            or _db_now() < sale.ends_at
        ):
            return None
        units_sold = sum(item.sold for item in locked)
        outcome = domain.settle_pre_order(sale.minimum_quantity, units_sold)
        sale.settled_at = timezone.now()
        sale.settlement = outcome.value
        sale.save(update_fields=["settled_at", "settlement"])
        if outcome == PreOrderSettlement.CANCELLED:
            PreOrderCancellation.objects.bulk_create(
                [
                    PreOrderCancellation(sale_id=sale_id, order_id=order_id)
                    for order_id in orders_of_sale(sale_id)
                ]
            )
        publish_on_commit([gate_state(item) for item in locked])
    if drive and outcome == PreOrderSettlement.CANCELLED:
        drive_cancellations(sale_id=sale_id)
    return outcome


def _db_now() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def drive_cancellations(
    now: Optional[datetime] = None, sale_id: Optional[int] = None
) -> int:
    """Cancel and refund every pending order of settled-cancelled pre-order
    sales that is due; returns how many were completed. An order that fails
    is recorded (attempts, last error, next attempt) and the others go on."""
    now = now or timezone.now()
    due = PreOrderCancellation.objects.filter(
        done_at__isnull=True, next_attempt_at__lte=now
    )
    if sale_id is not None:
        due = due.filter(sale_id=sale_id)
    completed = 0
    for cancellation_id in list(due.order_by("pk").values_list("pk", flat=True)):
        completed += _drive_one(cancellation_id, now)
    return completed


def _drive_one(cancellation_id: int, now: datetime) -> int:
    # One driver per order at a time (beat and settle may overlap); the
    # session lock dies with a crashed driver's connection.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", [_ADVISORY_CLASS, cancellation_id]
        )
        if not cursor.fetchone()[0]:
            return 0
    try:
        cancellation = PreOrderCancellation.objects.get(pk=cancellation_id)
        if cancellation.done_at is not None:
            return 0
        try:
            cancel_and_refund(cancellation.order_id)
        except Exception as error:  # noqa: BLE001 - recorded and retried
            attempts = cancellation.attempts + 1
            delay = retry_delay(attempts, RETRY_BASE_S, RETRY_MAX_S)
            PreOrderCancellation.objects.filter(pk=cancellation_id).update(
                attempts=attempts,
                last_error=repr(error)[:2000],
                next_attempt_at=now + timedelta(seconds=delay),
            )
            logger.exception(
                "pre-order %s: cancelling order %s failed (attempt %s); "
                "retried from %s",
                cancellation.sale_id,
                cancellation.order_id,
                attempts,
                now + timedelta(seconds=delay),
            )
            return 0
        PreOrderCancellation.objects.filter(pk=cancellation_id).update(
            attempts=cancellation.attempts + 1, done_at=timezone.now(), last_error=""
        )
        return 1
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, %s)", [_ADVISORY_CLASS, cancellation_id]
            )


def cancel_and_refund(order_id: int) -> None:
    """Cancel one order through Saleor and give its money back; idempotent
    (a cancelled order is not cancelled again, a refunded or voided payment
    is not reversed again). Raises PaymentError when a gateway refuses."""
    from saleor.order import OrderStatus
    from saleor.order.actions import cancel_order
    from saleor.order.models import Order
    from saleor.payment import PaymentError

    from plugins.core.payments import reverse_payment

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status != OrderStatus.CANCELED:
            cancel_order(order, None)
    for payment in order.payments.filter(is_active=True):
        reversal = reverse_payment(payment)
        if reversal.failed:
            # Recorded on the cancellation row and retried by the beat.
            raise PaymentError(
                f"refund of payment {payment.pk} failed: {reversal.error}"
            )


def settle_ended(now=None) -> int:
    """Beat: settle every ended, unsettled pre-order sale, then drive the
    pending cancellations (including those a failure or crash left)."""
    now = now or timezone.now()
    ids = FlashSale.objects.filter(
        kind=SaleKind.PRE_ORDER.value,
        settled_at__isnull=True,
        cancelled_at__isnull=True,
        ends_at__lte=now,
    ).values_list("pk", flat=True)
    settled = sum(
        1 for sale_id in list(ids) if settle(sale_id, drive=False) is not None
    )
    drive_cancellations(now)
    return settled
