"""The channel catalog: the channel's pool with its prices, a page at a time.

Prices for a whole page are computed in bulk (settlement prices, pool
entries and flash offers: one query each), so the query count does not grow
with the page size. Flash offers come from the providers registered in
``flash_offers`` (sale_windows registers one at start-up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Dict, List, Optional

from django.db.models import Q, QuerySet
from saleor.product.models import Product, ProductVariant

from .domain import ChannelStatus, PriceQuote
from .flash_offers import FlashOffer, flash_offers_for_variants
from .member_checkout import BELOW_COST_AWAITS_ACK
from .models import Channel, ChannelMember
from .pricing import (
    PoolEntries,
    pool_variants,
    quotes_for_variants,
    settlement_prices,
    unacknowledged_below_cost,
)


class CatalogAccessDenied(Exception):
    """The viewer is neither a member of this channel nor staff."""


class CatalogChannelSuspended(CatalogAccessDenied):
    """The viewer's channel is suspended: its members see nothing until resumed."""


@dataclass
class CatalogVariant:
    variant: ProductVariant
    quote: PriceQuote
    flash_offers: List[FlashOffer] = field(default_factory=list)
    # Not for sale now, and why (e.g. a below-cost price awaiting acknowledgement).
    unavailable_reason: Optional[str] = None

    @property
    def available(self) -> bool:
        return self.unavailable_reason is None


@dataclass
class CatalogProduct:
    product: Product
    variants: List[CatalogVariant]

    @property
    def price_from(self) -> Optional[Decimal]:
        prices = [v.quote.price for v in self.variants if v.available]
        return min(prices) if prices else None


def channel_for_viewer(channel_slug: str, user, is_staff) -> Channel:
    """The channel, if this viewer may see its pool: its own members, or staff.

    A member of channel A asking for channel B is refused like a stranger; a
    member of a suspended channel gets ``CatalogChannelSuspended`` (staff may
    still read a suspended channel's catalog).
    ``is_staff`` is a callable so that permissions are only loaded for staff.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        if Channel.objects.filter(slug=channel_slug).exists():
            raise CatalogAccessDenied("Sign in through the channel's entry link.")
        raise CatalogAccessDenied("No such channel.")
    member = (
        ChannelMember.objects.select_related("channel")
        .filter(user_id=user.pk, channel__slug=channel_slug)
        .first()
    )
    if member is not None:
        if member.channel.status != ChannelStatus.ACTIVE.value:
            raise CatalogChannelSuspended(
                f"The channel {member.channel.name} is suspended."
            )
        return member.channel
    channel = Channel.objects.filter(slug=channel_slug).first()
    if channel is None:
        raise CatalogAccessDenied("No such channel.")
    if user.is_staff and is_staff():
        return channel
    raise CatalogAccessDenied("You are not a member of this channel.")


def catalog_products(channel: Channel, search: Optional[str] = None) -> QuerySet:
    """Published products with at least one variant in the channel's pool."""
    products = Product.objects.published().filter(
        pk__in=pool_variants(channel).values("product_id")
    )
    if search:
        products = products.filter(
            Q(name__icontains=search) | Q(variants__sku__iexact=search)
        ).distinct()
    return products.order_by("name", "pk")


def price_page(
    channel: Channel, products: List[Product], now: datetime
) -> List[CatalogProduct]:
    """Channel prices and flash offers for one page of products, in bulk."""
    product_ids = [p.pk for p in products]
    variants = list(
        ProductVariant.objects.filter(product_id__in=product_ids).order_by("pk")
    )
    settlements = settlement_prices(v.pk for v in variants)
    entries = PoolEntries.load(channel, product_ids)
    quotes = quotes_for_variants(
        channel, [(v.pk, v.product_id) for v in variants], entries, settlements
    )
    held = unacknowledged_below_cost(channel, quotes)
    offers = flash_offers_for_variants(list(quotes), channel.slug, now)
    by_product: Dict[int, List[CatalogVariant]] = {pid: [] for pid in product_ids}
    for variant in variants:
        if variant.pk in quotes:
            by_product[variant.product_id].append(
                CatalogVariant(
                    variant,
                    quotes[variant.pk],
                    offers.get(variant.pk, []),
                    BELOW_COST_AWAITS_ACK if variant.pk in held else None,
                )
            )
    return [CatalogProduct(p, by_product[p.pk]) for p in products]
