"""Stock that flash sales keep aside, as the checkout guard must see it.

A flash item's cap is backed by warehouse stock: regular buyers must not take
the units the sale still has to sell, or a flash winner's order could fail.
Buyers holding flash units may draw on the set-aside up to what they hold.
Asked through sale_windows' service functions, never its models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Dict, Iterable
from uuid import UUID

from plugins.sale_windows.sale_admin import set_aside_units
from plugins.sale_windows.services import flash_held_units

from .domain import units_kept_aside
from .models import StockHold


def kept_aside_from(
    checkout_token: UUID, variant_ids: Iterable[int], now: datetime
) -> Dict[int, int]:
    """Per variant: set-aside units this checkout may not take."""
    set_aside = {variant_id: set_aside_units(variant_id) for variant_id in variant_ids}
    in_sales = [variant_id for variant_id, units in set_aside.items() if units]
    if not in_sales:
        return {}  # the common case: no flash sale keeps any of these
    flash_held = flash_held_units(in_sales, now)
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


def _guard_held_units(variant_ids, now) -> Dict[str, Dict[int, int]]:
    from django.db.models import Sum

    held: Dict[str, Dict[int, int]] = {}
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
