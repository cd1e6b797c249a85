"""A member's checkout and order lines, priced by their channel.

Members pay the channel price for every unit; the flash-sale plugin (which
runs after this one, see ``FLASH_PLUGINS``) then prices held units at the
sale price. Anonymous shoppers and non-members keep Saleor's price. A member
cannot buy outside their channel's pool: ``refusal_for_checkout`` names the
lines, and the plugin refuses them before payment. Nor can a member buy an
item priced below cost without a staff acknowledgement of that very price and
settlement price (``BELOW_COST_AWAITS_ACK``).

Saleor asks for prices line by line, several times per request (subtotal,
total, payment checks). The buyer's strategy (``strategy.py``) is built once
per loaded checkout (or order) object, for all of its lines together, and
kept on that object, which lives for one request: the member and the
channel's prices are read once per checkout, not once per line.
"""

from __future__ import annotations

from typing import Iterable, Optional, Set

from django.db.models import QuerySet
from prices import Money, TaxedMoney
from saleor.checkout.models import CheckoutLine
from saleor.core.taxes import quantize_price
from saleor.order.models import OrderLine

from .domain import ChannelStatus
from .models import Channel, ChannelMember
from .pricing import VariantKey, cost_statuses, quotes_for_variants
from .strategy import (
    BELOW_COST_AWAITS_ACK,
    ChannelPrices,
    Line,
    PricingStrategy,
    SaleorPrices,
)

__all__ = [
    "BELOW_COST_AWAITS_ACK",
    "Line",
    "checkout_refusal",
    "refusal_for_checkout",
    "strategy_for",
]

_KEPT = "_flash_channel_prices"  # (user_id, strategy) on a checkout or order


def member_for_user_id(user_id: Optional[int]) -> Optional[ChannelMember]:
    if not user_id:
        return None
    return (
        ChannelMember.objects.select_related("channel", "user")
        .filter(user_id=user_id)
        .first()
    )


def channel_prices(
    channel: Channel, variants: Iterable[VariantKey], account_active: bool = True
) -> ChannelPrices:
    """A member's strategy: the channel's quotes for these (variant, product)
    pairs, read in bulk (settlement prices, pool entries, acknowledgements
    only when one is below cost)."""
    variants = list(variants)
    quotes = quotes_for_variants(channel, variants)
    return ChannelPrices(
        channel_name=channel.name,
        channel_active=channel.status == ChannelStatus.ACTIVE.value,
        account_active=account_active,
        quotes=quotes,
        cost_statuses=cost_statuses(channel, quotes),
        read=frozenset(v for v, _ in variants),
    )


def strategy_for(
    user_id: Optional[int], variants: Iterable[VariantKey]
) -> PricingStrategy:
    """The buyer's strategy for these (variant, product) pairs: ``SaleorPrices``
    for a non-member (one query), else their channel's prices."""
    member = member_for_user_id(user_id)
    if member is None:
        return SaleorPrices()
    return channel_prices(member.channel, variants, member.user.is_active)


def _kept_strategy(owner, user_id, variants: Set[VariantKey], lines: QuerySet):
    """The strategy kept on ``owner`` (a checkout or an order), built for all
    its lines on first use, and again only if the buyer changed or a line
    appeared that was not read (a line added later in the same request)."""
    kept = owner.__dict__.get(_KEPT)
    if kept is not None:
        kept_user_id, strategy = kept
        if kept_user_id == user_id and strategy.covers({v for v, _ in variants}):
            return strategy
    member = member_for_user_id(user_id)
    if member is None:
        strategy = SaleorPrices()  # the lines need not be read
    else:
        keys = set(lines.values_list("variant_id", "variant__product_id"))
        strategy = channel_prices(
            member.channel, keys | variants, member.user.is_active
        )
    owner.__dict__[_KEPT] = (user_id, strategy)
    return strategy


def checkout_strategy(checkout, variants: Set[VariantKey]) -> PricingStrategy:
    """The checkout's strategy, read once per loaded checkout object."""
    lines = CheckoutLine.objects.filter(checkout_id=checkout.pk)
    return _kept_strategy(checkout, checkout.user_id, variants, lines)


def _taxed(amount, currency: str) -> TaxedMoney:
    money = Money(amount, currency)
    return quantize_price(TaxedMoney(net=money, gross=money), currency)


def checkout_line_total(checkout_line, previous: TaxedMoney) -> TaxedMoney:
    """Channel price x quantity for a member's line in the pool; else ``previous``."""
    variant = checkout_line.variant
    strategy = checkout_strategy(
        checkout_line.checkout, {(variant.pk, variant.product_id)}
    )
    unit = strategy.unit_price(variant.pk)
    if unit is None:
        return previous
    return _taxed(unit * checkout_line.quantity, previous.currency)


def order_line_unit(order_line, previous: TaxedMoney) -> TaxedMoney:
    """The channel price of a member's order line (draft orders, re-pricing)."""
    variant = order_line.variant
    order = order_line.order
    lines = OrderLine.objects.filter(order_id=order.pk, variant__isnull=False)
    key = (variant.pk, variant.product_id)
    strategy = _kept_strategy(order, order.user_id, {key}, lines)
    unit = strategy.unit_price(variant.pk)
    if unit is None:
        return previous
    return _taxed(unit, previous.currency)


def checkout_refusal(checkout, lines: Iterable[Line]) -> Optional[str]:
    """Why the checkout's buyer may not buy its lines (the names in ``lines``),
    from the same strategy that priced them."""
    lines = list(lines)
    strategy = checkout_strategy(checkout, {(v, p) for v, p, _ in lines})
    return strategy.refusal(lines)


def refusal_for_checkout(
    user_id: Optional[int], lines: Iterable[Line]
) -> Optional[str]:
    """Why a member may not buy these lines, or None when they may (read
    afresh, for callers without a checkout object)."""
    lines = list(lines)
    return strategy_for(user_id, [(v, p) for v, p, _ in lines]).refusal(lines)
