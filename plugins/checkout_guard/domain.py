"""Pure stock-hold rules: no ORM, no Django."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple


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


def units_kept_aside(
    set_aside: int,
    variant_id: int,
    checkout: str,
    flash_held: Mapping[str, Mapping[int, int]],
    guard_held: Mapping[str, Mapping[int, int]],
) -> int:
    """Set-aside units of a variant that ``checkout`` may not take.

    ``set_aside`` is what flash sales still have to sell (cap - sold). Other
    flash buyers' stock holds already cover part of it (counted as their
    holds), and this checkout may use as many as it holds in flash sales.
    """
    covered = sum(
        min(units.get(variant_id, 0), guard_held.get(token, {}).get(variant_id, 0))
        for token, units in flash_held.items()
        if token != checkout
    )
    own = flash_held.get(checkout, {}).get(variant_id, 0)
    return max(set_aside - covered - own, 0)


def plan_holds(
    needs: Dict[int, int],
    stocks_by_variant: Dict[int, Sequence[StockLevel]],
    kept_aside: Optional[Mapping[int, int]] = None,
) -> List[Tuple[int, int]]:
    """Split each variant's need over its stocks, first stock first.

    ``kept_aside`` (variant -> units) is stock reserved for others, such as
    flash sales, that this checkout may not take. Returns ``(stock_id,
    quantity)`` pairs; raises NotEnoughStock for the first variant whose
    stocks cannot cover its need. All or nothing.
    """
    kept_aside = kept_aside or {}
    plan: List[Tuple[int, int]] = []
    for variant_id, wanted in sorted(needs.items()):
        if wanted <= 0:
            continue
        levels = stocks_by_variant.get(variant_id, ())
        available = sum(level.available for level in levels)
        usable = max(available - kept_aside.get(variant_id, 0), 0)
        if wanted > usable:
            raise NotEnoughStock(variant_id, wanted, usable)
        remaining = wanted
        for level in levels:
            take = min(remaining, level.available)
            if take > 0:
                plan.append((level.stock_id, take))
                remaining -= take
            if remaining == 0:
                break
    return plan
