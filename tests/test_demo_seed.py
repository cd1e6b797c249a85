"""The demo seed: complete on the first run, a no-op (for row counts) on the second."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.utils import timezone
from saleor.product.models import Product, ProductVariant
from saleor.shipping.models import ShippingMethod
from saleor.warehouse.models import Stock

from plugins.channel_pricing.models import Channel, ChannelMember, ChannelPoolEntry
from plugins.points_payment import services as points
from plugins.points_payment.models import PointsAccount, PointsTransfer
from plugins.provider_dropship.models import Provider, SupplyListing
from plugins.sale_windows.models import FlashSale
from saleor_flash.demo import seed_demo
from saleor_flash.demo.summary import count_objects

pytestmark = pytest.mark.django_db

LIVE = "Midnight madness"
UPCOMING = "Pre-order: winter boots"


def demo_row_counts():
    """Rows that belong to the demo, found by their natural keys."""
    channels = Channel.objects.filter(slug__in=["wellness-app", "travel-club"])
    return {
        "providers": Provider.objects.filter(
            slug__in=["acme-supply", "golden-harvest"]
        ).count(),
        "variants": ProductVariant.objects.filter(
            sku__regex=r"^(ACME|GH)-0\d\d$"
        ).count(),
        "stocks": Stock.objects.filter(
            warehouse__provider_link__provider__slug__in=[
                "acme-supply",
                "golden-harvest",
            ]
        ).count(),
        "listings": SupplyListing.objects.count(),
        "channels": channels.count(),
        "pool entries": ChannelPoolEntry.objects.filter(channel__in=channels).count(),
        "members": ChannelMember.objects.filter(channel__in=channels).count(),
        "points accounts": PointsAccount.objects.filter(channel__in=channels).count(),
        "transfers": PointsTransfer.objects.filter(
            transfer_id__startswith="demo-issue:"
        ).count(),
        "sales": FlashSale.objects.filter(name__in=[LIVE, UPCOMING]).count(),
        "shipping methods": ShippingMethod.objects.filter(
            shipping_zone__name="Demo worldwide"
        ).count(),
    }


EXPECTED = {
    "providers": 2,
    "variants": 20,
    "stocks": 20,
    "listings": 20,
    "channels": 2,
    "pool entries": 12 + 13,
    "members": 6,
    # per channel: issuance, hold, redeemed, expired, refunded, the period's
    # quota; the allowance channel also one allowance per member
    "points accounts": 6 + 6 + 3,
    "transfers": 3,
    "sales": 2,
    "shipping methods": 1,
}


def test_second_run_creates_nothing():
    first = seed_demo(io.StringIO())
    counts_after_first = count_objects()
    assert demo_row_counts() == EXPECTED
    assert first.created["products"] == 20

    second = seed_demo(io.StringIO())

    assert count_objects() == counts_after_first
    assert demo_row_counts() == EXPECTED
    assert second.created == {}
    assert second.counts == first.counts


def test_command_prints_links_logins_and_secrets(monkeypatch):
    monkeypatch.setenv("FLASH_PORT", "8123")
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()

    assert "seed: providers ... ok" in text
    assert "http://localhost:8123/graphql/" in text
    assert "http://localhost:8123/dashboard-ext/" in text
    assert "merchandiser@example.com / flash-demo-123" in text
    assert "http://localhost:8123/c/wellness-app/" in text
    assert "demo-wellness-secret-change-me" in text
    assert "http://localhost:8123/c/travel-club/" in text
    assert "demo-travel-secret-change-me" in text


def test_store_providers_and_catalogue():
    seed_demo(io.StringIO())

    site = Site.objects.get_current()
    assert (site.domain, site.name) == ("localhost:8000", "Saleor Flash demo")
    method = ShippingMethod.objects.get(shipping_zone__name="Demo worldwide")
    assert (method.name, method.type) == ("Standard", "price")
    assert method.price_amount == Decimal("5.00")
    assert method.minimum_order_price_amount == 0
    zone_countries = {country.code for country in method.shipping_zone.countries}
    assert {"US", "PL", "DE", "GB", "CN"} <= zone_countries

    providers = {p.slug: p for p in Provider.objects.all()}
    assert providers["acme-supply"].onboarding == "sign_up"
    assert providers["golden-harvest"].onboarding == "invitation"
    for provider in providers.values():
        assert provider.status == "approved"
        link = provider.warehouses.get()
        assert link.warehouse.address.country.code == "US"
        assert link.warehouse.shipping_zones.filter(pk=method.shipping_zone_id).exists()
        assert provider.listings.count() == 10

    variant = ProductVariant.objects.select_related("product").get(sku="ACME-001")
    product = variant.product
    assert product.is_published and product.is_visible
    assert product.price_amount == variant.price_override_amount == Decimal("12.90")
    assert product.minimal_variant_price_amount == Decimal("12.90")
    assert product.category.name == "Flash deals"
    assert product.product_type.has_variants
    assert product.product_type.is_shipping_required
    assert Stock.objects.get(product_variant=variant).quantity == 100
    for listing in SupplyListing.objects.select_related("variant__product"):
        assert (
            0 < listing.settlement_price_amount < listing.variant.product.price_amount
        )
    assert not Product.objects.filter(
        minimal_variant_price_amount__isnull=True
    ).exists()


def test_channels_pools_members_and_points():
    seed_demo(io.StringIO())

    wellness = Channel.objects.get(slug="wellness-app")
    travel = Channel.objects.get(slug="travel-club")
    assert (wellness.name, wellness.rounding, wellness.points_quota) == (
        "Wellness App",
        "ninety",
        10_000_000,
    )
    assert (wellness.payment_pct, wellness.platform_pct, wellness.channel_pct) == (
        Decimal("0.6"),
        Decimal("8"),
        Decimal("5"),
    )
    assert (travel.rounding, travel.points_quota) == ("cent", 5_000_000)
    assert wellness.sso_secret and travel.sso_secret

    wellness_pool = set(wellness.pool.values_list("product__variants__sku", flat=True))
    travel_pool = set(travel.pool.values_list("product__variants__sku", flat=True))
    assert len(wellness_pool) == 12 and len(travel_pool) == 13
    assert wellness_pool & travel_pool == {
        "ACME-008",
        "ACME-009",
        "ACME-010",
        "GH-001",
        "GH-002",
    }
    for channel in (wellness, travel):
        assert channel.pool.filter(fixed_price_amount__isnull=False).count() == 1

        members = channel.members.order_by("external_id")
        assert [m.external_id for m in members] == ["m-1001", "m-1002", "m-1003"]
        for member in members:
            assert (
                member.user.email
                == f"{member.external_id}@{channel.slug}.members.local"
            )
            assert member.user.is_active and not member.user.has_usable_password()

    assert points.program_for_channel(wellness.pk).mode == "allowance"
    assert points.program_for_channel(travel.pk).mode == "pass_through"
    for channel in (wellness, travel):
        status = points.quota_status(channel.pk)
        assert status.quota == channel.points_quota
    status = points.quota_status(wellness.pk)
    assert (status.granted, status.remaining) == (150_000, 10_000_000 - 150_000)
    for external_id in ("m-1001", "m-1002", "m-1003"):
        balance = points.balance(wellness.pk, external_id)
        assert (balance.available, balance.held) == (50_000, 0)
        assert balance.expiring[0][0] == 50_000
        assert balance.expiring[0][1] > timezone.now()
        assert points.balance(travel.pk, external_id).available == 50_000
    assert points.quota_status(travel.pk).granted == 0
    assert points.audit() == []


def test_flash_sales_and_logins():
    seed_demo(io.StringIO())
    now = timezone.now()

    live = FlashSale.objects.get(name=LIVE)
    assert live.kind == "while_supplies_last"
    assert live.starts_at <= now < live.ends_at
    assert set(live.channels.values_list("slug", flat=True)) == {
        "wellness-app",
        "travel-club",
    }
    items = list(live.items.select_related("variant__product"))
    assert [i.cap for i in items] == [50, 30, 20]
    assert [i.per_customer_limit for i in items] == [2, 1, None]
    for item in items:
        assert item.sale_price_amount < item.variant.product.price_amount

    upcoming = FlashSale.objects.get(name=UPCOMING)
    assert upcoming.kind == "pre_order"
    assert now < upcoming.starts_at < upcoming.ends_at
    assert upcoming.items.count() == 2

    user_model = get_user_model()
    merchandiser = user_model.objects.get(email="merchandiser@example.com")
    assert merchandiser.is_staff and merchandiser.is_active
    assert merchandiser.check_password("flash-demo-123")
    assert merchandiser.has_perms(
        ["product.manage_products", "discount.manage_discounts", "order.manage_orders"]
    )
    shopper = user_model.objects.get(email="shopper@example.com")
    assert not shopper.is_staff and shopper.check_password("flash-demo-123")


def test_rerun_revives_sales_keeps_sold_and_balances():
    seed_demo(io.StringIO())
    live = FlashSale.objects.get(name=LIVE)
    past = timezone.now() - timedelta(days=10)
    FlashSale.objects.filter(pk=live.pk).update(
        starts_at=past, ends_at=past + timedelta(hours=1), cancelled_at=past
    )
    live.items.filter(cap=50).update(sold=7)
    merchandiser = get_user_model().objects.get(email="merchandiser@example.com")
    merchandiser.set_password("changed")
    merchandiser.save()

    seed_demo(io.StringIO())

    live.refresh_from_db()
    now = timezone.now()
    assert live.starts_at <= now < live.ends_at and live.cancelled_at is None
    assert live.items.get(cap=50).sold == 7
    merchandiser.refresh_from_db()
    assert merchandiser.check_password("flash-demo-123")
    wellness = Channel.objects.get(slug="wellness-app")
    assert points.quota_status(wellness.pk).granted == 3 * 50_000
    member_credits = PointsAccount.objects.filter(
        channel=wellness, kind="allowance"
    ).values_list("credits_posted", flat=True)
    assert list(member_credits) == [50_000] * 3
