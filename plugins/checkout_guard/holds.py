"""Stock holds: the units a checkout needs, reserved under a correct lock.

Saleor's ``allocate_stock`` takes its row lock inside the statement that sums
the existing allocations, so under READ COMMITTED a transaction that waited
for the lock sums from a snapshot taken before the holder committed, and
oversells. Here the lock is taken first, in a statement of its own, and the
allocations and holds are read afterwards in new statements, which see
everything committed by the previous lock holder.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Dict, Iterable, List, Optional, Tuple
from uuid import UUID

from django.db import OperationalError, transaction
from django.db.models import Sum
from django.utils import timezone
from saleor.core.exceptions import InsufficientStock
from saleor.product.models import ProductVariant
from saleor.warehouse.models import Allocation, Stock

from .domain import NotEnoughStock, StockLevel, plan_holds
from .models import StockHold
from .sale_set_aside import kept_aside_from

DEADLOCK_RETRIES = 3


def units_per_stock(rows, quantity_field: str) -> Dict[int, int]:
    """Sum ``quantity_field`` per stock row.

    ``order_by()`` matters: Saleor's Allocation orders by pk by default, and a
    default ordering joins the GROUP BY, which would sum per row instead.
    """
    return dict(
        rows.order_by()
        .values("stock_id")
        .annotate(total=Sum(quantity_field))
        .values_list("stock_id", "total")
    )


def needs_of_lines(lines: Iterable[Tuple[ProductVariant, int]]) -> Dict[int, int]:
    """Units per variant, for variants whose inventory is tracked."""
    needs: Dict[int, int] = defaultdict(int)
    for variant, quantity in lines:
        if variant is not None and variant.track_inventory and quantity > 0:
            needs[variant.pk] += quantity
    return dict(needs)


def hold_stock(
    checkout_token: UUID,
    needs: Dict[int, int],
    country_code: str,
    ttl: timedelta,
    now: Optional[datetime] = None,
) -> List[StockHold]:
    """Reserve ``needs`` (variant id -> units) for the checkout, all or nothing.

    Replaces the checkout's earlier holds. Raises Saleor's InsufficientStock
    (code INSUFFICIENT_STOCK) naming the first variant that cannot be covered.
    Retries a few times when PostgreSQL breaks a lock-order deadlock with
    Saleor's own allocation.
    """
    for attempt in range(DEADLOCK_RETRIES):
        try:
            with transaction.atomic():
                return _hold_stock_locked(checkout_token, needs, country_code, ttl, now)
        except OperationalError as error:
            if "deadlock" not in str(error) or attempt == DEADLOCK_RETRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _hold_stock_locked(checkout_token, needs, country_code, ttl, now):
    now = now or timezone.now()
    if not needs:
        StockHold.objects.filter(checkout_token=checkout_token).delete()
        return []
    # 1. Lock the stock rows, in pk order like Saleor, in a statement of its own.
    locked = list(
        Stock.objects.select_for_update(of=("self",))
        .for_country(country_code)
        .filter(product_variant_id__in=needs.keys())
        .order_by("pk")
        .values_list("pk", "product_variant_id", "quantity")
    )
    stock_ids = [stock_id for stock_id, _, _ in locked]
    # 2. New statements: they see every allocation and hold committed before
    #    we got the locks.
    allocated = units_per_stock(
        Allocation.objects.filter(stock_id__in=stock_ids, quantity_allocated__gt=0),
        "quantity_allocated",
    )
    held = units_per_stock(
        StockHold.objects.filter(stock_id__in=stock_ids, expires_at__gt=now).exclude(
            checkout_token=checkout_token
        ),
        "quantity",
    )
    kept_aside = kept_aside_from(checkout_token, needs.keys(), now)
    levels: Dict[int, List[StockLevel]] = defaultdict(list)
    for stock_id, variant_id, quantity in locked:
        levels[variant_id].append(
            StockLevel(
                stock_id, quantity, allocated.get(stock_id, 0), held.get(stock_id, 0)
            )
        )
    try:
        plan = plan_holds(needs, levels, kept_aside)
    except NotEnoughStock as shortage:
        variant = ProductVariant.objects.get(pk=shortage.variant_id)
        raise InsufficientStock(variant) from shortage
    StockHold.objects.filter(checkout_token=checkout_token).delete()
    return StockHold.objects.bulk_create(
        StockHold(
            checkout_token=checkout_token,
            stock_id=stock_id,
            quantity=quantity,
            expires_at=now + ttl,
        )
        for stock_id, quantity in plan
    )


def release_holds(checkout_token: UUID) -> int:
    """Give a checkout's held units back (its order took them, or it was abandoned)."""
    deleted, _ = StockHold.objects.filter(checkout_token=checkout_token).delete()
    return deleted


def delete_lapsed_holds(now: Optional[datetime] = None) -> int:
    """Housekeeping: lapsed holds count for nothing already; remove the rows."""
    now = now or timezone.now()
    deleted, _ = StockHold.objects.filter(expires_at__lte=now).delete()
    return deleted


def held_units(
    stock_ids: Iterable[int], now: Optional[datetime] = None
) -> Dict[int, int]:
    """Units under live holds per stock row."""
    now = now or timezone.now()
    return units_per_stock(
        StockHold.objects.filter(stock_id__in=list(stock_ids), expires_at__gt=now),
        "quantity",
    )
