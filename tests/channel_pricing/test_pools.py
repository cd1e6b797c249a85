"""Pools and price rules on real PostgreSQL: platform pool, overrides, the
below-cost guard with its acknowledgement and report."""

from decimal import Decimal

import pytest
from saleor.account.models import User
from saleor.order.models import Order, OrderLine
from saleor.product.models import ProductVariant

from plugins.channel_pricing import pool_admin, pricing, reports
from plugins.channel_pricing.channel_admin import (
    create_channel,
    finish_rotation,
    rotate_secret,
)
from plugins.channel_pricing.domain import (
    CostStatus,
    PriceRuleError,
    Rounding,
    RuleOverride,
)
from plugins.channel_pricing.models import (
    BelowCostAcknowledgement,
    Channel,
    ChannelPoolEntry,
)
from plugins.channel_pricing.sign_in import sign_in
from plugins.provider_dropship.models import Provider

from .tokens import channel_token

pytestmark = pytest.mark.django_db


def variant(sku):
    return ProductVariant.objects.select_related("product").get(sku=sku)


@pytest.fixture
def staff():
    return User.objects.create_user("merch@example.com", "pw", is_staff=True)


@pytest.fixture
def channel(demo):
    return create_channel(
        name="Test Channel",
        payment_pct=Decimal("1"),
        platform_pct=Decimal("9"),
        channel_pct=Decimal("10"),
        rounding=Rounding.CENT.value,
    )


def test_platform_pool_is_approved_providers_with_settlement(demo):
    assert pricing.platform_pool_variants().count() == 20
    Provider.objects.filter(slug="acme-supply").update(status="suspended")
    assert pricing.platform_pool_variants().count() == 10


def test_default_rule_prices_from_settlement(channel, staff):
    v = variant("ACME-001")
    items = pool_admin.save_entries(channel, staff, product_ids=[v.product_id])
    settlement = v.supply_listing.settlement_price_amount
    expected = (settlement * Decimal("1.20")).quantize(Decimal("0.01"))
    assert [i.quote.price for i in items] == [expected]
    assert pricing.variant_quote(channel, v).price == expected
    assert items[0].quote.margin == expected - settlement


def test_variant_override_beats_product_and_channel(channel, staff):
    v = variant("ACME-002")
    pool_admin.save_entries(
        channel,
        staff,
        product_ids=[v.product_id],
        override=RuleOverride(platform_pct=Decimal("50")),
    )
    product_price = pricing.variant_quote(channel, v).price
    pool_admin.save_entries(
        channel,
        staff,
        variant_ids=[v.pk],
        override=RuleOverride(rounding=Rounding.WHOLE_UP),
    )
    variant_price = pricing.variant_quote(channel, v).price
    assert variant_price >= product_price and variant_price % 1 == 0


def test_not_in_platform_pool_is_refused(channel, staff):
    v = variant("ACME-001")
    Provider.objects.filter(slug="acme-supply").update(status="suspended")
    with pytest.raises(PriceRuleError) as caught:
        pool_admin.save_entries(channel, staff, product_ids=[v.product_id])
    assert caught.value.code == "not_in_platform_pool"
    assert not ChannelPoolEntry.objects.filter(channel=channel).exists()


def test_below_cost_needs_an_acknowledgement(channel, staff):
    v = variant("ACME-004")
    settlement = v.supply_listing.settlement_price_amount
    cheap = RuleOverride(fixed_price=settlement - Decimal("1"))

    with pytest.raises(PriceRuleError) as caught:
        pool_admin.save_entries(
            channel, staff, product_ids=[v.product_id], override=cheap
        )
    assert caught.value.code == "below_cost_not_acknowledged"
    assert not ChannelPoolEntry.objects.filter(channel=channel).exists()

    pool_admin.save_entries(
        channel,
        staff,
        product_ids=[v.product_id],
        override=cheap,
        acknowledge_below_cost=True,
    )
    ack = BelowCostAcknowledgement.objects.get(channel=channel, variant=v)
    assert ack.acknowledged_by == staff and ack.acknowledged_at is not None
    assert (ack.price_amount, ack.settlement_amount) == (settlement - 1, settlement)

    # Back above cost: the acknowledgement is cleared.
    pool_admin.save_entries(
        channel,
        staff,
        product_ids=[v.product_id],
        override=RuleOverride(fixed_price=settlement + 5),
    )
    assert not BelowCostAcknowledgement.objects.filter(channel=channel).exists()


def test_preview_saves_nothing(channel, staff):
    v = variant("ACME-005")
    items = pool_admin.preview(
        channel,
        product_ids=[v.product_id],
        override=RuleOverride(fixed_price=Decimal("1.00")),
    )
    assert items[0].quote.below_cost and items[0].quote.price == Decimal("1.00")
    assert not ChannelPoolEntry.objects.filter(channel=channel).exists()


def test_remove_from_pool(channel, staff):
    v = variant("ACME-006")
    pool_admin.save_entries(channel, staff, product_ids=[v.product_id])
    pool_admin.save_entries(channel, staff, variant_ids=[v.pk])
    assert pool_admin.remove_entries(channel, product_ids=[v.product_id]) == 2
    assert pricing.variant_quote(channel, v) is None


