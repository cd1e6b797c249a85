"""The channel plugin's Saleor hooks in-process, through Saleor's plugin manager."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from prices import Money, TaxedMoney
from saleor.checkout.models import Checkout, CheckoutLine
from saleor.order.models import Order, OrderLine
from saleor.plugins.manager import get_plugins_manager
from saleor.plugins.models import PluginConfiguration
from saleor.product.models import ProductVariant

from plugins.channel_pricing import pricing
from plugins.channel_pricing.models import Channel
from plugins.channel_pricing.sign_in import sign_in
from plugins.sale_windows.models import FlashSale, FlashSaleItem, Reservation

from .tokens import channel_token

pytestmark = pytest.mark.django_db

SKU = "ACME-009"


def member_user(slug, sub="hooks"):
    channel = Channel.objects.get(slug=slug)
    token = channel_token(channel.sso_secret, slug, sub)
    return sign_in(slug, token).member.user, channel


def checkout_line(user, quantity=3):
    variant = ProductVariant.objects.get(sku=SKU)
    checkout = Checkout.objects.create(user=user, email="m@example.com")
    return CheckoutLine.objects.create(
        checkout=checkout, variant=variant, quantity=quantity
    )


def channel_price(channel):
    return pricing.variant_quote(channel, ProductVariant.objects.get(sku=SKU)).price


def test_member_checkout_line_is_priced_by_the_channel(demo):
    user, channel = member_user("wellness-app")
    line = checkout_line(user)
    total = get_plugins_manager().calculate_checkout_line_total(line, [])
    assert total.gross.amount == channel_price(channel) * 3


def test_order_line_unit_of_a_member(demo):
    user, channel = member_user("travel-club")
    variant = ProductVariant.objects.get(sku=SKU)
    order = Order.objects.create(user=user, user_email="m@example.com")
    line = OrderLine.objects.create(
        order=order,
        variant=variant,
        product_name="x",
        variant_name="",
        product_sku=SKU,
        is_shipping_required=True,
        quantity=2,
        unit_price=TaxedMoney(Money(1, "USD"), Money(1, "USD")),
    )
    unit = get_plugins_manager().calculate_order_line_unit(line)
    assert unit.gross.amount == channel_price(channel)


def test_inactive_plugin_leaves_saleors_price(demo):
    user, _ = member_user("wellness-app")
    line = checkout_line(user)
    saleor_total = line.variant.get_price([]).amount * 3
    PluginConfiguration.objects.create(
        identifier="flash.channel_pricing", name="Channel pricing", active=False
    )
    total = get_plugins_manager().calculate_checkout_line_total(line, [])
    assert total.gross.amount == saleor_total


def test_flash_hold_takes_precedence_for_the_held_units_only(demo):
    user, channel = member_user("wellness-app", "flash-buyer")
    line = checkout_line(user, quantity=3)
    now = timezone.now()
    sale = FlashSale.objects.create(
        name="Hooks test",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
    )
    item = FlashSaleItem.objects.create(
        sale=sale, variant=line.variant, sale_price_amount=Decimal("5.00"), cap=10
    )
    Reservation.objects.create(
        item=item,
        customer=user,
        customer_key=f"user:{user.pk}",
        checkout_token=line.checkout.token,
        quantity=1,
        expires_at=now + timedelta(minutes=5),
    )
    total = get_plugins_manager().calculate_checkout_line_total(line, [])
    assert total.gross.amount == Decimal("5.00") + 2 * channel_price(channel)


def test_members_of_a_suspended_channel_cannot_complete_checkouts(demo):
    from plugins.channel_pricing.member_checkout import refusal_for_checkout

    user, channel = member_user("wellness-app", "paused")
    variant = ProductVariant.objects.get(sku=SKU)
    lines = [(variant.pk, variant.product_id, "x")]
    assert refusal_for_checkout(user.pk, lines) is None
    Channel.objects.filter(pk=channel.pk).update(status="suspended")
    assert "suspended" in refusal_for_checkout(user.pk, lines)
    assert refusal_for_checkout(None, lines) is None  # anonymous: not ours to refuse


def test_signed_in_non_members_and_anonymous_keep_saleors_price(demo):
    from saleor.account.models import User

    shopper = User.objects.create_user("shopper-x@example.com", "pw")
    for user in (shopper, None):
        line = checkout_line(user)
        total = get_plugins_manager().calculate_checkout_line_total(line, [])
        assert total.gross.amount == line.variant.get_price([]).amount * 3


def test_the_pool_check_before_payment_reads_the_lines_that_will_be_ordered(demo):
    """#10 item 7: checkoutComplete makes the order of the lines it loaded
    first; the channel's pool check must refuse those, not a fresh read in
    which the outside line was already deleted."""
    from django.core.exceptions import ValidationError

    from plugins.channel_pricing.plugin import ChannelPricingPlugin

    user, channel = member_user("wellness-app", "loaded-lines")
    variants = list(ProductVariant.objects.all())
    quotes = pricing.quotes_for_variants(
        channel, [(variant.pk, variant.product_id) for variant in variants]
    )
    outside = next(variant for variant in variants if variant.pk not in quotes)
    inside = ProductVariant.objects.get(sku=SKU)
    checkout = Checkout.objects.create(user=user, email="m@example.com")
    CheckoutLine.objects.create(checkout=checkout, variant=inside, quantity=1)
    CheckoutLine.objects.create(checkout=checkout, variant=outside, quantity=1)
    loaded = Checkout.objects.prefetch_related("lines").get(pk=checkout.pk)
    list(loaded)  # what checkoutComplete holds: lines loaded at its start
    CheckoutLine.objects.filter(checkout=checkout, variant=outside).delete()

    plugin = ChannelPricingPlugin(configuration=[], active=True)
    with pytest.raises(ValidationError) as refused:
        plugin.preprocess_order_creation(loaded, [], previous_value=None)
    assert "Not available in" in str(refused.value)
