"""A member's checkout and order lines, priced by their channel.

Members pay the channel price for every unit; the flash-sale plugin (which
runs after this one, see ``FLASH_PLUGINS``) then prices held units at the
sale price. Anonymous shoppers and non-members keep Saleor's price. A member
cannot buy outside their channel's pool: ``refusal_for_checkout`` names the
lines, and the plugin refuses them before payment. Nor can a member buy an
item priced below cost without a staff acknowledgement of that very price and
settlement price (``BELOW_COST_AWAITS_ACK``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable, List, Optional, Tuple

from prices import Money, TaxedMoney
from saleor.core.taxes import quantize_price

from .domain import ChannelStatus
from .models import ChannelMember
from .pricing import quotes_for_variants, unacknowledged_below_cost

Line = Tuple[int, int, str]  # (variant_id, product_id, display name)

BELOW_COST_AWAITS_ACK = "price below cost awaits staff acknowledgement"


def member_for_user_id(user_id: Optional[int]) -> Optional[ChannelMember]:
    if not user_id:
        return None
    return (
        ChannelMember.objects.select_related("channel", "user")
        .filter(user_id=user_id)
        .first()
    )


def channel_unit_price(
    member: ChannelMember, variant_id: int, product_id: int
) -> Optional[Decimal]:
    """The member's channel price, or None when the variant is outside the pool."""
    quotes = quotes_for_variants(member.channel, [(variant_id, product_id)])
    quote = quotes.get(variant_id)
    return quote.price if quote else None


def _taxed(amount: Decimal, currency: str) -> TaxedMoney:
    money = Money(amount, currency)
    return quantize_price(TaxedMoney(net=money, gross=money), currency)


def checkout_line_total(
    user_id: Optional[int],
    variant_id: int,
    product_id: int,
    quantity: int,
    previous: TaxedMoney,
) -> TaxedMoney:
    """Channel price x quantity for a member's line in the pool; else ``previous``."""
    member = member_for_user_id(user_id)
    if member is None:
        return previous
    unit = channel_unit_price(member, variant_id, product_id)
    if unit is None:
        return previous
    return _taxed(unit * quantity, previous.currency)


def order_line_unit(
    user_id: Optional[int], variant_id: int, product_id: int, previous: TaxedMoney
) -> TaxedMoney:
    member = member_for_user_id(user_id)
    if member is None:
        return previous
    unit = channel_unit_price(member, variant_id, product_id)
    if unit is None:
        return previous
    return _taxed(unit, previous.currency)


def refusal_for_checkout(
    user_id: Optional[int], lines: Iterable[Line]
) -> Optional[str]:
    """Why a member may not buy these lines, or None when they may."""
    member = member_for_user_id(user_id)
    if member is None:
        return None
    channel = member.channel
    if not member.user.is_active:
        # checkoutComplete needs only the checkout's token, not a sign-in.
        return "This member's account is disabled; purchases are refused."
    if channel.status != ChannelStatus.ACTIVE.value:
        return f"The channel {channel.name} is suspended; purchases are paused."
    lines = list(lines)
    quotes = quotes_for_variants(channel, [(v, p) for v, p, _ in lines])
    outside: List[str] = [name for v, _, name in lines if v not in quotes]
    if outside:
        return (
            f"Not available in {channel.name}: {', '.join(outside)}. "
            "Remove these items to continue."
        )
    held = unacknowledged_below_cost(channel, quotes)
    if held:
        names = sorted({name for v, _, name in lines if v in held})
        return (
            f"Not available in {channel.name} for now: {', '.join(names)} "
            f"({BELOW_COST_AWAITS_ACK}). Remove these items to continue."
        )
    return None
