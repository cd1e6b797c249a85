"""Flash-sale use cases: queries and state changes on plain arguments."""

from __future__ import annotations

from datetime import datetime
from typing import Dict, Iterable, Optional

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from .domain import ReservationState, SaleStatus
from .models import FlashSale, FlashSaleItem, Reservation


def held_quantity_subquery() -> Subquery:
    held = (
        Reservation.objects.filter(item=OuterRef("pk"), state=ReservationState.HELD)
        .values("item")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), 0)


def items_with_reserved(queryset: Optional[QuerySet] = None) -> QuerySet:
    """Items annotated with ``reserved``: units under live (HELD) holds."""
    queryset = FlashSaleItem.objects.all() if queryset is None else queryset
    return queryset.annotate(reserved=held_quantity_subquery())


def sales_in_status(
    status: Optional[SaleStatus], now: datetime, queryset: Optional[QuerySet] = None
) -> QuerySet:
    """Filter sales by their derived status in SQL, so pagination stays in the DB."""
    sales = FlashSale.objects.all() if queryset is None else queryset
    if status is None:
        return sales
    if status == SaleStatus.CANCELLED:
        return sales.filter(cancelled_at__isnull=False)
    sales = sales.filter(cancelled_at__isnull=True)
    if status == SaleStatus.SCHEDULED:
        return sales.filter(starts_at__gt=now)
    if status == SaleStatus.ENDED:
        return sales.filter(ends_at__lte=now)
    live = sales.filter(starts_at__lte=now, ends_at__gt=now)
    # SOLD_OUT is final: every item's sold units reached its cap. Units under
    # holds may still come back, so a fully held sale is LIVE with 0 remaining.
    live = live.annotate(
        open_items=Count("items", filter=Q(items__sold__lt=F("items__cap")))
    )
    if status == SaleStatus.SOLD_OUT:
        return live.filter(open_items=0)
    return live.filter(open_items__gt=0)


def sales_for_channel(channel_slug: Optional[str]) -> QuerySet:
    sales = FlashSale.objects.all()
    if channel_slug:
        sales = sales.filter(channels__slug=channel_slug)
    return sales


def expire_reservations(now: Optional[datetime] = None) -> int:
    """Mark HELD reservations past ``expires_at`` EXPIRED; return how many.

    Units come back by themselves (``reserved`` only counts HELD rows); each
    item is handled under its row lock so the Redis gate learns it too.
    """
    from .reservations import expire_lapsed_holds, forget_stale_acceptances

    forget_stale_acceptances()
    return expire_lapsed_holds(now)


def offers_for_variants(
    variant_ids, channel_slug: Optional[str], now: datetime
) -> dict:
    """Live and upcoming flash-sale items for these variants, offered in a channel.

    The channel catalog's flash-offer provider (plugins/channel_pricing
    ``flash_offers``, registered in ``apps.py``). Returns
    ``{variant_id: [dict(sale_id, sale_name, item_id, starts_at, ends_at,
    sale_price_amount, currency, cap, sold, reserved, per_customer_limit,
    live)]}`` in two queries whatever the number of variants. Sales without
    channels are offered everywhere.
    """
    sales = FlashSale.objects.filter(cancelled_at__isnull=True, ends_at__gt=now)
    if channel_slug:
        sales = sales.filter(Q(channels__slug=channel_slug) | Q(channels__isnull=True))
    else:
        sales = sales.filter(channels__isnull=True)
    items = (
        items_with_reserved(FlashSaleItem.objects.filter(variant_id__in=variant_ids))
        .filter(sale_id__in=sales.values("pk"))
        .select_related("sale")
        .order_by("sale__starts_at", "pk")
    )
    offers: dict = {}
    for item in items:
        offers.setdefault(item.variant_id, []).append(
            {
                "sale_id": item.sale_id,
                "sale_name": item.sale.name,
                "item_id": item.pk,
                "starts_at": item.sale.starts_at,
                "ends_at": item.sale.ends_at,
                "sale_price_amount": item.sale_price_amount,
                "currency": item.currency,
                "cap": item.cap,
                "sold": item.sold,
                "reserved": item.reserved,
                "per_customer_limit": item.per_customer_limit,
                "live": item.sale.starts_at <= now,
            }
        )
    return offers


def flash_held_units(
    variant_ids: Iterable[int], now: datetime
) -> Dict[str, Dict[int, int]]:
    """Units under live flash holds, per checkout token and variant.

    For the checkout guard (its ``SetAsideSource``, registered in
    ``apps.py``): these buyers may draw on the stock flash sales set aside
    (``sale_admin.set_aside_units``).
    """
    held: Dict[str, Dict[int, int]] = {}
    rows = (
        Reservation.objects.filter(
            item__variant_id__in=list(variant_ids),
            state=ReservationState.HELD,
            expires_at__gt=now,
            checkout_token__isnull=False,
        )
        .order_by()
        .values_list("checkout_token", "item__variant_id")
        .annotate(units=Sum("quantity"))
    )
    for checkout_token, variant_id, units in rows:
        held.setdefault(str(checkout_token), {})[variant_id] = units
    return held


def flash_sales_of_order(order_id: int) -> Dict[int, int]:
    """The flash sale each variant of an order was sold in (variant id → sale
    id), from the holds the order committed (for the statistics plugin)."""
    return dict(
        Reservation.objects.filter(
            order_id=order_id, state=ReservationState.COMMITTED
        ).values_list("item__variant_id", "item__sale_id")
    )


def sold_units_by_minute(
    sale_id: int, since: datetime, until: datetime
) -> Dict[datetime, int]:
    """Units of a sale sold per minute (by the orders' creation time), from
    the holds orders committed: the sell-through curve."""
    from django.db.models.functions import TruncMinute

    rows = (
        Reservation.objects.filter(
            item__sale_id=sale_id,
            state=ReservationState.COMMITTED,
            order__created__gte=since,
            order__created__lt=until,
        )
        .annotate(minute=TruncMinute("order__created"))
        .order_by()
        .values_list("minute")
        .annotate(units=Sum("quantity"))
    )
    return {minute: units for minute, units in rows}
