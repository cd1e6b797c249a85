"""Channel price rules: no database."""

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from plugins.channel_pricing.domain import (
    BelowCostAck,
    CostStatus,
    Markup,
    PriceRule,
    PriceRuleError,
    Rounding,
    RuleOverride,
    channel_price,
    cost_status,
    guard_below_cost,
    margin,
    quote,
    resolve_rule,
    round_price,
    sellable,
    validate_override,
)

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)
pct = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=3)


def test_markup_formula():
    rule = PriceRule(Markup(Decimal("0.6"), Decimal("8"), Decimal("5"), Decimal("1")))
    # 100 * (1 + 13.6%) + 1
    assert channel_price(Decimal("100"), rule) == Decimal("114.60")


def test_fixed_price_ignores_settlement():
    rule = PriceRule(Markup(), fixed_price=Decimal("19.99"))
    assert channel_price(Decimal("50"), rule) == Decimal("19.99")
    assert margin(Decimal("50"), Decimal("19.99")) == Decimal("-30.01")


def test_rounding_rules():
    assert round_price(Decimal("12.345"), Rounding.CENT) == Decimal("12.35")
    assert round_price(Decimal("12.01"), Rounding.NINETY) == Decimal("12.90")
    assert round_price(Decimal("12.95"), Rounding.NINETY) == Decimal("13.90")
    assert round_price(Decimal("12.90"), Rounding.NINETY) == Decimal("12.90")
    assert round_price(Decimal("12.01"), Rounding.WHOLE_UP) == Decimal("13.00")
    assert round_price(Decimal("12.00"), Rounding.WHOLE_UP) == Decimal("12.00")


@given(settlement=money, low=pct, high=pct, rounding=st.sampled_from(list(Rounding)))
def test_price_never_falls_as_a_markup_rises(settlement, low, high, rounding):
    assume(low <= high)
    cheaper = channel_price(settlement, PriceRule(Markup(platform_pct=low), rounding))
    dearer = channel_price(settlement, PriceRule(Markup(platform_pct=high), rounding))
    assert cheaper <= dearer


@given(
    settlement=money,
    payment=pct,
    platform=pct,
    channel=pct,
    rounding=st.sampled_from([Rounding.NINETY, Rounding.WHOLE_UP]),
)
def test_markup_prices_round_up_and_never_below_settlement(
    settlement, payment, platform, channel, rounding
):
    price = channel_price(
        settlement, PriceRule(Markup(payment, platform, channel), rounding)
    )
    assert price >= settlement
    if rounding == Rounding.NINETY:
        assert price % 1 == Decimal("0.90")
    else:
        assert price % 1 == 0


# --- rule resolution, fixed prices, the below-cost guard ---------------------

settlement3 = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3
)
roundings = st.sampled_from(list(Rounding))


def test_fixed_price_is_kept_to_the_cent_whatever_the_rounding():
    for rounding in Rounding:
        rule = PriceRule(Markup(), rounding, fixed_price=Decimal("19.994"))
        assert channel_price(Decimal("5"), rule) == Decimal("19.99")


def test_cent_rounding_never_drops_below_a_three_decimal_settlement():
    assert channel_price(Decimal("10.004"), PriceRule(Markup())) == Decimal("10.01")


@given(settlement=settlement3, payment=pct, platform=pct, channel=pct, r=roundings)
def test_markup_prices_never_fall_below_settlement(
    settlement, payment, platform, channel, r
):
    price = channel_price(settlement, PriceRule(Markup(payment, platform, channel), r))
    assert price >= settlement
    assert price == price.quantize(Decimal("0.01"))


@given(
    settlement=settlement3,
    fixed=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2),
    acknowledged=st.booleans(),
)
def test_never_below_settlement_without_acknowledgement(
    settlement, fixed, acknowledged
):
    rule = PriceRule(Markup(), fixed_price=fixed)
    offer = quote(settlement, rule)
    try:
        guard_below_cost([offer], acknowledged)
    except PriceRuleError as refusal:
        assert refusal.code == "below_cost_not_acknowledged"
        assert offer.price < settlement and not acknowledged
    else:
        assert offer.price >= settlement or acknowledged


@given(
    settlement=money,
    base=st.tuples(pct, pct, pct),
    which=st.integers(min_value=0, max_value=3),
    low=pct,
    high=pct,
    r=roundings,
)
def test_raising_any_markup_field_never_lowers_the_price(
    settlement, base, which, low, high, r
):
    assume(low <= high)
    fields = list(base) + [Decimal("0")]

    def price_with(value):
        values = list(fields)
        values[which] = value
        return channel_price(settlement, PriceRule(Markup(*values), r))

    assert price_with(low) <= price_with(high)


