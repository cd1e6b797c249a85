"""Provider stock: read and change stock only in the provider's own
warehouses, every change audited, never below what flash sales set aside.

Locks: every ``Stock`` row of the variant, ordered by pk, like Saleor's
``allocate_stock``, so a stock change and an allocation never deadlock and
the floor check sums under the lock (not from an older snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet, Sum
from saleor.warehouse.models import Allocation, Stock

from plugins.core.errors import ServiceRefusal

from . import stock_floor
from .models import ProviderWarehouse, StockAudit, SupplyListing

MAX_QUANTITY = 1_000_000
MAX_REASON = 500


class StockError(ServiceRefusal):
    NOT_FOUND = "not_found"
    INVALID_QUANTITY = "invalid_quantity"
    REASON_REQUIRED = "reason_required"
    BELOW_FLOOR = "below_set_aside"


@dataclass(frozen=True)
class StockChange:
    stock: Stock
    audit: StockAudit


def provider_warehouse_ids(provider_id: int) -> List[UUID]:
    return list(
        ProviderWarehouse.objects.filter(provider_id=provider_id).values_list(
            "warehouse_id", flat=True
        )
    )


def provider_stocks(provider_id: int) -> QuerySet:
    """Stock rows in the provider's own warehouses."""
    return (
        Stock.objects.filter(warehouse__provider_link__provider_id=provider_id)
        .select_related("warehouse", "product_variant__product")
        .order_by("warehouse__name", "product_variant__sku", "pk")
    )


def stock_audit(provider_id: int, warehouse_id: Optional[UUID] = None) -> QuerySet:
    """The provider's stock changes, newest first."""
    rows = StockAudit.objects.filter(provider_id=provider_id).select_related(
        "actor", "warehouse", "variant"
    )
    if warehouse_id is not None:
        rows = rows.filter(warehouse_id=warehouse_id)
    return rows


def set_stock(
    provider_id: int,
    warehouse_id: UUID,
    variant_id: int,
    quantity: int,
    reason: str,
    actor_id: Optional[int],
) -> StockChange:
    """Set the quantity on hand of a variant in one of the provider's
    warehouses, audited.

    Refused (``StockError``, nothing changed): a warehouse that is not the
    provider's own or a variant it does not list (both ``not_found``, the
    same answer as for ids that do not exist); a negative or absurd quantity;
    no reason; or a quantity that would leave the variant, over all its
    warehouses, with fewer free units than flash sales set aside
    (``below_set_aside``) or fewer than orders allocated here.
    """
    reason = (reason or "").strip()
    if not isinstance(quantity, int) or not 0 <= quantity <= MAX_QUANTITY:
        raise StockError(
            StockError.INVALID_QUANTITY,
            f"The quantity must be between 0 and {MAX_QUANTITY}.",
            "quantity",
        )
    if not reason:
        raise StockError(
            StockError.REASON_REQUIRED, "Say why the stock changes.", "reason"
        )
    if len(reason) > MAX_REASON:
        raise StockError(
            StockError.REASON_REQUIRED,
            f"The reason is at most {MAX_REASON} characters.",
            "reason",
        )
    with transaction.atomic():
        owns_warehouse = ProviderWarehouse.objects.filter(
            provider_id=provider_id, warehouse_id=warehouse_id
        ).exists()
        if not owns_warehouse:
            raise StockError(StockError.NOT_FOUND, "No such warehouse.", "warehouse")
        lists_variant = SupplyListing.objects.filter(
            provider_id=provider_id, variant_id=variant_id
        ).exists()
        if not lists_variant:
            raise StockError(StockError.NOT_FOUND, "No such variant.", "variant")
        # Saleor's lock order: every stock row of the variant, by pk.
        stocks = list(
            Stock.objects.select_for_update()
            .filter(product_variant_id=variant_id)
            .order_by("pk")
        )
        stock = next((s for s in stocks if s.warehouse_id == warehouse_id), None)
        if stock is None:
            # A first stock row here (a concurrent creator wins the unique
            # constraint; get_or_create then reads its row), locked too.
            created, _ = Stock.objects.get_or_create(
                warehouse_id=warehouse_id,
                product_variant_id=variant_id,
                defaults={"quantity": 0},
            )
            stock = Stock.objects.select_for_update().get(pk=created.pk)
            stocks.append(stock)
        before = stock.quantity
        if quantity < before:
            _check_floor(stocks, stock, quantity, variant_id)
        stock.quantity = quantity
        stock.save(update_fields=["quantity"])
        audit = StockAudit.objects.create(
            provider_id=provider_id,
            warehouse_id=warehouse_id,
            variant_id=variant_id,
            actor_id=actor_id,
            quantity_before=before,
            quantity_after=quantity,
            reason=reason,
        )
    return StockChange(stock=stock, audit=audit)


def _check_floor(stocks: List[Stock], stock: Stock, quantity: int, variant_id: int):
    allocated = dict(
        Allocation.objects.filter(stock__in=[s.pk for s in stocks])
        .order_by()
        .values("stock_id")
        .annotate(units=Sum("quantity_allocated"))
        .values_list("stock_id", "units")
    )
    if quantity < allocated.get(stock.pk, 0):
        raise StockError(
            StockError.BELOW_FLOOR,
            f"{allocated[stock.pk]} units here are already allocated to orders.",
            "quantity",
        )
    on_hand_after = sum(s.quantity for s in stocks) - stock.quantity + quantity
    free_after = on_hand_after - sum(allocated.values())
    floor = stock_floor.set_aside_units(variant_id)
    if free_after < floor:
        lowest = quantity + floor - free_after
        raise StockError(
            StockError.BELOW_FLOOR,
            f"Flash sales keep {floor} units of this variant aside: the stock "
            f"here can go down to {lowest}, not below.",
            "quantity",
        )
