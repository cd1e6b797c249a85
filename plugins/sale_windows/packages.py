"""Package deals: one purchase holds every item of a package sale together,
all or nothing.

All items are locked in pk order (the order every other writer uses) in one
transaction; each item is decided by the same rule as a single hold, and the
first refusal rolls back every hold of the package. A retried request with
the same quantity returns the same holds.

At checkoutComplete, before payment, a checkout holding units of a package
must have every item of the package in its lines (``missing_package_units``),
so the order sells the package whole.
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Tuple

from django.db import transaction

from . import domain, hold_policy, reservations
from .domain import SaleKind
from .models import FlashSale, FlashSaleItem, Reservation
from .reservations import Buyer, ReservationError, decide_and_hold, refused


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
                if reservations.provider_withdrawn(item_id):
                    raise reservations.provider_unavailable()
                reservations.expire_lapsed(item)
                over = hold_policy.bounds_refusal(
                    item_id, item.now, buyer.customer_key, buyer.checkout_token
                )
                if over:
                    raise ReservationError(*over)
                reservation, refusal = decide_and_hold(item, quantity, buyer)
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


def missing_package_units(
    checkout_token, lines_by_variant: Mapping[int, int]
) -> Tuple[List[domain.MissingPackageUnits], Dict[int, str], Dict[int, str]]:
    """The checkout's open (held or lapsed) holds against its lines, by the
    package completeness rule (``domain.missing_package_units``).

    Returns the missing units, the names of the packages (sale id -> name) and
    of their variants (variant id -> name). Reads only: one query when the
    checkout holds no package, two when it does.
    """
    rows = list(
        Reservation.objects.filter(
            checkout_token=checkout_token,
            state__in=[reservations.HELD, reservations.EXPIRED],
        ).values_list(
            "item_id",
            "item__variant_id",
            "quantity",
            "item__sale_id",
            "item__sale__kind",
        )
    )
    holds = [
        domain.CheckoutHoldUnits(
            item_id,
            variant_id,
            quantity,
            sale_id if kind == SaleKind.PACKAGE.value else None,
        )
        for item_id, variant_id, quantity, sale_id, kind in rows
    ]
    package_ids = {hold.package_id for hold in holds if hold.package_id is not None}
    if not package_ids:
        return [], {}, {}
    items = list(
        FlashSaleItem.objects.filter(sale_id__in=package_ids)
        .select_related("sale", "variant", "variant__product")
        .order_by("pk")
    )
    members = [
        domain.PackageMember(item.sale_id, item.pk, item.variant_id) for item in items
    ]
    missing = domain.missing_package_units(holds, members, lines_by_variant)
    sale_names = {item.sale_id: item.sale.name for item in items}
    variant_names = {item.variant_id: item.variant.display_product() for item in items}
    return missing, sale_names, variant_names
