"""Staff use cases: create, update and cancel flash sales and their items.

Rules (pure, in ``domain``): the end after the start; cap >= 1; price > 0;
a variant once per sale; no two sales whose windows overlap and that share a
channel offer the same variant; a cap never below sold + reserved; a cap is
backed by warehouse stock (pre-orders excepted).

Item changes run under the item's row lock (the same lock reservations take),
so a cap cannot be lowered under units that are being held at that moment.
Changes of a sale lock its items in pk order, like every other writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Iterable, List, Optional

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from saleor.product.models import ProductVariant
from saleor.warehouse.models import Allocation, Stock

from . import domain, events
from .domain import RuleViolation, SaleKind
from .models import FlashSale, FlashSaleItem, Reservation
from .reservations import (
    EXPIRED,
    HELD,
    RELEASED,
    gate_state,
    lock_item,
    publish_on_commit,
)


class SaleAdminError(Exception):
    """One or more broken rules; nothing was changed."""

    def __init__(self, violations: List[RuleViolation]):
        super().__init__("; ".join(v.message for v in violations))
        self.violations = violations


def _raise_if(violations: List[RuleViolation]) -> None:
    if violations:
        raise SaleAdminError(violations)


@dataclass
class SaleInput:
    name: Optional[str] = None
    kind: Optional[str] = None
    starts_at: Optional[datetime] = None
    ends_at: Optional[datetime] = None
    description: Optional[str] = None
    media_url: Optional[str] = None
    channel_ids: Optional[List[int]] = None
    ships_by: Optional[date] = None
    minimum_quantity: Optional[int] = None
    sign_in_required: Optional[bool] = None


@dataclass
class ItemInput:
    variant_id: Optional[int] = None
    sale_price: Optional[Decimal] = None
    cap: Optional[int] = None
    per_customer_limit: Optional[int] = None
    clear_per_customer_limit: bool = False
    voucher_value: Optional[Decimal] = None
    voucher_valid_days: Optional[int] = None


# --- queries the rules need -------------------------------------------------


def _channel_ids(sale: FlashSale) -> frozenset:
    return frozenset(sale.channels.values_list("pk", flat=True))


def overlapping_items(
    variant_id: int,
    starts_at: datetime,
    ends_at: datetime,
    channel_ids: frozenset,
    exclude_sale_id: Optional[int],
) -> List[FlashSaleItem]:
    """Items of other, not cancelled sales offering the variant in an
    overlapping window and a shared channel."""
    candidates = (
        FlashSaleItem.objects.filter(
            variant_id=variant_id,
            sale__cancelled_at__isnull=True,
            sale__starts_at__lt=ends_at,
            sale__ends_at__gt=starts_at,
        )
        .exclude(sale_id=exclude_sale_id)
        .select_related("sale")
    )
    return [
        item
        for item in candidates
        if domain.channels_overlap(channel_ids, _channel_ids(item.sale))
    ]


def available_stock(variant_id: int, exclude_item_id: Optional[int] = None) -> int:
    """Units of the variant a new set-aside may take: on hand in all
    warehouses, minus allocations, minus what other stock-backed flash items
    (not ended, not cancelled) set aside."""
    on_hand = (
        Stock.objects.filter(product_variant_id=variant_id).aggregate(
            total=Sum("quantity")
        )["total"]
        or 0
    )
    allocated = (
        Allocation.objects.filter(stock__product_variant_id=variant_id)
        .order_by()
        .aggregate(total=Sum("quantity_allocated"))["total"]
        or 0
    )
    return on_hand - allocated - set_aside_units(variant_id, exclude_item_id)


def set_aside_units(variant_id: int, exclude_item_id: Optional[int] = None) -> int:
    """Warehouse units flash sales keep aside for a variant (service for the
    stock-hold logic of other plugins: regular buyers must not take these)."""
    items = (
        FlashSaleItem.objects.filter(
            variant_id=variant_id,
            sale__cancelled_at__isnull=True,
            sale__ends_at__gt=timezone.now(),
        )
        .exclude(sale__kind=SaleKind.PRE_ORDER.value)
        .exclude(pk=exclude_item_id)
        .values_list("cap", "sold")
    )
    return sum(domain.units_set_aside(cap, sold) for cap, sold in items)


def _reserved(item_id: int) -> int:
    return (
        Reservation.objects.filter(item_id=item_id, state="held").aggregate(
            total=Sum("quantity")
        )["total"]
        or 0
    )


# --- sales ------------------------------------------------------------------


def create_sale(data: SaleInput) -> FlashSale:
    violations = []
    if not data.name:
        violations.append(RuleViolation("name", "required", "A name is required."))
    if data.starts_at is None or data.ends_at is None:
        violations.append(
            RuleViolation("starts_at", "required", "Start and end are required.")
        )
    else:
        violations += domain.check_window(data.starts_at, data.ends_at)
    _raise_if(violations)
    with transaction.atomic():
        sale = FlashSale.objects.create(
            name=data.name,
            kind=data.kind or SaleKind.WHILE_SUPPLIES_LAST.value,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            description=data.description or "",
            media_url=data.media_url or "",
            ships_by=data.ships_by,
            minimum_quantity=data.minimum_quantity,
            sign_in_required=bool(data.sign_in_required),
        )
        if data.channel_ids:
            sale.channels.set(data.channel_ids)
        events.queue_window_events([sale.pk])
    return sale


def update_sale(sale_id: int, data: SaleInput) -> FlashSale:
    with transaction.atomic():
        rows = list(
            FlashSaleItem.objects.filter(sale_id=sale_id).values_list(
                "pk", "variant_id"
            )
        )
        for variant_id in sorted({variant for _, variant in rows}):
            _lock_variant(variant_id)
        items = sorted(pk for pk, _ in rows)
        locked = [lock_item(item_id) for item_id in items]
        sale = FlashSale.objects.select_for_update().get(pk=sale_id)
        starts_at = data.starts_at or sale.starts_at
        ends_at = data.ends_at or sale.ends_at
        violations = domain.check_window(starts_at, ends_at)
        if data.kind and data.kind != sale.kind and items:
            violations.append(
                RuleViolation(
                    "kind", "invalid", "The kind of a sale with items cannot change."
                )
            )
        channel_ids = (
            frozenset(data.channel_ids)
            if data.channel_ids is not None
            else _channel_ids(sale)
        )
        for item in FlashSaleItem.objects.filter(sale_id=sale_id):
            if overlapping_items(
                item.variant_id, starts_at, ends_at, channel_ids, sale_id
            ):
                violations.append(_overlap_violation(item.variant_id))
        _raise_if(violations)
        for field in (
            "name",
            "kind",
            "starts_at",
            "ends_at",
            "description",
            "media_url",
            "ships_by",
            "minimum_quantity",
            "sign_in_required",
        ):
            value = getattr(data, field)
            if value is not None:
                setattr(sale, field, value)
        sale.save()
        # A shortened window shortens its holds too (none sells after the
        # end in any case: reservations.sell_holds_for_order).
        Reservation.objects.filter(
            item__sale_id=sale_id, state=HELD, expires_at__gt=sale.ends_at
        ).update(expires_at=sale.ends_at)
        if data.channel_ids is not None:
            sale.channels.set(data.channel_ids)
        events.queue_window_events([sale.pk])
        publish_on_commit([gate_state(item) for item in locked if item])
    return sale


def cancel_sale(sale_id: int) -> FlashSale:
    """Cancel: no new holds, and every open hold is released (none of them
    sells any more); sold units stay sold (orders are cancelled through
    Saleor). Locks the items, then the sale, as ``update_sale`` does."""
    with transaction.atomic():
        item_ids = sorted(
            FlashSaleItem.objects.filter(sale_id=sale_id).values_list("pk", flat=True)
        )
        locked = [item for item in map(lock_item, item_ids) if item is not None]
        sale = FlashSale.objects.select_for_update().get(pk=sale_id)
        if sale.cancelled_at is None:
            sale.cancelled_at = timezone.now()
            sale.save(update_fields=["cancelled_at"])
        states = []
        for item in locked:
            holds = Reservation.objects.filter(
                item_id=item.item_id, state__in=[HELD, EXPIRED]
            )
            touched = list(holds.values_list("customer_key", "checkout_token"))
            holds.update(state=RELEASED)
            states.append(
                gate_state(
                    item,
                    {customer for customer, _ in touched},
                    {checkout for _, checkout in touched},
                )
            )
        publish_on_commit(states)
    return sale


def _overlap_violation(variant_id: int) -> RuleViolation:
    return RuleViolation(
        "variant_id",
        "overlapping_sale",
        f"Variant {variant_id} is already in a sale that overlaps this window "
        "in a shared channel.",
    )


# --- items ------------------------------------------------------------------


def _lock_variant(variant_id: int) -> None:
    """Serialise staff changes of one variant's items (overlap and set-aside
    checks), always before any item lock."""
    list(
        ProductVariant.objects.select_for_update()
        .filter(pk=variant_id)
        .values_list("pk", flat=True)
    )


def create_item(sale_id: int, data: ItemInput) -> FlashSaleItem:
    violations = []
    if (
        data.variant_id is None
        or not ProductVariant.objects.filter(pk=data.variant_id).exists()
    ):
        violations.append(
            RuleViolation("variant_id", "not_found", "No product variant with this ID.")
        )
    if data.cap is None or data.sale_price is None:
        violations.append(
            RuleViolation("cap", "required", "A cap and a sale price are required.")
        )
    _raise_if(violations)
    _raise_if(
        domain.check_item_terms(data.cap, data.sale_price, data.per_customer_limit)
    )
    with transaction.atomic():
        _lock_variant(data.variant_id)
        sale = FlashSale.objects.get(pk=sale_id)
        _raise_if(
            domain.check_voucher_terms(
                SaleKind(sale.kind), data.voucher_value, data.voucher_valid_days
            )
        )
        if FlashSaleItem.objects.filter(
            sale_id=sale_id, variant_id=data.variant_id
        ).exists():
            raise SaleAdminError(
                [
                    RuleViolation(
                        "variant_id",
                        "duplicate_variant",
                        "This variant is already in the sale.",
                    )
                ]
            )
        if overlapping_items(
            data.variant_id, sale.starts_at, sale.ends_at, _channel_ids(sale), sale_id
        ):
            raise SaleAdminError([_overlap_violation(data.variant_id)])
        _raise_if(
            domain.check_stock_backing(
                SaleKind(sale.kind), data.cap, 0, available_stock(data.variant_id)
            )
        )
        return FlashSaleItem.objects.create(
            sale=sale,
            variant_id=data.variant_id,
            currency=settings.DEFAULT_CURRENCY,
            sale_price_amount=data.sale_price,
            cap=data.cap,
            per_customer_limit=data.per_customer_limit,
            voucher_value_amount=data.voucher_value,
            voucher_valid_days=data.voucher_valid_days,
        )


def update_item(item_id: int, data: ItemInput) -> FlashSaleItem:
    with transaction.atomic():
        variant_id = FlashSaleItem.objects.values_list("variant_id", flat=True).get(
            pk=item_id
        )
        _lock_variant(variant_id)
        locked = lock_item(item_id)
        item = FlashSaleItem.objects.select_related("sale").get(pk=item_id)
        cap = data.cap if data.cap is not None else item.cap
        price = (
            data.sale_price if data.sale_price is not None else item.sale_price_amount
        )
        limit = (
            None
            if data.clear_per_customer_limit
            else (
                data.per_customer_limit
                if data.per_customer_limit is not None
                else item.per_customer_limit
            )
        )
        violations = domain.check_item_terms(cap, price, limit)
        violations += domain.check_voucher_terms(
            SaleKind(item.sale.kind), data.voucher_value, data.voucher_valid_days
        )
        violations += domain.check_cap_change(cap, locked.sold, _reserved(item_id))
        if cap > item.cap:
            violations += domain.check_stock_backing(
                SaleKind(item.sale.kind),
                cap,
                locked.sold,
                available_stock(variant_id, exclude_item_id=item_id),
            )
        _raise_if(violations)
        voucher_terms = {
            field: value
            for field, value in (
                ("voucher_value_amount", data.voucher_value),
                ("voucher_valid_days", data.voucher_valid_days),
            )
            if value is not None
        }
        FlashSaleItem.objects.filter(pk=item_id).update(
            cap=cap, sale_price_amount=price, per_customer_limit=limit, **voucher_terms
        )
        item.refresh_from_db()
        locked = lock_item(item_id)
        publish_on_commit([gate_state(locked)])
    return item


def delete_item(item_id: int) -> None:
    """Remove an item nobody has bought or holds."""
    with transaction.atomic():
        locked = lock_item(item_id)
        if locked is None:
            return
        if locked.sold or _reserved(item_id):
            raise SaleAdminError(
                [
                    RuleViolation(
                        "id",
                        "cap_below_committed",
                        "Units of this item are sold or held; lower the cap instead.",
                    )
                ]
            )
        FlashSaleItem.objects.filter(pk=item_id).delete()


def sell_through(items: Iterable[FlashSaleItem]) -> List[dict]:
    """Sold, reserved and remaining per item (console and reports)."""
    from .services import items_with_reserved

    ids = [item.pk for item in items]
    rows = items_with_reserved(FlashSaleItem.objects.filter(pk__in=ids)).annotate(
        open_cap=F("cap") - F("sold")
    )
    return [
        {
            "item_id": row.pk,
            "cap": row.cap,
            "sold": row.sold,
            "reserved": row.reserved,
            "remaining": domain.units_remaining(row.cap, row.sold, row.reserved),
        }
        for row in rows
    ]
