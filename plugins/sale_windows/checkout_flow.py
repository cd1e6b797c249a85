"""checkoutComplete and order life-cycle: what the plugin hooks call."""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, Iterable, List, Mapping, Optional

from saleor.checkout.models import CheckoutLine

from . import domain, packages, reservations
from .reservations import CheckoutHold, FlashUnitsChanged, HoldLost, SaleClosed


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


class PackageIncomplete(Exception):
    """The checkout holds units of a package sale but its lines lack some of
    the package's items (or units of them)."""

    def __init__(
        self,
        missing: List[domain.MissingPackageUnits],
        package_names: Mapping[int, str],
        variant_names: Mapping[int, str],
    ):
        self.missing = missing
        deals = ", ".join(
            f'"{_name(package_names, package_id)}"'
            for package_id in dict.fromkeys(units.package_id for units in missing)
        )
        items = ", ".join(
            f"{units.short_by} × {_name(variant_names, units.variant_id)} "
            f"(has {units.in_lines} of {units.needed})"
            for units in missing
        )
        super().__init__(
            f"The package deal {deals} is sold only as a whole, and this "
            f"checkout lacks {items}. Add the missing items to the checkout "
            "(checkoutLinesAdd), or release the package's holds "
            "(flashSaleRelease) to pay the regular price."
        )


def _name(names: Mapping[int, str], key: int) -> str:
    return names.get(key) or str(key)


def check_holds_before_payment(
    checkout_token, lines_by_variant: Optional[Mapping[int, int]] = None
) -> None:
    """Before payment: refuse a checkout whose hold lapsed (HoldsLapsed) or
    whose lines lack part of a package it holds (PackageIncomplete); keep live
    holds through payment.

    ``lines_by_variant``: units per variant of the lines the order will be
    made of (checkoutComplete's own list); read from the database when None.
    """
    lapsed = reservations.lapsed_holds_before_payment(checkout_token)
    if lapsed:
        raise HoldsLapsed(lapsed)
    if lines_by_variant is None:
        lines_by_variant = checkout_units_by_variant(
            CheckoutLine.objects.filter(checkout_id=checkout_token)
        )
    missing, package_names, variant_names = packages.missing_package_units(
        checkout_token, lines_by_variant
    )
    if missing:
        raise PackageIncomplete(missing, package_names, variant_names)


def accept_priced_units(checkout) -> Dict[int, int]:
    """Before payment, after the checks: record the flash units per hold the
    order is priced for, from the holds the loaded checkout's lines were
    priced with and the lines the order is made of (Saleor's loaded list).
    ``sell_holds`` refuses an order that would sell any other units."""
    from .checkout_pricing import holds_priced_in

    return reservations.accept_flash_units(
        checkout.token, holds_priced_in(checkout), checkout_units_by_variant(checkout)
    )


def checkout_units_by_variant(lines: Iterable) -> Dict[int, int]:
    """Units per variant of checkout (or order) lines."""
    units: Dict[int, int] = defaultdict(int)
    for line in lines:
        if line.variant_id:
            units[line.variant_id] += line.quantity
    return dict(units)


def sell_holds(order) -> int:
    """In the order's transaction: the checkout's holds become sold units.

    Raises HoldLost when a lapsed hold's units were taken meanwhile, and
    FlashUnitsChanged when the units differ from those accepted before
    payment (``accept_priced_units``). Holds
    the order does not use are released; a package's holds are always used in
    full, since check_holds_before_payment refused a checkout whose lines
    (the ones the order is made of) lack part of its package.
    """
    if not order.checkout_token:
        return 0
    ordered = checkout_units_by_variant(order.lines.all())
    sold = reservations.sell_holds_for_order(order.pk, order.checkout_token, ordered)
    if sold:
        from .vouchers import issue_for_order

        issue_for_order(order)
        from .events import emit_sold_out

        # In the order's transaction: the sold-out event and its outbox
        # webhook commit with the order, or not at all.
        for item_id in reservations.sold_out_items_of_order(order.pk):
            emit_sold_out(item_id, order.pk)
    return sold


def give_back(order) -> int:
    """A cancelled order's flash units and allowance come back, and the
    vouchers it issued are revoked."""
    from .vouchers import revoke_for_order

    revoke_for_order(order.pk)
    return reservations.give_back_for_order(order.pk)


__all__ = [
    "FlashUnitsChanged",
    "HoldLost",
    "HoldsLapsed",
    "PackageIncomplete",
    "SaleClosed",
    "accept_priced_units",
    "check_holds_before_payment",
    "checkout_units_by_variant",
    "sell_holds",
]
