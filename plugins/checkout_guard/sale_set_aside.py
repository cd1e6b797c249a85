"""Stock that flash sales keep aside, as the checkout guard must see it.

A flash item's cap is backed by warehouse stock: regular buyers must not take
the units the sale still has to sell, or a flash winner's order could fail.
Buyers holding flash units may draw on the set-aside up to what they hold.

checkout_guard sits below sale_windows (DESIGN.md, "Layout"), so it cannot
import it: the plugin that sets stock aside registers a ``SetAsideSource``
at start-up (sale_windows, in its ``AppConfig.ready``). With no source
registered nothing is kept aside.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Dict, Iterable, List
from uuid import UUID

from .domain import units_kept_aside
from .models import StockHold

# Per checkout token (str) and variant id: units held.
HeldUnits = Dict[str, Dict[int, int]]


@dataclass(frozen=True)
class SetAsideSource:
    """What a plugin that keeps warehouse stock aside tells the guard."""

    # variant id -> warehouse units it still keeps aside for that variant
    set_aside_units: Callable[[int], int]
    # (variant ids, now) -> units its buyers hold under live holds, per
    # checkout token and variant: they may draw on the set-aside
    held_units: Callable[[List[int], datetime], HeldUnits]


_sources: List[SetAsideSource] = []


def register_set_aside_source(source: SetAsideSource) -> None:
    """Add a source of set-aside stock (the same one twice is a no-op)."""
    if source not in _sources:
        _sources.append(source)


def kept_aside_from(
    checkout_token: UUID, variant_ids: Iterable[int], now: datetime
) -> Dict[int, int]:
    """Per variant: set-aside units this checkout may not take."""
    if not _sources:
        return {}
    variant_ids = list(variant_ids)
    set_aside = {
        variant_id: sum(source.set_aside_units(variant_id) for source in _sources)
        for variant_id in variant_ids
    }
    in_sales = [variant_id for variant_id, units in set_aside.items() if units]
    if not in_sales:
        return {}  # the common case: no flash sale keeps any of these
    flash_held = _held_by_sources(in_sales, now)
    guard_held = _guard_held_units(in_sales, now)
    return {
        variant_id: units_kept_aside(
            set_aside=set_aside[variant_id],
            variant_id=variant_id,
            checkout=str(checkout_token),
            flash_held=flash_held,
            guard_held=guard_held,
        )
        for variant_id in in_sales
    }


def _held_by_sources(variant_ids: List[int], now: datetime) -> HeldUnits:
    held: HeldUnits = {}
    for source in _sources:
        for token, units in source.held_units(variant_ids, now).items():
            mine = held.setdefault(token, {})
            for variant_id, quantity in units.items():
                mine[variant_id] = mine.get(variant_id, 0) + quantity
    return held


def _guard_held_units(variant_ids, now) -> HeldUnits:
    from django.db.models import Sum

    held: HeldUnits = {}
    rows = (
        StockHold.objects.filter(
            stock__product_variant_id__in=variant_ids, expires_at__gt=now
        )
        .order_by()
        .values_list("checkout_token", "stock__product_variant_id")
        .annotate(units=Sum("quantity"))
    )
    for checkout_token, variant_id, units in rows:
        held.setdefault(str(checkout_token), {})[variant_id] = units
    return held
