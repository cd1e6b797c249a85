"""A provider works its sub-orders: accept, add carrier and tracking, mark
shipped then delivered, cancel lines. Each action locks the sub-order row,
checks the move (``shipping_rules``) and runs in one transaction; a refusal
(``SubOrderRefusal``) changes nothing.

Shipping makes a Saleor fulfilment of the sub-order's units (Saleor's
``fulfill_order_line`` and ``order_fulfilled``), so ``order.status`` follows
(partially fulfilled, then fulfilled) and Saleor's order views stay right.
Cancelling lines gives the units back to their stock (the allocation in the
provider's warehouse), lowers the order line's quantity, refunds the buyer
for them through the order's payment (an involuntary refund), and tells the
line-cancellation listeners (flash units and allowance come back).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Dict, List, Optional, Sequence, Tuple

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from saleor.order import events as order_events
from saleor.order.actions import fulfill_order_line, order_fulfilled
from saleor.order.models import Fulfillment, FulfillmentLine, Order
from saleor.order.utils import update_order_status
from saleor.warehouse.models import Allocation, Stock

from plugins.core.payments import refund_part

from . import line_cancellation, provider_notices, settlement
from .models import SubOrder, SubOrderLine
from .settlement_rules import EntryKind
from .shipping_rules import (
    ShipmentState,
    SubOrderRefusal,
    SubOrderStatus,
    check_cancellation,
    check_tracking,
    next_status,
    shipment_state,
)
from .sub_order_access import provider_ids_of


def _lock(user, sub_order_pk: int) -> SubOrder:
    """The sub-order, locked, if one of the user's providers ships it."""
    sub_order = (
        SubOrder.objects.select_for_update()
        .filter(pk=sub_order_pk, provider_id__in=provider_ids_of(user))
        .first()
    )
    if sub_order is None:
        raise SubOrderRefusal("not_found", "No such sub-order.", "id")
    return sub_order


def accept(user, sub_order_pk: int) -> SubOrder:
    with transaction.atomic():
        sub_order = _lock(user, sub_order_pk)
        sub_order.status = next_status(sub_order.status, "accept")
        sub_order.accepted_at = timezone.now()
        sub_order.save(update_fields=["status", "accepted_at"])
    return sub_order


def set_tracking(
    user, sub_order_pk: int, carrier: str, tracking_number: str
) -> SubOrder:
    """Carrier and tracking number (also after shipping: a correction is
    written to the Saleor fulfilment too)."""
    with transaction.atomic():
        sub_order = _lock(user, sub_order_pk)
        next_status(sub_order.status, "set_tracking")
        carrier, tracking_number = check_tracking(carrier, tracking_number)
        sub_order.carrier, sub_order.tracking_number = carrier, tracking_number
        sub_order.save(update_fields=["carrier", "tracking_number"])
        if sub_order.fulfillment_id:
            Fulfillment.objects.filter(pk=sub_order.fulfillment_id).update(
                tracking_number=tracking_number
            )
    return sub_order


def _open_lines(sub_order: SubOrder) -> List[SubOrderLine]:
    return [
        line
        for line in sub_order.lines.select_related("order_line__variant").order_by("pk")
        if line.open_quantity > 0
    ]


def ship(
    user,
    sub_order_pk: int,
    carrier: Optional[str] = None,
    tracking_number: Optional[str] = None,
) -> SubOrder:
    """Mark an accepted sub-order shipped: its open units leave the
    provider's stock in one Saleor fulfilment carrying the tracking number;
    the buyer is e-mailed (through the outbox)."""
    with transaction.atomic():
        sub_order = _lock(user, sub_order_pk)
        status = next_status(sub_order.status, "ship")
        carrier, tracking_number = check_tracking(
            carrier or sub_order.carrier, tracking_number or sub_order.tracking_number
        )
        order = Order.objects.select_for_update().get(pk=sub_order.order_id)
        lines = _open_lines(sub_order)
        fulfillment = Fulfillment.objects.create(
            order=order, tracking_number=tracking_number
        )
        stocks = {
            (stock.warehouse_id, stock.product_variant_id): stock
            for stock in Stock.objects.filter(
                warehouse_id__in={
                    line.warehouse_id for line in lines if line.warehouse_id
                },
                product_variant_id__in={line.order_line.variant_id for line in lines},
            )
        }
        fulfilled = []
        for line in lines:
            order_line = line.order_line
            stock = stocks.get((line.warehouse_id, order_line.variant_id))
            if stock is not None:
                fulfill_order_line(order_line, line.open_quantity, line.warehouse_id)
            else:  # untracked variant, no stock row: nothing to take from
                order_line.quantity_fulfilled += line.open_quantity
                order_line.save(update_fields=["quantity_fulfilled"])
            fulfilled.append(
                FulfillmentLine(
                    fulfillment=fulfillment,
                    order_line=order_line,
                    quantity=line.open_quantity,
                    stock=stock,
                )
            )
        FulfillmentLine.objects.bulk_create(fulfilled)
        order_fulfilled([fulfillment], user, fulfilled, notify_customer=False)
        now = timezone.now()
        sub_order.status = status
        sub_order.carrier, sub_order.tracking_number = carrier, tracking_number
        sub_order.fulfillment = fulfillment
        sub_order.shipped_at = now
        sub_order.save(
            update_fields=[
                "status",
                "carrier",
                "tracking_number",
                "fulfillment",
                "shipped_at",
            ]
        )
        statuses = list(
            SubOrder.objects.filter(order_id=order.pk).values_list("status", flat=True)
        )
        live = [s for s in statuses if s != SubOrderStatus.CANCELLED]
        sent = [
            s for s in live if s in (SubOrderStatus.SHIPPED, SubOrderStatus.DELIVERED)
        ]
        provider_notices.tell_buyer_of_shipment(
            order,
            sub_order.pk,
            provider_notices.SHIPMENT_SHIPPED,
            [
                provider_notices.item(line.order_line, line.open_quantity)
                for line in lines
            ],
            carrier,
            tracking_number,
            shipped=len(sent),
            of=len(live),
        )
    return sub_order


