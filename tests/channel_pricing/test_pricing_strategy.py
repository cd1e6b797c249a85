"""Channel prices as one strategy per buyer (``strategy.py``,
``member_checkout.py``): pure rules without a database, then Saleor's plugin
manager pricing real checkouts: the member's channel prices are read once per
checkout, whatever its number of lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from saleor.account.models import User
from saleor.checkout.models import Checkout, CheckoutLine
from saleor.plugins.manager import get_plugins_manager
from saleor.product.models import ProductVariant

from plugins.channel_pricing import pricing
from plugins.channel_pricing.domain import CostStatus, PriceQuote
from plugins.channel_pricing.models import Channel
from plugins.channel_pricing.strategy import (
    AVAILABLE,
    AWAITS_ACK,
    OUTSIDE_POOL,
    ChannelPrices,
    SaleorPrices,
)

from .test_plugin_hooks import member_user

# Tables behind a member's channel prices: membership, pool entries,
# settlement prices (below-cost acknowledgements only when below cost).
CHANNEL_PRICE_TABLES = (
    "channel_pricing_channelmember",
    "channel_pricing_channelpoolentry",
    "provider_dropship_supplylisting",
)


def prices(quotes, statuses=None, active=True):
    return ChannelPrices(
        channel_name="Wellness",
        channel_active=active,
        quotes=quotes,
        cost_statuses=statuses or {},
        read=frozenset({1, 2, 3}),
    )


def test_a_non_member_keeps_saleors_price_and_is_never_refused():
    strategy = SaleorPrices()
    assert strategy.unit_price(1) is None
    assert strategy.availability(1) == AVAILABLE
    assert strategy.refusal([(1, 10, "Tea")]) is None
    assert strategy.covers({1, 2, 3})


def test_a_member_pays_the_channel_price_inside_the_pool_only():
    quote = PriceQuote(settlement=Decimal("8"), price=Decimal("10.90"), fixed=False)
    strategy = prices({1: quote})
    assert strategy.unit_price(1) == Decimal("10.90")
    assert strategy.unit_price(2) is None  # outside the pool: Saleor's price shows
    assert strategy.availability(1) == AVAILABLE
    assert strategy.availability(2) == OUTSIDE_POOL
    assert strategy.refusal([(1, 10, "Tea"), (2, 20, "Mat")]) == (
        "Not available in Wellness: Mat. Remove these items to continue."
    )
    assert strategy.covers({1, 3}) and not strategy.covers({1, 4})


def test_below_cost_without_acknowledgement_and_suspended_channels_refuse():
    low = PriceQuote(settlement=Decimal("8"), price=Decimal("5"), fixed=True)
    strategy = prices({1: low}, {1: CostStatus.UNACKNOWLEDGED})
    assert strategy.availability(1) == AWAITS_ACK
    assert "price below cost awaits staff acknowledgement" in strategy.refusal(
        [(1, 10, "Tea")]
    )
    acknowledged = prices({1: low}, {1: CostStatus.ACKNOWLEDGED})
    assert acknowledged.refusal([(1, 10, "Tea")]) is None
    suspended = prices({1: low}, {1: CostStatus.ACKNOWLEDGED}, active=False)
    assert "suspended" in suspended.refusal([(1, 10, "Tea")])


def checkout_with_lines(user, variants, quantity=2):
    checkout = Checkout.objects.create(user=user, email="strategy@example.com")
    for variant in variants:
        CheckoutLine.objects.create(
            checkout=checkout, variant=variant, quantity=quantity
        )
    # As Saleor loads it: the lines come from the checkout object.
    return Checkout.objects.get(pk=checkout.pk)


def reads_of_channel_prices(queries):
    return {
        table: sum(f'"{table}"' in q["sql"] for q in queries.captured_queries)
        for table in CHANNEL_PRICE_TABLES
    }


def line_keys_reads(queries):
    """Reads of a checkout's (variant, product) pairs, as the strategy does."""
    return sum(
        '"checkout_checkoutline"' in q["sql"]
        and 'JOIN "product_productvariant"' in q["sql"]
        for q in queries.captured_queries
    )


