"""checkoutComplete and order life-cycle: what the plugin hooks call."""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, List

from django.db import transaction

from . import reservations
from .reservations import CheckoutHold, HoldLost


class HoldsLapsed(Exception):
    """The checkout's flash holds lapsed before payment."""

    def __init__(self, holds: List[CheckoutHold]):
        self.holds = holds
        names = ", ".join(hold.variant_name or str(hold.item_id) for hold in holds)
        super().__init__(
            f"Your flash-sale hold on {names} has expired. Reserve again "
            "(flashSaleReserve) or release the hold (flashSaleRelease) to pay "
            "the regular price."
        )


def check_holds_before_payment(checkout_token) -> None:
    """Refuse a checkout whose hold lapsed; keep live holds through payment."""
    lapsed = reservations.lapsed_holds_before_payment(checkout_token)
    if lapsed:
        raise HoldsLapsed(lapsed)


def sell_holds(order) -> int:
    """In the order's transaction: the checkout's holds become sold units.

    Raises HoldLost when a lapsed hold's units were taken meanwhile.
    """
    if not order.checkout_token:
        return 0
    ordered: Dict[int, int] = defaultdict(int)
    for line in order.lines.all():
        if line.variant_id:
            ordered[line.variant_id] += line.quantity
    sold = reservations.sell_holds_for_order(order.pk, order.checkout_token, ordered)
    if sold:
        from .vouchers import issue_for_order

        issue_for_order(order)
        from .tasks import flash_units_sold_task

        order_id = order.pk
        sold_out = reservations.sold_out_items_of_order(order_id)
        transaction.on_commit(lambda: flash_units_sold_task.delay(order_id, sold_out))
    return sold


def give_back(order) -> int:
    """A cancelled order's flash units and allowance come back."""
    return reservations.give_back_for_order(order.pk)


__all__ = ["HoldLost", "HoldsLapsed", "check_holds_before_payment", "sell_holds"]
