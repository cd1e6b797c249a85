"""Reports on channel prices: items priced below their settlement price.

Every below-cost item of a pool is listed: acknowledged ones (the platform
accepted the loss; they sell) and unacknowledged ones (the price or the
settlement price changed since, or nobody ever accepted it; they do not sell
until a staff user acknowledges or re-prices them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import List, Optional

from django.db.models import Sum
from saleor.order import OrderStatus
from saleor.order.models import OrderLine

from .domain import CostStatus, cost_status
from .models import Channel
from .pool_admin import pool_items
from .pricing import acknowledgements, as_ack


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
    status: CostStatus  # ACKNOWLEDGED or UNACKNOWLEDGED
    acknowledged_by: Optional[str]
    acknowledged_at: Optional[datetime]
    # An older acknowledgement that no longer covers the item (other price or
    # settlement price), for context: None when there is none.
    stale_ack_price: Optional[Decimal] = None
    stale_ack_settlement: Optional[Decimal] = None

    @property
    def acknowledged(self) -> bool:
        return self.status == CostStatus.ACKNOWLEDGED

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
    """Below-cost items, acknowledged or not, with loss per unit and units sold.

    Unacknowledged rows come first (they need a staff decision), then by
    channel and SKU order of the pool.
    """
    channels = [channel] if channel else list(Channel.objects.all())
    rows: List[BelowCostRow] = []
    for current in channels:
        items = [item for item in pool_items(current) if item.quote.below_cost]
        if not items:
            continue
        acks = acknowledgements(current, [item.variant_id for item in items])
        sold = units_sold_in_channel(current, [item.variant_id for item in items])
        for item in items:
            ack = acks.get(item.variant_id)
            status = cost_status(item.quote, as_ack(ack))
            covering = ack if status == CostStatus.ACKNOWLEDGED else None
            stale = ack if covering is None else None
            by = covering.acknowledged_by if covering else None
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
                    status=status,
                    acknowledged_by=by.email if by else None,
                    acknowledged_at=covering.acknowledged_at if covering else None,
                    stale_ack_price=stale.price_amount if stale else None,
                    stale_ack_settlement=stale.settlement_amount if stale else None,
                )
            )
    rows.sort(key=lambda row: row.acknowledged)  # stable: unacknowledged first
    return rows
