"""Which provider ships which units of an order: pure (no ORM, no Django).

A line goes to the provider owning the warehouse Saleor allocated its stock
in; a line allocated in two providers' warehouses is split between them by
the allocated units. A line with no allocation (a variant that does not
track inventory) goes to the provider listing the variant. Units in a
warehouse no provider owns, and lines of no provider at all, stay with the
platform: they are in no sub-order and staff fulfil them in Saleor as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, List, Mapping, Optional, Sequence


@dataclass(frozen=True)
class OrderedLine:
    line_id: int
    variant_id: Optional[int]
    quantity: int


@dataclass(frozen=True)
class AllocatedUnits:
    line_id: int
    warehouse_id: int
    provider_id: Optional[int]  # None: a warehouse of the platform's own
    quantity: int


@dataclass(frozen=True)
class Listing:
    provider_id: int
    settlement_price: Decimal


@dataclass(frozen=True)
class PlannedLine:
    line_id: int
    warehouse_id: Optional[int]
    quantity: int
    settlement_price: Decimal


def plan_split(
    lines: Sequence[OrderedLine],
    allocations: Sequence[AllocatedUnits],
    listings: Mapping[int, Listing],
) -> Dict[int, List[PlannedLine]]:
    """``{provider id: [planned line, ...]}`` in provider-id order.

    The settlement price is the variant's listing price at order time (0
    when the variant has no listing: the provider ships it, nothing is owed
    for it until staff set a price; docs/providers.md).
    """
    by_line: Dict[int, List[AllocatedUnits]] = {}
    for allocation in allocations:
        if allocation.quantity > 0:
            by_line.setdefault(allocation.line_id, []).append(allocation)
    plan: Dict[int, Dict[tuple, PlannedLine]] = {}

    def add(provider_id, line, warehouse_id, quantity):
        listing = listings.get(line.variant_id) if line.variant_id else None
        price = listing.settlement_price if listing else Decimal("0")
        key = (line.line_id, warehouse_id)
        group = plan.setdefault(provider_id, {})
        before = group.get(key)
        group[key] = PlannedLine(
            line.line_id,
            warehouse_id,
            quantity + (before.quantity if before else 0),
            price,
        )

    for line in lines:
        allocated = by_line.get(line.line_id)
        if allocated:
            for units in allocated:
                if units.provider_id is not None:
                    add(units.provider_id, line, units.warehouse_id, units.quantity)
        elif line.variant_id and line.variant_id in listings:
            add(listings[line.variant_id].provider_id, line, None, line.quantity)
    return {
        provider_id: sorted(
            group.values(), key=lambda p: (p.line_id, p.warehouse_id or 0)
        )
        for provider_id, group in sorted(plan.items())
    }


def settlement_amount(lines: Sequence[PlannedLine]) -> Decimal:
    return sum((line.settlement_price * line.quantity for line in lines), Decimal("0"))
