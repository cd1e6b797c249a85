"""Members of two channels buy the same variant over HTTP (2-worker server):
catalog, checkout and order prices are equal for each; a member cannot buy
outside their pool; anonymous shoppers pay Saleor's price."""

import io
from decimal import Decimal

import pytest
from graphene import Node
from saleor.discount.utils import fetch_active_discounts
from saleor.order.models import Order
from saleor.payment import ChargeStatus
from saleor.payment.models import Payment
from saleor.product.models import ProductVariant

from plugins.channel_pricing.models import Channel
from saleor_flash.demo import seed_demo
from tests.storefront import ADDRESS

from .tokens import channel_token

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

SIGN_IN = """mutation($c: String!, $t: String!) {
  channelSignIn(channel: $c, token: $t) { token channelErrors { code } } }"""
CATALOG = """query($c: String!, $s: String) {
  channelCatalog(channel: $c, search: $s) {
    edges { node { variants { sku price { amount } } } } } }"""
CREATE = """mutation($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) {
    checkout { id lines { quantity variant { sku } totalPrice { gross { amount } } }
               subtotalPrice { gross { amount } }
               availableShippingMethods { id } }
    checkoutErrors { field code message } } }"""
SHIPPING = """mutation($id: ID!, $m: ID!) {
  checkoutShippingMethodUpdate(checkoutId: $id, shippingMethodId: $m) {
    checkout { totalPrice { gross { amount } } } checkoutErrors { code } } }"""
PAY = """mutation($id: ID!, $input: PaymentInput!) {
  checkoutPaymentCreate(checkoutId: $id, input: $input) {
    payment { id } paymentErrors { code message } } }"""
COMPLETE = """mutation($id: ID!) {
  checkoutComplete(checkoutId: $id) {
    order { id lines { productSku quantity unitPrice { gross { amount } } } }
    checkoutErrors { field code message } } }"""

QUANTITY = 3


def saleor_price_of(sku):
    """Saleor's own unit price (the unified sale price, Saleor discounts applied)."""
    variant = ProductVariant.objects.get(sku=sku)
    return variant.get_price(fetch_active_discounts()).amount


def member_token(api_server, slug, sub):
    secret = Channel.objects.get(slug=slug).sso_secret
    answer = api_server.gql(SIGN_IN, {"c": slug, "t": channel_token(secret, slug, sub)})
    return answer["data"]["channelSignIn"]["token"]


def catalog_price(api_server, slug, sku, token):
    answer = api_server.gql(CATALOG, {"c": slug, "s": sku}, token=token)
    for edge in answer["data"]["channelCatalog"]["edges"]:
        for variant in edge["node"]["variants"]:
            if variant["sku"] == sku:
                return Decimal(str(variant["price"]["amount"]))
    raise AssertionError(f"{sku} not in {slug}'s catalog: {answer}")


def buy(api_server, sku, token=None, email="buyer@example.com"):
    """Checkout over GraphQL; returns (checkout line unit, order line unit, errors)."""
    variant_id = Node.to_global_id(
        "ProductVariant", ProductVariant.objects.get(sku=sku).pk
    )
    created = api_server.gql(
        CREATE,
        {
            "input": {
                "email": email,
                "lines": [{"variantId": variant_id, "quantity": QUANTITY}],
                "shippingAddress": ADDRESS,
                "billingAddress": ADDRESS,
            }
        },
        token=token,
    )["data"]["checkoutCreate"]
    assert created["checkoutErrors"] == [], created
    checkout = created["checkout"]
    [line] = checkout["lines"]
    line_unit = Decimal(str(line["totalPrice"]["gross"]["amount"])) / QUANTITY
    method = checkout["availableShippingMethods"][0]["id"]
    shipped = api_server.gql(SHIPPING, {"id": checkout["id"], "m": method}, token=token)
    total = shipped["data"]["checkoutShippingMethodUpdate"]["checkout"]["totalPrice"]
    paid = api_server.gql(
        PAY,
        {
            "id": checkout["id"],
            "input": {
                "gateway": "mirumee.payments.dummy",
                "token": "charged",
                "amount": total["gross"]["amount"],
            },
        },
        token=token,
    )
    assert paid["data"]["checkoutPaymentCreate"]["paymentErrors"] == [], paid
    done = api_server.gql(COMPLETE, {"id": checkout["id"]}, token=token)
    payload = done["data"]["checkoutComplete"]
    if payload["checkoutErrors"]:
        return line_unit, None, payload["checkoutErrors"]
    [order_line] = payload["order"]["lines"]
    assert order_line["quantity"] == QUANTITY
    return line_unit, Decimal(str(order_line["unitPrice"]["gross"]["amount"])), []


@pytest.fixture
def demo_world(api_server):
    return seed_demo(io.StringIO())


def test_members_of_two_channels_pay_their_channel_price_everywhere(
    api_server, demo_world
):
    sku = "ACME-009"  # in both demo pools, at different markups
    prices = {}
    for slug in ("wellness-app", "travel-club"):
        token = member_token(api_server, slug, "same-person")
        catalog = catalog_price(api_server, slug, sku, token)
        checkout, order, errors = buy(api_server, sku, token)
        assert errors == []
        assert catalog == checkout == order, (slug, catalog, checkout, order)
        prices[slug] = catalog
    assert prices["wellness-app"] != prices["travel-club"]
    saleor_price = saleor_price_of(sku)
    assert saleor_price not in prices.values()


def test_anonymous_and_non_members_pay_saleors_price(api_server, demo_world):
    sku = "ACME-009"
    saleor_price = saleor_price_of(sku)
    checkout, order, errors = buy(api_server, sku)
    assert errors == [] and checkout == order == saleor_price


def test_a_member_cannot_buy_outside_the_pool_and_is_not_charged(
    api_server, demo_world
):
    sku = "GH-009"  # only in travel-club's pool
    token = member_token(api_server, "wellness-app", "outsider")
    orders_before = Order.objects.count()

    _, order, errors = buy(api_server, sku, token)

    assert order is None
    assert errors[0]["code"] == "PRODUCT_NOT_PUBLISHED"
    assert errors[0]["field"] == "lines"
    assert "Not available in Wellness App" in errors[0]["message"]
    assert Order.objects.count() == orders_before
    payment = Payment.objects.order_by("-pk").first()
    assert payment.charge_status == ChargeStatus.NOT_CHARGED
    # ...and cannot read that channel's catalog either.
    denied = api_server.gql(CATALOG, {"c": "travel-club", "s": sku}, token=token)
    assert denied["data"]["channelCatalog"] is None
