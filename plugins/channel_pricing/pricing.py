"""Channel prices from the database: settlement prices, pool entries, rules.

Bulk by design: one query for settlement prices and one for pool entries,
whatever the number of variants asked for (the catalog prices a page at once).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Dict, Iterable, List, Optional, Set, Tuple

from django.db.models import Exists, OuterRef, Q, QuerySet
from saleor.product.models import Product, ProductVariant

from plugins.provider_dropship import pool as provider_pool

from .domain import (
    BelowCostAck,
    CostStatus,
    Markup,
    PriceQuote,
    PriceRule,
    Rounding,
    RuleOverride,
    cost_status,
    quote,
    resolve_rule,
)
from .models import (
    BelowCostAcknowledgement,
    Channel,
    ChannelMember,
    ChannelPoolEntry,
)

VariantKey = Tuple[int, int]  # (variant_id, product_id)


def _approved_listings() -> QuerySet:
    """Approved listings of approved providers (provider_dropship's service)."""
    return provider_pool.pool_listings()


def platform_pool_variants() -> QuerySet:
    """The platform pool: variants an approved provider supplies (settlement price)."""
    return ProductVariant.objects.filter(
        Exists(_approved_listings().filter(variant=OuterRef("pk")))
    )


def platform_pool_products() -> QuerySet:
    return Product.objects.filter(
        Exists(platform_pool_variants().filter(product=OuterRef("pk")))
    )


def settlement_prices(variant_ids: Iterable[int]) -> Dict[int, Decimal]:
    """What the platform pays per unit, for variants in the platform pool, as
    the below-cost guard must see it (a new price waiting for review counts
    at once when it is higher: provider_dropship.pool.settlement_prices)."""
    return provider_pool.settlement_prices(variant_ids)


def default_rule(channel: Channel) -> PriceRule:
    return PriceRule(
        Markup(
            payment_pct=channel.payment_pct,
            platform_pct=channel.platform_pct,
            channel_pct=channel.channel_pct,
            fixed_amount=channel.fixed_markup,
        ),
        Rounding(channel.rounding),
    )


def entry_override(entry: Optional[ChannelPoolEntry]) -> Optional[RuleOverride]:
    if entry is None:
        return None
    return RuleOverride(
        fixed_price=entry.fixed_price_amount,
        payment_pct=entry.payment_pct,
        platform_pct=entry.platform_pct,
        channel_pct=entry.channel_pct,
        fixed_amount=entry.fixed_markup,
        rounding=Rounding(entry.rounding) if entry.rounding else None,
    )


class PoolEntries:
    """A channel's entries for some products, indexed for rule resolution."""

    def __init__(self, entries: Iterable[ChannelPoolEntry]):
        self.by_product: Dict[int, ChannelPoolEntry] = {}
        self.by_variant: Dict[int, ChannelPoolEntry] = {}
        for entry in entries:
            if entry.variant_id is None:
                self.by_product[entry.product_id] = entry
            else:
                self.by_variant[entry.variant_id] = entry

    @classmethod
    def load(cls, channel: Channel, product_ids: Iterable[int]) -> PoolEntries:
        return cls(
            ChannelPoolEntry.objects.filter(
                channel=channel, product_id__in=list(product_ids)
            )
        )

    def entries_for(self, variant_id: int, product_id: int):
        return self.by_product.get(product_id), self.by_variant.get(variant_id)

    def in_pool(self, variant_id: int, product_id: int) -> bool:
        return product_id in self.by_product or variant_id in self.by_variant


def quotes_for_variants(
    channel: Channel,
    variants: Iterable[VariantKey],
    entries: Optional[PoolEntries] = None,
    settlements: Optional[Dict[int, Decimal]] = None,
) -> Dict[int, PriceQuote]:
    """Channel price quotes for the given variants that are in the channel's pool."""
    variants = list(variants)
    if settlements is None:
        settlements = settlement_prices(v for v, _ in variants)
    if entries is None:
        entries = PoolEntries.load(channel, {p for _, p in variants})
    default = default_rule(channel)
    quotes = {}
    for variant_id, product_id in variants:
        settlement = settlements.get(variant_id)
        if settlement is None or not entries.in_pool(variant_id, product_id):
            continue
        product_entry, variant_entry = entries.entries_for(variant_id, product_id)
        rule = resolve_rule(
            default, entry_override(product_entry), entry_override(variant_entry)
        )
        quotes[variant_id] = quote(settlement, rule)
    return quotes


def variant_quote(channel: Channel, variant: ProductVariant) -> Optional[PriceQuote]:
    """The channel's quote for one variant, or None when it is not in the pool."""
    key = (variant.pk, variant.product_id)
    return quotes_for_variants(channel, [key]).get(variant.pk)


def member_of(user) -> Optional[ChannelMember]:
    """The channel membership behind a Saleor user, if any (one per user)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        ChannelMember.objects.select_related("channel").filter(user_id=user.pk).first()
    )


def pool_variants(channel: Channel) -> QuerySet:
    """Variants a channel's members may buy: in its pool and the platform pool."""
    product_entries = ChannelPoolEntry.objects.filter(
        channel=channel, variant__isnull=True
    ).values("product_id")
    variant_entries = ChannelPoolEntry.objects.filter(
        channel=channel, variant__isnull=False
    ).values("variant_id")
    return platform_pool_variants().filter(
        Q(product_id__in=product_entries) | Q(pk__in=variant_entries)
    )


def pool_products(channel: Channel) -> QuerySet:
    return Product.objects.filter(
        Exists(pool_variants(channel).filter(product=OuterRef("pk")))
    )


def variants_of_products(product_ids: Iterable[int]) -> List[VariantKey]:
    rows = ProductVariant.objects.filter(product_id__in=list(product_ids))
    return list(rows.order_by("pk").values_list("pk", "product_id"))


def acknowledgements(
    channel: Channel, variant_ids: Iterable[int]
) -> Dict[int, BelowCostAcknowledgement]:
    """The channel's below-cost acknowledgements of these variants (one query)."""
    rows = BelowCostAcknowledgement.objects.filter(
        channel=channel, variant_id__in=list(variant_ids)
    ).select_related("acknowledged_by")
    return {row.variant_id: row for row in rows}


def as_ack(row: Optional[BelowCostAcknowledgement]) -> Optional[BelowCostAck]:
    if row is None:
        return None
    return BelowCostAck(price=row.price_amount, settlement=row.settlement_amount)


def cost_statuses(
    channel: Channel, quotes: Dict[int, PriceQuote]
) -> Dict[int, CostStatus]:
    """Each quoted variant's cost status; queries only when one is below cost."""
    below = [vid for vid, offer in quotes.items() if offer.below_cost]
    acks = acknowledgements(channel, below) if below else {}
    return {
        vid: cost_status(offer, as_ack(acks.get(vid))) for vid, offer in quotes.items()
    }


def unacknowledged_below_cost(
    channel: Channel, quotes: Dict[int, PriceQuote]
) -> Set[int]:
    """Variants that must not sell: below cost with no matching acknowledgement."""
    statuses = cost_statuses(channel, quotes)
    return {vid for vid, s in statuses.items() if s == CostStatus.UNACKNOWLEDGED}