def deliver(user, sub_order_pk: int) -> SubOrder:
    """Mark a shipped sub-order delivered: its units enter the provider's
    settlement; the buyer is e-mailed."""
    with transaction.atomic():
        sub_order = _lock(user, sub_order_pk)
        sub_order.status = next_status(sub_order.status, "deliver")
        sub_order.delivered_at = timezone.now()
        sub_order.save(update_fields=["status", "delivered_at"])
        lines = _open_lines(sub_order)
        settlement.record_entries(
            sub_order,
            [(line, line.open_quantity) for line in lines],
            EntryKind.DELIVERED,
            occurred_at=sub_order.delivered_at,
        )
        order = Order.objects.get(pk=sub_order.order_id)
        provider_notices.tell_buyer_of_shipment(
            order,
            sub_order.pk,
            provider_notices.SHIPMENT_DELIVERED,
            [
                provider_notices.item(line.order_line, line.open_quantity)
                for line in lines
            ],
        )
    return sub_order


def _give_back_allocation(line: SubOrderLine, units: int) -> None:
    """The units' allocation in the provider's warehouse shrinks: they are
    free in that stock again (Saleor's lock order: the stock row first)."""
    if not line.warehouse_id:
        return
    stock = (
        Stock.objects.select_for_update()
        .filter(
            warehouse_id=line.warehouse_id,
            product_variant_id=line.order_line.variant_id,
        )
        .first()
    )
    if stock is None:
        return
    allocation = (
        Allocation.objects.select_for_update()
        .filter(order_line_id=line.order_line_id, stock=stock)
        .first()
    )
    if allocation is None:
        return
    allocation.quantity_allocated = max(0, allocation.quantity_allocated - units)
    allocation.save(update_fields=["quantity_allocated"])


def cancel_lines(
    user, sub_order_pk: int, requested: Sequence[Tuple[int, int]], reason: str
) -> SubOrder:
    """Cancel units of a not yet shipped sub-order (``(line id, quantity)``
    pairs), with a reason. A refused refund rolls everything back."""
    with transaction.atomic():
        sub_order = _lock(user, sub_order_pk)
        next_status(sub_order.status, "cancel_lines")
        lines = {
            line.pk: line
            for line in sub_order.lines.select_for_update(of=("self",))
            .select_related("order_line__variant")
            .order_by("pk")
        }
        wanted = check_cancellation(
            {pk: line.open_quantity for pk, line in lines.items()}, requested, reason
        )
        reason = reason.strip()
        order = Order.objects.select_for_update().get(pk=sub_order.order_id)
        refund = Decimal("0")
        by_variant: Dict[int, int] = {}
        cancelled = []
        for line_pk in sorted(wanted):
            line, units = lines[line_pk], wanted[line_pk]
            order_line = line.order_line
            _give_back_allocation(line, units)
            type(order_line).objects.filter(pk=order_line.pk).update(
                quantity=F("quantity") - units
            )
            line.cancelled_quantity += units
            line.cancel_reason = reason
            line.save(update_fields=["cancelled_quantity", "cancel_reason"])
            refund += order_line.unit_price_gross_amount * units
            if order_line.variant_id:
                by_variant[order_line.variant_id] = (
                    by_variant.get(order_line.variant_id, 0) + units
                )
            cancelled.append((line, units))
        settlement.record_entries(
            sub_order, cancelled, EntryKind.CANCELLED, reason=reason
        )
        if all(line.open_quantity == 0 for line in lines.values()):
            sub_order.status = SubOrderStatus.CANCELLED
            sub_order.cancelled_at = timezone.now()
            sub_order.save(update_fields=["status", "cancelled_at"])
        line_cancellation.lines_cancelled(order.pk, by_variant)
        update_order_status(order)
        order_events.order_note_added_event(
            order=order,
            user=user,
            message=(
                f"Provider cancelled {sum(wanted.values())} unit(s) of sub-order "
                f"SO-{sub_order.pk}: {reason}"
            ),
        )
        _refund(order, user, refund)
        provider_notices.tell_buyer_of_cancellation(
            order,
            sub_order.pk,
            [
                provider_notices.item(line.order_line, units)
                for line, units in cancelled
            ],
            refund,
            reason,
        )
    return sub_order


def _refund(order, user, amount: Decimal) -> None:
    payment = order.get_last_payment()
    if payment is None or amount <= 0:
        return
    outcome = refund_part(payment, amount)
    if outcome.failed:
        raise SubOrderRefusal(
            "refund_failed",
            f"The payment gateway refused the refund ({outcome.error}); nothing "
            "was cancelled.",
        )
    if outcome.action == "refund":
        payment.refresh_from_db()
        order_events.payment_refunded_event(
            order=order, user=user, amount=min(amount, payment.total), payment=payment
        )


def order_shipment_state(order_id: int) -> Optional[ShipmentState]:
    """The parent order's shipment state (None: the order has no sub-order)."""
    statuses = list(
        SubOrder.objects.filter(order_id=order_id).values_list("status", flat=True)
    )
    return shipment_state(statuses) if statuses else None
