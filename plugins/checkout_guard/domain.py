"""Pure stock-hold rules: no ORM, no Django."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple


@dataclass(frozen=True)
class StockLevel:
    """One warehouse stock row as seen under its lock."""

    stock_id: int
    quantity: int  # units on hand
    allocated: int  # units allocated to orders
    held_by_others: int  # units under other checkouts' live holds

    @property
    def available(self) -> int:
        return max(self.quantity - self.allocated - self.held_by_others, 0)


class NotEnoughStock(Exception):
    def __init__(self, variant_id: int, wanted: int, available: int):
        super().__init__(
            f"variant {variant_id}: {wanted} wanted, {available} available"
        )
        self.variant_id = variant_id
        self.wanted = wanted
        self.available = available


def plan_holds(
    needs: Dict[int, int], stocks_by_variant: Dict[int, Sequence[StockLevel]]
) -> List[Tuple[int, int]]:
    """Split each variant's need over its stocks, first stock first.

    Returns ``(stock_id, quantity)`` pairs; raises NotEnoughStock for the
    first variant whose stocks cannot cover its need. All or nothing.
    """
    plan: List[Tuple[int, int]] = []
    for variant_id, wanted in sorted(needs.items()):
        if wanted <= 0:
            continue
        remaining = wanted
        levels = stocks_by_variant.get(variant_id, ())
        for level in levels:
            take = min(remaining, level.available)
            if take > 0:
                plan.append((level.stock_id, take))
                remaining -= take
            if remaining == 0:
                break
        if remaining:
            available = sum(level.available for level in levels)
            raise NotEnoughStock(variant_id, wanted, available)
    return plan
