"""Flash-sale use cases: queries and state changes on plain arguments."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from django.db import transaction
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
from django.utils import timezone

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

    Units come back by themselves: ``reserved`` only counts HELD rows.
    """
    now = now or timezone.now()
    with transaction.atomic():
        return Reservation.objects.filter(
            state=ReservationState.HELD, expires_at__lte=now
        ).update(state=ReservationState.EXPIRED)
