"""Flash offers shown in the channel catalog, from the plugin that runs sales.

channel_pricing sits below sale_windows (DESIGN.md, "Layout"), so it cannot
import it. The flash-sale plugin registers a provider function at start-up
(its ``AppConfig.ready``); the catalog asks every registered provider. With
none registered the catalog shows channel prices without offers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Callable, Dict, List, Optional, Sequence, TypedDict


class FlashOffer(TypedDict):
    """One live or upcoming flash-sale item of a variant (plain data)."""

    sale_id: int
    sale_name: str
    item_id: int
    starts_at: datetime
    ends_at: datetime
    sale_price_amount: Decimal
    currency: str
    cap: int
    sold: int
    reserved: int
    per_customer_limit: Optional[int]
    live: bool  # started (``starts_at <= now``); else upcoming


# (variant ids, channel slug, now) -> {variant_id: [offer, ...]}: live and
# upcoming offers in that channel, in bulk (the catalog prices whole pages).
FlashOfferProvider = Callable[
    [Sequence[int], Optional[str], datetime], Dict[int, List[FlashOffer]]
]

_providers: List[FlashOfferProvider] = []


def register_flash_offer_provider(provider: FlashOfferProvider) -> None:
    """Add a source of flash offers (registering the same one twice is a no-op)."""
    if provider not in _providers:
        _providers.append(provider)


def flash_offers_for_variants(
    variant_ids: Sequence[int], channel_slug: Optional[str], now: datetime
) -> Dict[int, List[FlashOffer]]:
    """Every registered provider's offers for these variants in a channel."""
    offers: Dict[int, List[FlashOffer]] = {}
    for provider in _providers:
        for variant_id, found in provider(variant_ids, channel_slug, now).items():
            offers.setdefault(variant_id, []).extend(found)
    return offers
