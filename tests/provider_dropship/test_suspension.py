"""Suspension: a suspended provider's listings leave every pool and flash
sale at once; reactivation brings them back; nothing stored is removed."""

import uuid
from decimal import Decimal

import pytest

from plugins.channel_pricing import pricing
from plugins.core.models import OutboxMessage
from plugins.provider_dropship import pool
from plugins.sale_windows.reservations import holds
from tests.sale_windows import factories as sale_factories

from .factories import (
    gid,
    make_listing,
    make_provider,
    make_warehouse,
    set_stock,
    staff_user,
    token,
)
from .graphql_client import codes, gql, payload

pytestmark = pytest.mark.django_db

SUSPEND = """
mutation ($id: ID!, $reason: String!) {
  providerSuspend(id: $id, reason: $reason) {
    provider { status suspensionReason } providerErrors { field code }
  }
}"""
REACTIVATE = """
mutation ($id: ID!) {
  providerReactivate(id: $id) { provider { status } providerErrors { code } }
}"""


@pytest.fixture
def flash_item():
    provider = make_provider()
    listing = make_listing(provider)
    set_stock(make_warehouse(provider), listing.variant, 50)
    item = sale_factories.make_item(cap=10, variant=listing.variant)
    yield provider, listing, item
    sale_factories.CREATED.clear()  # rolled back with the test's transaction


def buyer():
    return holds.Buyer(
        customer_key="buyer@example.com", checkout_token=str(uuid.uuid4())
    )


def test_suspended_listings_leave_pools_and_flash_sales_at_once(flash_item):
    provider, listing, item = flash_item
    staff = token(staff_user("manage_providers"))
    assert listing.variant in pricing.platform_pool_variants()
    assert not holds.provider_withdrawn(item.pk)

    answer = gql(SUSPEND, {"id": gid("Provider", provider.pk), "reason": ""}, staff)
    assert codes(answer, "providerSuspend") == ["reason_required"]
    answer = gql(
        SUSPEND, {"id": gid("Provider", provider.pk), "reason": "Late shipments"}, staff
    )
    assert payload(answer, "providerSuspend")["provider"] == {
        "status": "SUSPENDED",
        "suspensionReason": "Late shipments",
    }
    assert listing.variant not in pricing.platform_pool_variants()
    assert pricing.settlement_prices([listing.variant_id]) == {}
    assert pool.withdrawn_listings().filter(pk=listing.pk).exists()
    with pytest.raises(holds.ReservationError) as refused:
        holds.reserve(item.pk, 1, buyer())
    assert refused.value.code == "provider_unavailable"
    mail = OutboxMessage.objects.filter(recipients=[provider.contact_email]).latest(
        "pk"
    )
    assert "Late shipments" in mail.body
    # Nothing stored is removed: listing, stock, the sale's item.
    listing.refresh_from_db()
    assert listing.variant.stocks.get().quantity == 50

    answer = gql(SUSPEND, {"id": gid("Provider", provider.pk), "reason": "x"}, staff)
    assert codes(answer, "providerSuspend") == ["invalid_transition"]
    answer = gql(REACTIVATE, {"id": gid("Provider", provider.pk)}, staff)
    assert payload(answer, "providerReactivate")["provider"]["status"] == "APPROVED"
    assert listing.variant in pricing.platform_pool_variants()
    assert not holds.provider_withdrawn(item.pk)


def test_variants_without_a_listing_are_not_affected():
    item = sale_factories.make_item(cap=5)
    try:
        assert not holds.provider_withdrawn(item.pk)
    finally:
        sale_factories.CREATED.clear()


def test_a_package_with_a_suspended_providers_item_is_refused():
    from plugins.sale_windows import packages
    from plugins.sale_windows.models import Reservation

    provider = make_provider()
    listing = make_listing(provider)
    other = sale_factories.make_variant()
    sale, _ = sale_factories.make_package_sale(
        [listing.variant, other], [5, 5], [Decimal("5"), Decimal("5")]
    )
    sale_factories.CREATED.clear()
    provider.status = "suspended"
    provider.save(update_fields=["status"])
    with pytest.raises(holds.ReservationError) as refused:
        packages.reserve_package(sale.pk, 1, buyer())
    assert refused.value.code == "provider_unavailable"
    assert not Reservation.objects.filter(item__sale=sale).exists()


def test_flash_sale_reserve_answers_a_typed_error(flash_item):
    provider, _, item = flash_item
    provider.status = "suspended"
    provider.save(update_fields=["status"])
    checkout = sale_factories.make_checkout()
    answer = gql(
        "mutation ($item: ID!, $checkout: ID!) { flashSaleReserve(itemId: $item,"
        " quantity: 1, checkoutId: $checkout) { reservation { id }"
        " flashSaleErrors { field code } } }",
        {
            "item": gid("FlashSaleItem", item.pk),
            "checkout": gid("Checkout", checkout.token),
        },
    )
    assert answer["data"]["flashSaleReserve"] == {
        "reservation": None,
        "flashSaleErrors": [{"field": "quantity", "code": "PROVIDER_UNAVAILABLE"}],
    }


def test_a_checkout_with_a_suspended_providers_goods_is_refused_before_payment(
    flash_item,
):
    from django.core.exceptions import ValidationError
    from saleor.checkout.models import Checkout, CheckoutLine

    from plugins.provider_dropship.plugin import ProviderDropshipPlugin

    provider, listing, _ = flash_item
    checkout = Checkout.objects.create(email="buyer@example.com")
    CheckoutLine.objects.create(checkout=checkout, variant=listing.variant, quantity=1)
    other = sale_factories.make_variant()
    CheckoutLine.objects.create(checkout=checkout, variant=other, quantity=1)
    plugin = ProviderDropshipPlugin(configuration=[], active=True)
    assert plugin.preprocess_order_creation(checkout, [], previous_value="x") == "x"

    provider.status = "suspended"
    provider.save(update_fields=["status"])
    loaded = Checkout.objects.prefetch_related("lines__variant__product").get(
        pk=checkout.pk
    )
    with pytest.raises(ValidationError) as refused:
        plugin.preprocess_order_creation(loaded, [], previous_value="x")
    [error] = refused.value.error_dict["lines"]
    assert getattr(error.code, "value", error.code) == "product_not_published"
    assert str(listing.variant.product) in error.message
    inactive = ProviderDropshipPlugin(configuration=[], active=False)
    assert inactive.preprocess_order_creation(loaded, [], previous_value="x") == "x"
