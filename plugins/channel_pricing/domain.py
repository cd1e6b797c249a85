"""Pure channel price rules: no ORM, no Django.

A channel price is either fixed, or built on the provider's settlement price:
settlement x (1 + payment % + platform % + channel %) + fixed amount, then
rounded by the channel's rounding rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Optional

CENT = Decimal("0.01")


class Rounding(str, Enum):
    CENT = "cent"  # to 0.01
    NINETY = "ninety"  # up to the next x.90
    WHOLE_UP = "whole_up"  # up to whole units


class ChannelStatus(str, Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class Markup:
    payment_pct: Decimal = Decimal("0")
    platform_pct: Decimal = Decimal("0")
    channel_pct: Decimal = Decimal("0")
    fixed_amount: Decimal = Decimal("0")


@dataclass(frozen=True)
class PriceRule:
    """A fixed price, or a markup on settlement; rounding applies to both."""

    markup: Markup
    rounding: Rounding = Rounding.CENT
    fixed_price: Optional[Decimal] = None


def round_price(amount: Decimal, rounding: Rounding) -> Decimal:
    if rounding == Rounding.WHOLE_UP:
        return amount.quantize(Decimal("1"), rounding=ROUND_CEILING).quantize(CENT)
    if rounding == Rounding.NINETY:
        whole = amount.quantize(Decimal("1"), rounding=ROUND_CEILING)
        candidate = whole - Decimal("0.10")
        if candidate < amount:
            candidate += 1
        return candidate.quantize(CENT)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def channel_price(settlement_price: Decimal, rule: PriceRule) -> Decimal:
    """The price a channel's members pay for one unit."""
    if rule.fixed_price is not None:
        return round_price(rule.fixed_price, rule.rounding)
    markup = rule.markup
    factor = 1 + (markup.payment_pct + markup.platform_pct + markup.channel_pct) / 100
    return round_price(settlement_price * factor + markup.fixed_amount, rule.rounding)


def margin(settlement_price: Decimal, price: Decimal) -> Decimal:
    """What the platform keeps per unit; negative means selling below cost."""
    return price - settlement_price
