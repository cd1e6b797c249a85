"""Package deals: one purchase holds every item of a package sale together,
all or nothing.

All items are locked in pk order (the order every other writer uses) in one
transaction; each item is decided by the same rule as a single hold, and the
first refusal rolls back every hold of the package. A retried request with
the same quantity returns the same holds.
"""

from __future__ import annotations

from typing import List

from django.db import transaction

from . import domain, reservations
from .domain import SaleKind
from .models import FlashSale, FlashSaleItem, Reservation
from .reservations import Buyer, ReservationError, _decide_and_hold, refused


class _Refused(Exception):
    def __init__(self, refusal, states):
        self.refusal = refusal
        self.states = states


def is_package_item(item_id: int) -> bool:
    return FlashSaleItem.objects.filter(
        pk=item_id, sale__kind=SaleKind.PACKAGE.value
    ).exists()


def reserve_package(sale_id: int, quantity: int, buyer: Buyer) -> List[Reservation]:
    """Hold ``quantity`` of every item of a package sale, or nothing.

    Raises ReservationError with a FlashSaleErrorCode value.
    """
    refusal = domain.check_quantity(quantity)
    if refusal:
        raise refused(refusal)
    sale = FlashSale.objects.filter(pk=sale_id).first()
    if sale is None or sale.kind != SaleKind.PACKAGE.value:
        raise ReservationError("not_found", "No package sale with this ID.")
    item_ids = sorted(
        FlashSaleItem.objects.filter(sale_id=sale_id).values_list("pk", flat=True)
    )
    if not item_ids:
        raise refused(domain.Refusal.SOLD_OUT)
    try:
        with transaction.atomic():
            held, states = [], []
            for item_id in item_ids:
                item = reservations.lock_item(item_id)
                reservations._expire_lapsed(item)
                reservation, refusal = _decide_and_hold(item, quantity, buyer)
                states.append(
                    reservations.gate_state(
                        item, [buyer.customer_key], [buyer.checkout_token]
                    )
                )
                if refusal:
                    raise _Refused(refusal, states)
                held.append(reservation)
            reservations.publish_on_commit(states)
    except _Refused as refusal:
        # Nothing was kept; the gate still learns which item is full.
        with transaction.atomic():
            for item_id in item_ids:
                item = reservations.lock_item(item_id)
                reservations.publish_on_commit([reservations.gate_state(item)])
        raise refused(refusal.refusal) from None
    return held
