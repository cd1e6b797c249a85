"""Pre-order sales ("ships in 4 to 6 weeks"): settled when the window ends.

Minimum reached (or none): the sale is confirmed. Otherwise every order that
bought its units is cancelled through Saleor (which releases the stock and
calls our ``order_cancelled`` hook, giving the units and allowances back) and
its payments are refunded (captured) or voided (authorised only).
Settling twice does nothing: the sale row is locked and marked settled.
"""

from __future__ import annotations

import logging
from typing import List, Optional

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from . import domain
from .domain import PreOrderSettlement, SaleKind
from .models import FlashSale, FlashSaleItem, Reservation

logger = logging.getLogger(__name__)


def orders_of_sale(sale_id: int) -> List[int]:
    return sorted(
        set(
            Reservation.objects.filter(
                item__sale_id=sale_id, state="committed", order__isnull=False
            ).values_list("order_id", flat=True)
        )
    )


def settle(sale_id: int) -> Optional[PreOrderSettlement]:
    """Settle an ended pre-order sale; None when there is nothing to settle."""
    with transaction.atomic():
        sale = FlashSale.objects.select_for_update().filter(pk=sale_id).first()
        if (
            sale is None
            or sale.kind != SaleKind.PRE_ORDER.value
            or sale.settled_at is not None
            or sale.cancelled_at is not None
            or timezone.now() < sale.ends_at
        ):
            return None
        units_sold = (
            FlashSaleItem.objects.filter(sale_id=sale_id).aggregate(t=Sum("sold"))["t"]
            or 0
        )
        outcome = domain.settle_pre_order(sale.minimum_quantity, units_sold)
        sale.settled_at = timezone.now()
        sale.settlement = outcome.value
        sale.save(update_fields=["settled_at", "settlement"])
        order_ids = orders_of_sale(sale_id)
    if outcome == PreOrderSettlement.CANCELLED:
        for order_id in order_ids:
            cancel_and_refund(order_id)
    return outcome


def cancel_and_refund(order_id: int) -> None:
    """Cancel one order through Saleor and give its money back."""
    from saleor.order import OrderStatus
    from saleor.order.actions import cancel_order
    from saleor.order.models import Order

    from plugins.core.payments import reverse_payment

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status != OrderStatus.CANCELED:
            cancel_order(order, None)
    for payment in order.payments.filter(is_active=True):
        if reverse_payment(payment).failed:
            logger.error(
                "pre-order %s: refund of payment %s failed", order_id, payment.pk
            )


def settle_ended(now=None) -> int:
    """Beat fallback: settle every ended, unsettled pre-order sale."""
    now = now or timezone.now()
    ids = FlashSale.objects.filter(
        kind=SaleKind.PRE_ORDER.value,
        settled_at__isnull=True,
        cancelled_at__isnull=True,
        ends_at__lte=now,
    ).values_list("pk", flat=True)
    return sum(1 for sale_id in list(ids) if settle(sale_id) is not None)