def price_checkout(checkout):
    """What Saleor does for a checkout's prices in one request: subtotal and
    total (each prices every line)."""
    manager = get_plugins_manager()
    lines = list(checkout)
    subtotal = manager.calculate_checkout_subtotal(checkout, lines, [])
    total = manager.calculate_checkout_total(checkout, lines, [])
    line_totals = {
        line.variant_id: manager.calculate_checkout_line_total(line, [])
        for line in lines
    }
    return subtotal, total, line_totals


@pytest.mark.django_db
@pytest.mark.parametrize("line_count", [1, 6])
def test_a_checkout_reads_the_members_channel_prices_once(demo, line_count):
    user, channel = member_user("wellness-app", f"strategy-{line_count}")
    variants = list(pricing.pool_variants(channel).order_by("pk")[:line_count])
    assert len(variants) == line_count
    checkout = checkout_with_lines(user, variants)

    with CaptureQueriesContext(connection) as queries:
        subtotal, total, line_totals = price_checkout(checkout)

    assert reads_of_channel_prices(queries) == {t: 1 for t in CHANNEL_PRICE_TABLES}
    assert line_keys_reads(queries) == 1
    expected = {v.pk: pricing.variant_quote(channel, v).price * 2 for v in variants}
    assert {v: t.gross.amount for v, t in line_totals.items()} == expected
    assert subtotal.gross.amount == total.gross.amount == sum(expected.values())

    # The refusal before payment is asked of the same strategy: no new reads
    # (provider_dropship's own check for suspended providers reads the
    # listings once, whatever the number of lines).
    with CaptureQueriesContext(connection) as queries:
        get_plugins_manager().preprocess_order_creation(checkout, [])
    assert reads_of_channel_prices(queries) == {
        t: 1 if t == "provider_dropship_supplylisting" else 0
        for t in CHANNEL_PRICE_TABLES
    }


@pytest.mark.django_db
def test_a_non_member_checkout_reads_no_channel_prices(demo):
    shopper = User.objects.create_user("strategy-shopper@example.com", "pw")
    variants = list(ProductVariant.objects.order_by("pk")[:4])
    for user in (shopper, None):
        checkout = checkout_with_lines(user, variants)
        with CaptureQueriesContext(connection) as queries:
            _, _, line_totals = price_checkout(checkout)
        reads = reads_of_channel_prices(queries)
        assert reads == {
            "channel_pricing_channelmember": 1 if user else 0,
            "channel_pricing_channelpoolentry": 0,
            "provider_dropship_supplylisting": 0,
        }
        assert line_keys_reads(queries) == 0  # nor the lines' variants
        for variant in variants:
            saleor_total = variant.get_price([]).amount * 2
            assert line_totals[variant.pk].gross.amount == saleor_total


@pytest.mark.django_db
def test_a_line_added_later_in_the_request_is_priced_and_checked_too(demo):
    user, channel = member_user("wellness-app", "strategy-late-line")
    pooled = list(pricing.pool_variants(channel).order_by("pk")[:2])
    checkout = checkout_with_lines(user, pooled[:1])
    price_checkout(checkout)  # the strategy now knows one variant
    CheckoutLine.objects.create(checkout=checkout, variant=pooled[1], quantity=1)
    _, _, line_totals = price_checkout(checkout)
    assert line_totals[pooled[1].pk].gross.amount == (
        pricing.variant_quote(channel, pooled[1]).price
    )
    outside = (
        ProductVariant.objects.exclude(pk__in=pricing.pool_variants(channel))
        .order_by("pk")
        .first()
    )
    CheckoutLine.objects.create(checkout=checkout, variant=outside, quantity=1)
    with pytest.raises(ValidationError) as refused:
        get_plugins_manager().preprocess_order_creation(checkout, [])
    assert "Not available in" in str(refused.value)
    assert Channel.objects.get(pk=channel.pk).name in str(refused.value)
