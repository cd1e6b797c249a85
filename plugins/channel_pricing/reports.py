"""Reports on channel prices: items sold below their settlement price."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import List, Optional

from django.db.models import Sum
from saleor.order import OrderStatus
from saleor.order.models import OrderLine

from .models import Channel, ChannelPoolEntry
from .pool_admin import pool_items


@dataclass(frozen=True)
class BelowCostRow:
    channel_slug: str
    variant_id: int
    sku: str
    product_name: str
    settlement: Decimal
    price: Decimal
    loss_per_unit: Decimal
    units_sold: int
    acknowledged_by: Optional[str]
    acknowledged_at: Optional[datetime]

    @property
    def total_loss(self) -> Decimal:
        return self.loss_per_unit * self.units_sold


def units_sold_in_channel(channel: Channel, variant_ids: List[int]) -> dict:
    """Units of each variant in the channel members' orders (drafts, cancelled out)."""
    rows = (
        OrderLine.objects.filter(
            variant_id__in=variant_ids,
            order__user__channel_memberships__channel=channel,
        )
        .exclude(order__status__in=[OrderStatus.DRAFT, OrderStatus.CANCELED])
        .values("variant_id")
        .annotate(units=Sum("quantity"))
    )
    return {row["variant_id"]: row["units"] for row in rows}


def below_cost_report(channel: Optional[Channel] = None) -> List[BelowCostRow]:
    """Acknowledged below-cost items with loss per unit and units sold."""
    channels = [channel] if channel else list(Channel.objects.all())
    rows: List[BelowCostRow] = []
    for current in channels:
        acknowledged = {
            (e.product_id, e.variant_id): e
            for e in ChannelPoolEntry.objects.filter(
                channel=current, below_cost_acknowledged_at__isnull=False
            ).select_related("below_cost_acknowledged_by")
        }
        if not acknowledged:
            continue
        items = [item for item in pool_items(current) if item.quote.below_cost]
        sold = units_sold_in_channel(current, [item.variant_id for item in items])
        for item in items:
            entry = acknowledged.get(
                (item.product_id, item.variant_id)
            ) or acknowledged.get((item.product_id, None))
            if entry is None:
                continue
            by = entry.below_cost_acknowledged_by
            rows.append(
                BelowCostRow(
                    channel_slug=current.slug,
                    variant_id=item.variant_id,
                    sku=item.sku,
                    product_name=item.product_name,
                    settlement=item.quote.settlement,
                    price=item.quote.price,
                    loss_per_unit=-item.quote.margin,
                    units_sold=sold.get(item.variant_id, 0),
                    acknowledged_by=by.email if by else None,
                    acknowledged_at=entry.below_cost_acknowledged_at,
                )
            )
    return rows