@given(
    amount=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1e6"), places=3)
)
def test_rounding_rules_round_up_to_their_grid(amount):
    cent = round_price(amount, Rounding.CENT)
    assert abs(cent - amount) <= Decimal("0.005")
    ninety = round_price(amount, Rounding.NINETY)
    assert ninety >= amount and ninety - amount < 1 and ninety % 1 == Decimal("0.90")
    whole = round_price(amount, Rounding.WHOLE_UP)
    assert whole >= amount and whole - amount < 1 and whole % 1 == 0


DEFAULT = PriceRule(Markup(Decimal("1"), Decimal("2"), Decimal("3")), Rounding.CENT)


def test_no_override_uses_the_channel_default():
    assert resolve_rule(DEFAULT, None, RuleOverride()) == DEFAULT


def test_variant_override_beats_product_override_field_by_field():
    product = RuleOverride(platform_pct=Decimal("10"), rounding=Rounding.NINETY)
    variant = RuleOverride(channel_pct=Decimal("7"))
    rule = resolve_rule(DEFAULT, product, variant)
    assert rule.markup == Markup(Decimal("1"), Decimal("10"), Decimal("7"))
    assert rule.rounding == Rounding.NINETY and rule.fixed_price is None


def test_product_fixed_price_applies_unless_the_variant_overrides():
    product = RuleOverride(fixed_price=Decimal("9.99"))
    assert resolve_rule(DEFAULT, product, None).fixed_price == Decimal("9.99")
    variant = RuleOverride(channel_pct=Decimal("0"))
    assert resolve_rule(DEFAULT, product, variant).fixed_price is None
    fixed_variant = RuleOverride(fixed_price=Decimal("5"))
    assert resolve_rule(DEFAULT, product, fixed_variant).fixed_price == Decimal("5")


@pytest.mark.parametrize(
    "override",
    [
        RuleOverride(fixed_price=Decimal("0")),
        RuleOverride(fixed_price=Decimal("5"), platform_pct=Decimal("1")),
        RuleOverride(payment_pct=Decimal("-1")),
        RuleOverride(channel_pct=Decimal("1000.001")),
        RuleOverride(fixed_amount=Decimal("-0.01")),
    ],
)
def test_invalid_overrides_are_refused(override):
    with pytest.raises(PriceRuleError) as caught:
        validate_override(override)
    assert caught.value.code == "invalid_rule"


def test_quote_margin():
    offer = quote(Decimal("40"), PriceRule(Markup(), fixed_price=Decimal("30")))
    assert (offer.margin, offer.margin_pct, offer.below_cost) == (
        Decimal("-10.00"),
        Decimal("-25.00"),
        True,
    )


# -- Below-cost acknowledgements: one price against one settlement price. --


def _fixed(settlement, price):
    return quote(Decimal(settlement), PriceRule(Markup(), fixed_price=Decimal(price)))


def test_above_cost_sells_without_an_acknowledgement():
    offer = _fixed("10", "10")
    assert cost_status(offer, None) == CostStatus.ABOVE_COST
    assert sellable(offer, None)


def test_below_cost_without_an_acknowledgement_does_not_sell():
    offer = _fixed("10", "9.99")
    assert cost_status(offer, None) == CostStatus.UNACKNOWLEDGED
    assert not sellable(offer, None)


def test_an_acknowledgement_covers_its_price_and_settlement_only():
    ack = BelowCostAck(price=Decimal("8.000"), settlement=Decimal("10.000"))
    assert cost_status(_fixed("10", "8"), ack) == CostStatus.ACKNOWLEDGED
    # The provider raised its settlement price: the accepted loss grew.
    assert cost_status(_fixed("10.50", "8"), ack) == CostStatus.UNACKNOWLEDGED
    # The settlement price fell but is still above the price: a new loss too.
    assert cost_status(_fixed("9", "8"), ack) == CostStatus.UNACKNOWLEDGED
    # Staff re-priced (still below cost) without acknowledging again.
    assert cost_status(_fixed("10", "7"), ack) == CostStatus.UNACKNOWLEDGED
    # Back above cost: no acknowledgement needed, stale or not.
    assert cost_status(_fixed("7.5", "8"), ack) == CostStatus.ABOVE_COST


@given(
    settlement=settlement3,
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2),
    ack_price=st.decimals(
        min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2
    ),
    ack_settlement=settlement3,
)
def test_a_below_cost_price_sells_only_with_a_matching_acknowledgement(
    settlement, price, ack_price, ack_settlement
):
    offer = quote(settlement, PriceRule(Markup(), fixed_price=price))
    ack = BelowCostAck(price=ack_price, settlement=ack_settlement)
    matches = ack_price == offer.price and ack_settlement == settlement
    assert sellable(offer, ack) == (offer.price >= settlement or matches)
    assert sellable(offer, None) == (offer.price >= settlement)
