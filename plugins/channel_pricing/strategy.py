"""Channel prices as one strategy per buyer, in the shape of django-oscar's
``partner/strategy.py``: a small object that answers, for each variant, the
price this buyer pays and whether they may buy it, from data read once.

- ``SaleorPrices``: anonymous shoppers and signed-in non-members. Saleor's
  price stands (``unit_price`` is None) and nothing is refused.
- ``ChannelPrices``: a member. Built from the member's channel and the
  channel's quotes for every variant of one checkout (or order), read
  together (``member_checkout.strategy_for``); each line is then answered
  from memory.

Pure: no ORM, no Django. Loading lives in ``member_checkout``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import AbstractSet, Dict, Iterable, List, Optional, Tuple

from .domain import CostStatus, PriceQuote

Line = Tuple[int, int, str]  # (variant_id, product_id, display name)

BELOW_COST_AWAITS_ACK = "price below cost awaits staff acknowledgement"


@dataclass(frozen=True)
class Availability:
    """May this buyer buy this variant now, and if not, why (oscar's policy)."""

    is_available: bool
    reason: Optional[str] = None


AVAILABLE = Availability(True)
OUTSIDE_POOL = Availability(False, "not in the channel's pool")
AWAITS_ACK = Availability(False, BELOW_COST_AWAITS_ACK)


class PricingStrategy:
    """The interface: a unit price (None = keep Saleor's) and availability."""

    def covers(self, variant_ids: AbstractSet[int]) -> bool:
        """Whether these variants were read when the strategy was built."""
        return True

    def unit_price(self, variant_id: int) -> Optional[Decimal]:
        return None

    def availability(self, variant_id: int) -> Availability:
        return AVAILABLE

    def refusal(self, lines: Iterable[Line]) -> Optional[str]:
        """Why these checkout lines may not be bought, or None when they may."""
        return None


class SaleorPrices(PricingStrategy):
    """A buyer outside every channel: Saleor's price, untouched."""


@dataclass(frozen=True)
class ChannelPrices(PricingStrategy):
    """A member's channel prices for the variants read (``read``)."""

    channel_name: str
    channel_active: bool
    quotes: Dict[int, PriceQuote]
    cost_statuses: Dict[int, CostStatus]
    read: AbstractSet[int] = field(default_factory=frozenset)
    # A disabled member account buys nothing (checkoutComplete needs only the
    # checkout's token, not a sign-in).
    account_active: bool = True

    def covers(self, variant_ids: AbstractSet[int]) -> bool:
        return set(variant_ids) <= set(self.read)

    def unit_price(self, variant_id: int) -> Optional[Decimal]:
        """The channel price, or None outside the pool (Saleor's price shows,
        and ``refusal`` stops the purchase before payment)."""
        offer = self.quotes.get(variant_id)
        return offer.price if offer else None

    def availability(self, variant_id: int) -> Availability:
        if variant_id not in self.quotes:
            return OUTSIDE_POOL
        if self.cost_statuses.get(variant_id) == CostStatus.UNACKNOWLEDGED:
            return AWAITS_ACK
        return AVAILABLE

    def refusal(self, lines: Iterable[Line]) -> Optional[str]:
        if not self.account_active:
            return "This member's account is disabled; purchases are refused."
        if not self.channel_active:
            return (
                f"The channel {self.channel_name} is suspended; purchases are paused."
            )
        lines = list(lines)
        verdicts = {v: self.availability(v) for v, _, _ in lines}
        outside: List[str] = [
            name for v, _, name in lines if verdicts[v] == OUTSIDE_POOL
        ]
        if outside:
            return (
                f"Not available in {self.channel_name}: {', '.join(outside)}. "
                "Remove these items to continue."
            )
        held = sorted({name for v, _, name in lines if verdicts[v] == AWAITS_ACK})
        if held:
            return (
                f"Not available in {self.channel_name} for now: {', '.join(held)} "
                f"({BELOW_COST_AWAITS_ACK}). Remove these items to continue."
            )
        return None