def test_below_cost_report_shows_loss_and_units_sold(channel, staff):
    v = variant("ACME-007")
    settlement = v.supply_listing.settlement_price_amount
    pool_admin.save_entries(
        channel,
        staff,
        product_ids=[v.product_id],
        override=RuleOverride(fixed_price=settlement - Decimal("2.5")),
        acknowledge_below_cost=True,
    )
    member = sign_in(
        channel.slug, channel_token(channel.sso_secret, channel.slug, "buyer")
    ).member
    order = Order.objects.create(
        user=member.user, user_email="b@x.io", status="unfulfilled"
    )
    OrderLine.objects.create(
        order=order,
        variant=v,
        product_name="x",
        variant_name="",
        product_sku=v.sku,
        is_shipping_required=True,
        quantity=3,
        unit_price_net_amount=1,
        unit_price_gross_amount=1,
    )
    [row] = reports.below_cost_report(channel)
    assert (row.sku, row.loss_per_unit, row.units_sold) == (v.sku, Decimal("2.50"), 3)
    assert row.acknowledged_by == staff.email and row.total_loss == Decimal("7.50")
    assert row.status == CostStatus.ACKNOWLEDGED


def _raise_settlement(v, amount):
    listing = v.supply_listing
    listing.settlement_price_amount = amount
    listing.save(update_fields=["settlement_price_amount"])


def test_a_settlement_rise_under_a_fixed_price_is_unacknowledged(channel, staff):
    v = variant("ACME-008")
    settlement = v.supply_listing.settlement_price_amount
    price = settlement + Decimal("1")
    pool_admin.save_entries(
        channel, staff, product_ids=[v.product_id], override=RuleOverride(price)
    )
    assert reports.below_cost_report(channel) == []

    _raise_settlement(v, price + Decimal("0.75"))  # the provider's new price

    [row] = reports.below_cost_report(channel)
    assert row.status == CostStatus.UNACKNOWLEDGED and not row.acknowledged
    assert (row.price, row.loss_per_unit, row.units_sold) == (
        price,
        Decimal("0.75"),
        0,
    )
    assert row.acknowledged_by is None and row.stale_ack_price is None
    quote = pricing.variant_quote(channel, v)
    assert pricing.unacknowledged_below_cost(channel, {v.pk: quote}) == {v.pk}

    # Acknowledged as it is (no re-pricing): it sells again, at the same price.
    [item] = pool_admin.acknowledge_current(channel, staff, variant_ids=[v.pk])
    assert item.quote.price == price
    [row] = reports.below_cost_report(channel)
    assert row.status == CostStatus.ACKNOWLEDGED and row.acknowledged_by == staff.email
    assert pricing.unacknowledged_below_cost(channel, {v.pk: quote}) == set()

    # The provider raises again: the old acknowledgement no longer covers it.
    _raise_settlement(v, price + Decimal("2"))
    [row] = reports.below_cost_report(channel)
    assert row.status == CostStatus.UNACKNOWLEDGED
    assert (row.stale_ack_price, row.stale_ack_settlement) == (
        price,
        price + Decimal("0.75"),
    )


def test_a_new_below_cost_price_needs_a_new_acknowledgement(channel, staff):
    v = variant("ACME-010")
    settlement = v.supply_listing.settlement_price_amount
    pool_admin.save_entries(
        channel,
        staff,
        product_ids=[v.product_id],
        override=RuleOverride(fixed_price=settlement - 1),
        acknowledge_below_cost=True,
    )
    with pytest.raises(PriceRuleError) as caught:
        pool_admin.save_entries(
            channel,
            staff,
            product_ids=[v.product_id],
            override=RuleOverride(fixed_price=settlement - 2),
        )
    assert caught.value.code == "below_cost_not_acknowledged"
    [row] = reports.below_cost_report(channel)
    assert row.price == settlement - 1 and row.status == CostStatus.ACKNOWLEDGED


def test_unacknowledged_rows_come_first_and_removal_drops_acks(channel, staff):
    first, second = variant("GH-006"), variant("GH-007")
    for v in (first, second):
        pool_admin.save_entries(
            channel,
            staff,
            product_ids=[v.product_id],
            override=RuleOverride(fixed_price=v.supply_listing.settlement_price_amount),
        )
    pool_admin.acknowledge_current(channel, staff, product_ids=[first.product_id])
    _raise_settlement(first, first.supply_listing.settlement_price_amount + 1)
    _raise_settlement(second, second.supply_listing.settlement_price_amount + 1)
    pool_admin.acknowledge_current(channel, staff, variant_ids=[first.pk])
    statuses = [(r.sku, r.status) for r in reports.below_cost_report(channel)]
    assert statuses == [
        (second.sku, CostStatus.UNACKNOWLEDGED),
        (first.sku, CostStatus.ACKNOWLEDGED),
    ]
    pool_admin.remove_entries(channel, product_ids=[first.product_id])
    assert not BelowCostAcknowledgement.objects.filter(variant=first).exists()


def test_acknowledging_outside_the_pool_is_refused(channel, staff):
    v = variant("GH-008")
    with pytest.raises(PriceRuleError) as caught:
        pool_admin.acknowledge_current(channel, staff, variant_ids=[v.pk])
    assert caught.value.code == "not_found"
    assert not BelowCostAcknowledgement.objects.exists()


def test_secret_rotation_keeps_two_valid_secrets(channel):
    old = channel.sso_secret
    rotated = rotate_secret(channel)
    assert rotated.sso_secret != old and rotated.sso_secret_previous == old
    assert sign_in(channel.slug, channel_token(old, channel.slug, "a"))
    assert sign_in(channel.slug, channel_token(rotated.sso_secret, channel.slug, "a"))
    finish_rotation(rotated)
    assert Channel.objects.get(pk=channel.pk).sso_secret_previous == ""


def test_duplicate_slug_is_refused(channel):
    with pytest.raises(PriceRuleError) as caught:
        create_channel(name="Again", slug=channel.slug)
    assert caught.value.code == "duplicate_slug"
