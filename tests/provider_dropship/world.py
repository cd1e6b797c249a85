"""Builders for sub-order tests: providers with a warehouse in the demo
shipping zone, variants stocked there with a settlement-price listing, and
orders placed through Saleor's real checkoutComplete (in-process GraphQL or
over HTTP), so the split runs in Saleor's ``order_created`` hook."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, List, Optional, Sequence, Tuple

import graphene
from saleor.account.models import Address, User
from saleor.product import utils as _product_utils  # noqa: F401 (import order)
from saleor.product.models import Category, Product, ProductType, ProductVariant
from saleor.warehouse.models import Stock, Warehouse

from plugins.provider_dropship.models import (
    Provider,
    ProviderUser,
    ProviderWarehouse,
    SupplyListing,
)
from saleor_flash.demo.store import ensure_shipping_zone, ensure_site
from saleor_flash.demo.summary import Tally
from tests.storefront import (
    ADDRESS,
    CHECKOUT_CREATE,
    COMPLETE,
    PAYMENT_CREATE,
    SHIPPING_UPDATE,
)
from tests.support import gql_in_process

SECRET = "whsec_provider_test_secret"

BUYER_ADDRESS = dict(ADDRESS, phone="+8613800138000")


@dataclass
class Supplier:
    provider: Provider
    warehouse: Warehouse
    user: User
    variants: List[ProductVariant]


def gid(type_name: str, pk) -> str:
    return graphene.Node.to_global_id(type_name, str(pk))


def store() -> None:
    tally = Tally()
    ensure_site(tally)
    ensure_shipping_zone(tally)


def make_variant(tag: str, price: Decimal) -> ProductVariant:
    product_type, _ = ProductType.objects.get_or_create(
        slug="provider-test-type",
        defaults={"name": "Provider test type", "has_variants": True},
    )
    category, _ = Category.objects.get_or_create(
        slug="provider-test-category", defaults={"name": "Provider test category"}
    )
    product = Product.objects.create(
        product_type=product_type,
        category=category,
        name=f"Provider product {tag}",
        slug=f"provider-test-{tag}",
        price_amount=price,
        minimal_variant_price_amount=price,
        is_published=True,
    )
    return ProductVariant.objects.create(
        product=product, sku=f"PROV-{tag}", name=f"Variant {tag}", track_inventory=True
    )


def make_supplier(
    variants: int = 1,
    stock: int = 50,
    price: Decimal = Decimal("20.00"),
    settlement: Decimal = Decimal("12.00"),
    webhook_url: str = "",
) -> Supplier:
    """An approved provider, its user, its warehouse in the demo zone and
    ``variants`` variants stocked there with a listing."""
    from saleor.shipping.models import ShippingZone

    from saleor_flash.demo import data

    tag = uuid.uuid4().hex[:8]
    zone = ShippingZone.objects.get(name=data.SHIPPING_ZONE_NAME)
    provider = Provider.objects.create(
        name=f"Provider {tag}",
        slug=f"provider-{tag}",
        status="approved",
        contact_email=f"orders-{tag}@provider.test",
        webhook_url=webhook_url,
        webhook_secret=SECRET if webhook_url else "",
    )
    user = User.objects.create_user(f"staff-{tag}@provider.test", "provider-password")
    ProviderUser.objects.create(provider=provider, user=user, role="owner")
    warehouse = Warehouse.objects.create(
        slug=f"provider-wh-{tag}",
        name=f"Provider warehouse {tag}",
        company_name=provider.name,
        email=provider.contact_email,
        address=Address.objects.create(
            street_address_1="1 Depot Rd", city="New York", country="US"
        ),
    )
    warehouse.shipping_zones.add(zone)
    ProviderWarehouse.objects.create(provider=provider, warehouse=warehouse)
    made = []
    for n in range(variants):
        variant = make_variant(f"{tag}-{n}", price)
        Stock.objects.create(
            warehouse=warehouse, product_variant=variant, quantity=stock
        )
        SupplyListing.objects.create(
            provider=provider, variant=variant, settlement_price_amount=settlement
        )
        made.append(variant)
    return Supplier(provider, warehouse, user, made)


def token_for(user) -> str:
    from graphql_jwt.shortcuts import get_token

    return get_token(user)


def _ok(response, field):
    assert "errors" not in response, response
    payload = response["data"][field]
    for key in ("checkoutErrors", "paymentErrors"):
        assert not payload.get(key), payload[key]
    return payload


Gql = Callable[..., dict]


def place_order(
    lines: Sequence[Tuple[ProductVariant, int]],
    email: Optional[str] = None,
    token: Optional[str] = None,
    gql: Gql = gql_in_process,
    before_payment: Optional[Callable[[dict], None]] = None,
) -> dict:
    """checkoutCreate → shipping → dummy payment → checkoutComplete; the order.
    ``before_payment(checkout)`` runs after checkoutCreate (flash holds)."""
    email = email or f"buyer-{uuid.uuid4().hex[:8]}@example.com"
    checkout = _ok(
        gql(
            CHECKOUT_CREATE,
            {
                "input": {
                    "email": email,
                    "lines": [
                        {"variantId": gid("ProductVariant", v.pk), "quantity": q}
                        for v, q in lines
                    ],
                    "shippingAddress": BUYER_ADDRESS,
                    "billingAddress": BUYER_ADDRESS,
                }
            },
            token,
        ),
        "checkoutCreate",
    )["checkout"]
    if before_payment is not None:
        before_payment(checkout)
    method = checkout["availableShippingMethods"][0]["id"]
    total = _ok(
        gql(
            SHIPPING_UPDATE,
            {"checkoutId": checkout["id"], "shippingMethodId": method},
            token,
        ),
        "checkoutShippingMethodUpdate",
    )["checkout"]["totalPrice"]["gross"]["amount"]
    _ok(
        gql(
            PAYMENT_CREATE,
            {
                "checkoutId": checkout["id"],
                "input": {
                    "gateway": "mirumee.payments.dummy",
                    "token": "charged",
                    "amount": total,
                },
            },
            token,
        ),
        "checkoutPaymentCreate",
    )
    return _ok(
        gql(COMPLETE, {"checkoutId": checkout["id"]}, token), "checkoutComplete"
    )["order"]


SUB_ORDERS = """
query($status: SubOrderStatus) {
  providerSubOrders(first: 50, status: $status) {
    edges { node {
      id status reference carrier trackingNumber orderShipmentState
      settlementAmount { amount }
      shipTo { name phone streetAddress1 city country }
      lines { id quantity cancelledQuantity openQuantity sku
              settlementPrice { amount } }
    } }
  }
}"""
SHIPMENTS = """
query($orderId: ID!) {
  orderShipments(orderId: $orderId) {
    id status providerName carrier trackingNumber
    lines { sku quantity cancelledQuantity }
  }
  orderShipmentState(orderId: $orderId)
}"""
_SUB_ORDER_FIELDS = (
    "subOrder { id status carrier trackingNumber } "
    "subOrderErrors { field code message }"
)


def _mutation(signature: str, call: str) -> str:
    return f"mutation({signature}) {{ {call} {{ {_SUB_ORDER_FIELDS} }} }}"


ACCEPT = _mutation("$id: ID!", "subOrderAccept(id: $id)")
SHIP = _mutation(
    "$id: ID!, $carrier: String, $tracking: String",
    "subOrderShip(id: $id, carrier: $carrier, trackingNumber: $tracking)",
)
DELIVER = _mutation("$id: ID!", "subOrderDeliver(id: $id)")
TRACKING = _mutation(
    "$id: ID!, $carrier: String!, $tracking: String!",
    "subOrderTrackingUpdate(id: $id, carrier: $carrier, trackingNumber: $tracking)",
)
CANCEL = _mutation(
    "$id: ID!, $lines: [SubOrderLineCancelInput!]!, $reason: String!",
    "subOrderCancelLines(id: $id, lines: $lines, reason: $reason)",
)
