"""Channel price rules: no database."""

from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from plugins.channel_pricing.domain import (
    Markup,
    PriceRule,
    Rounding,
    channel_price,
    margin,
    round_price,
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
