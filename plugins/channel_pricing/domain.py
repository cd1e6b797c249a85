"""Pure channel price rules: no ORM, no Django.

A channel price is either fixed, or built on the provider's settlement price:
settlement x (1 + payment % + platform % + channel %) + fixed amount, then
rounded by the rule's rounding (to 0.01, up to x.90, or up to whole units).

- A fixed price is what staff typed, to the cent: rounding does not move it.
- A markup price never rounds below the settlement price (markups are >= 0).
- Rules resolve from the most specific level: variant entry, product entry,
  channel default (``resolve_rule``).
- A price below settlement is refused unless acknowledged (``guard_below_cost``).
- An acknowledgement covers one price against one settlement price: when
  either moves (a provider raises its settlement price, staff re-price), the
  item is below cost *unacknowledged* and must not sell (``cost_status``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Iterable, Optional

from plugins.core.errors import ServiceRefusal
from plugins.core.web_addresses import http_url_problem

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
    """A fixed price, or a markup on settlement (rounding applies to markups)."""

    markup: Markup
    rounding: Rounding = Rounding.CENT
    fixed_price: Optional[Decimal] = None


MAX_PCT = Decimal("1000")


class PriceRuleError(ServiceRefusal, ValueError):
    """A rule that cannot be saved; ``code`` names a ``ChannelErrorCode`` value."""


@dataclass(frozen=True)
class RuleOverride:
    """A pool entry's override: a fixed price, or markup fields (None = inherit)."""

    fixed_price: Optional[Decimal] = None
    payment_pct: Optional[Decimal] = None
    platform_pct: Optional[Decimal] = None
    channel_pct: Optional[Decimal] = None
    fixed_amount: Optional[Decimal] = None
    rounding: Optional[Rounding] = None

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in _OVERRIDE_FIELDS)


_OVERRIDE_FIELDS = (
    "fixed_price",
    "payment_pct",
    "platform_pct",
    "channel_pct",
    "fixed_amount",
    "rounding",
)
_MARKUP_FIELDS = ("payment_pct", "platform_pct", "channel_pct", "fixed_amount")


@dataclass(frozen=True)
class PriceQuote:
    """One variant's channel price against what the platform pays for it."""

    settlement: Decimal
    price: Decimal
    fixed: bool

    @property
    def margin(self) -> Decimal:
        return margin(self.settlement, self.price)

    @property
    def margin_pct(self) -> Decimal:
        return (self.margin * 100 / self.settlement).quantize(CENT, ROUND_HALF_UP)

    @property
    def below_cost(self) -> bool:
        return self.price < self.settlement


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
        return rule.fixed_price.quantize(CENT, rounding=ROUND_HALF_UP)
    markup = rule.markup
    factor = 1 + (markup.payment_pct + markup.platform_pct + markup.channel_pct) / 100
    price = round_price(settlement_price * factor + markup.fixed_amount, rule.rounding)
    if price < settlement_price:
        # Half-up to the cent can fall under a settlement price with 3 decimals.
        price = settlement_price.quantize(CENT, rounding=ROUND_CEILING)
    return price


def quote(settlement_price: Decimal, rule: PriceRule) -> PriceQuote:
    return PriceQuote(
        settlement=settlement_price,
        price=channel_price(settlement_price, rule),
        fixed=rule.fixed_price is not None,
    )


def margin(settlement_price: Decimal, price: Decimal) -> Decimal:
    """What the platform keeps per unit; negative means selling below cost."""
    return price - settlement_price


def resolve_rule(default: PriceRule, *overrides: Optional[RuleOverride]) -> PriceRule:
    """The rule for one variant: ``overrides`` from least to most specific.

    The most specific non-empty override decides the kind: its fixed price, or
    a markup whose fields fall back level by level to the channel default.
    """
    levels = [o for o in overrides if o is not None and not o.is_empty()]
    if levels and levels[-1].fixed_price is not None:
        return PriceRule(Markup(), default.rounding, fixed_price=levels[-1].fixed_price)
    fields = {name: getattr(default.markup, name) for name in _MARKUP_FIELDS}
    rounding = default.rounding
    for level in levels:
        for name in _MARKUP_FIELDS:
            if getattr(level, name) is not None:
                fields[name] = getattr(level, name)
        if level.rounding is not None:
            rounding = level.rounding
    return PriceRule(Markup(**fields), rounding)


def validate_override(override: RuleOverride) -> None:
    """Markups are percentages in [0, 1000] and amounts >= 0; a fixed price > 0."""
    if override.fixed_price is not None:
        if override.fixed_price <= 0:
            raise PriceRuleError("invalid_rule", "A fixed price must be above zero.")
        if any(getattr(override, name) is not None for name in _MARKUP_FIELDS):
            raise PriceRuleError(
                "invalid_rule", "Give either a fixed price or markups, not both."
            )
    for name in ("payment_pct", "platform_pct", "channel_pct"):
        value = getattr(override, name)
        if value is not None and not (0 <= value <= MAX_PCT):
            raise PriceRuleError(
                "invalid_rule", f"{name} must be between 0 and {MAX_PCT}."
            )
    if override.fixed_amount is not None and override.fixed_amount < 0:
        raise PriceRuleError("invalid_rule", "The fixed markup cannot be negative.")


class CostStatus(str, Enum):
    ABOVE_COST = "above_cost"  # price >= settlement: sells
    ACKNOWLEDGED = "acknowledged"  # below, and staff accepted this very loss: sells
    UNACKNOWLEDGED = "unacknowledged"  # below, nobody accepted it: does not sell


@dataclass(frozen=True)
class BelowCostAck:
    """What a staff user accepted: this price against this settlement price."""

    price: Decimal
    settlement: Decimal

    def covers(self, offer: PriceQuote) -> bool:
        return self.price == offer.price and self.settlement == offer.settlement


def cost_status(offer: PriceQuote, ack: Optional[BelowCostAck]) -> CostStatus:
    if not offer.below_cost:
        return CostStatus.ABOVE_COST
    if ack is not None and ack.covers(offer):
        return CostStatus.ACKNOWLEDGED
    return CostStatus.UNACKNOWLEDGED


def sellable(offer: PriceQuote, ack: Optional[BelowCostAck]) -> bool:
    """A price may be sold: at or above cost, or below with a matching ack."""
    return cost_status(offer, ack) != CostStatus.UNACKNOWLEDGED


def guard_below_cost(quotes: Iterable[PriceQuote], acknowledged: bool) -> None:
    """Refuse prices below settlement unless a staff user acknowledged them."""
    below = [q for q in quotes if q.below_cost]
    if below and not acknowledged:
        worst = min(below, key=lambda q: q.margin)
        raise PriceRuleError(
            "below_cost_not_acknowledged",
            f"{len(below)} item(s) would sell below the settlement price "
            f"(worst: {worst.price} against {worst.settlement}); acknowledge "
            "the loss to save.",
        )


def storefront_url_problem(url: str) -> Optional[str]:
    """Why ``url`` cannot be a channel's storefront URL, or None when it can.

    The entry link redirects members there with their Saleor JWT in the
    fragment, so only an absolute http(s) URL with a host will do (no
    ``javascript:``, ``data:`` or scheme-relative URL). Empty means none.
    """
    return http_url_problem(url, "The storefront URL")


def validate_storefront_url(url: str) -> None:
    problem = storefront_url_problem(url)
    if problem:
        raise PriceRuleError("invalid_storefront_url", problem)
