"""A price that fell below cost is never sold silently (over HTTP, 2 workers).

A provider raises its settlement price above a channel's fixed price: staff
see the item as UNACKNOWLEDGED in channelBelowCostReport, members see it
unavailable in channelCatalog and checkoutComplete refuses it before payment;
once a staff user acknowledges that price against that settlement price it
sells again, and a further settlement rise stops it again.
"""

import io
from decimal import Decimal

import pytest
from graphene import Node
from saleor.order.models import Order
from saleor.payment import ChargeStatus
from saleor.payment.models import Payment
from saleor.product.models import ProductVariant

from plugins.channel_pricing.models import Channel
from saleor_flash.demo import seed_demo

from .test_member_checkout import QUANTITY, buy, member_token

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

SKU = "ACME-003"  # fixed at 34.90 in wellness-app's demo pool, no flash sale
PRICE = Decimal("34.90")
CATALOG = """query($c: String!, $s: String) {
  channelCatalog(channel: $c, search: $s) {
    edges { node { priceFrom { amount }
      variants { sku price { amount } available unavailableReason } } } } }"""
REPORT = """query($c: ID) { channelBelowCostReport(channel: $c) {
  channel sku variant { sku } status acknowledged acknowledgedBy acknowledgedAt
  price { amount } settlementPrice { amount } lossPerUnit { amount } unitsSold
  totalLoss { amount } previouslyAcknowledgedPrice { amount }
  previouslyAcknowledgedSettlementPrice { amount } } }"""
ACKNOWLEDGE = """mutation($c: ID!, $v: [ID!]) {
  channelBelowCostAcknowledge(channel: $c, variantIds: $v) {
    items { sku belowCost price { amount } settlementPrice { amount } }
    channelErrors { field code message } } }"""


@pytest.fixture
def demo_world(api_server):
    return seed_demo(io.StringIO())


def set_settlement(amount):
    listing = ProductVariant.objects.get(sku=SKU).supply_listing
    listing.settlement_price_amount = amount
    listing.save(update_fields=["settlement_price_amount"])


def catalog_variant(api_server, token):
    answer = api_server.gql(CATALOG, {"c": "wellness-app", "s": SKU}, token=token)
    [edge] = answer["data"]["channelCatalog"]["edges"]
    [variant] = edge["node"]["variants"]
    return edge["node"], variant


def report(api_server, staff, channel_id):
    answer = api_server.gql(REPORT, {"c": channel_id}, token=staff)
    assert "errors" not in answer, answer
    return [r for r in answer["data"]["channelBelowCostReport"] if r["sku"] == SKU]


def amount(money):
    return Decimal(str(money["amount"]))


def test_a_settlement_rise_stops_sales_until_staff_acknowledge(
    api_server, demo_world, staff_token
):
    staff = staff_token("manage_products")
    channel_id = Node.to_global_id(
        "SalesChannel", Channel.objects.get(slug="wellness-app").pk
    )
    variant_id = Node.to_global_id(
        "ProductVariant", ProductVariant.objects.get(sku=SKU).pk
    )
    token = member_token(api_server, "wellness-app", "below-cost-buyer")
    _, variant = catalog_variant(api_server, token)
    assert variant["available"] and amount(variant["price"]) == PRICE
    assert report(api_server, staff, channel_id) == []

    set_settlement(Decimal("36.00"))  # the provider's new price: 1.10 under cost

    [row] = report(api_server, staff, channel_id)
    assert (row["status"], row["acknowledged"], row["acknowledgedBy"]) == (
        "UNACKNOWLEDGED",
        False,
        None,
    )
    assert (amount(row["price"]), amount(row["settlementPrice"])) == (
        PRICE,
        Decimal("36"),
    )
    assert amount(row["lossPerUnit"]) == Decimal("1.10") and row["unitsSold"] == 0
    assert row["channel"] == "wellness-app" and row["variant"]["sku"] == SKU

    node, variant = catalog_variant(api_server, token)
    assert variant["available"] is False
    assert (
        "price below cost awaits staff acknowledgement"
        in (variant["unavailableReason"])
    )
    assert node["priceFrom"] is None  # its only variant cannot be bought

    orders_before = Order.objects.count()
    _, order, errors = buy(api_server, SKU, token)
    assert order is None
    assert (errors[0]["code"], errors[0]["field"]) == ("PRODUCT_NOT_PUBLISHED", "lines")
    assert "price below cost awaits staff acknowledgement" in errors[0]["message"]
    assert Order.objects.count() == orders_before
    payment = Payment.objects.order_by("-pk").first()
    assert payment.charge_status == ChargeStatus.NOT_CHARGED
    assert payment.order_id is None

    # A member cannot acknowledge; a staff user can, without re-pricing.
    denied = api_server.gql(ACKNOWLEDGE, {"c": channel_id, "v": [variant_id]}, token)
    assert denied["data"]["channelBelowCostAcknowledge"] is None
    done = api_server.gql(ACKNOWLEDGE, {"c": channel_id, "v": [variant_id]}, staff)
    payload = done["data"]["channelBelowCostAcknowledge"]
    assert payload["channelErrors"] == []
    [item] = payload["items"]
    assert item["belowCost"] and amount(item["price"]) == PRICE

    [row] = report(api_server, staff, channel_id)
    assert row["status"] == "ACKNOWLEDGED" and row["acknowledged"]
    assert row["acknowledgedBy"].startswith("staff-") and row["acknowledgedAt"]

    _, variant = catalog_variant(api_server, token)
    assert variant["available"] and variant["unavailableReason"] is None
    checkout_unit, order_unit, errors = buy(api_server, SKU, token)
    assert errors == [] and checkout_unit == order_unit == PRICE
    [row] = report(api_server, staff, channel_id)
    assert row["unitsSold"] == QUANTITY
    assert amount(row["totalLoss"]) == Decimal("1.10") * QUANTITY

    # The acknowledgement was for 34.90 against 36.00: another rise stops it.
    set_settlement(Decimal("36.50"))
    [row] = report(api_server, staff, channel_id)
    assert row["status"] == "UNACKNOWLEDGED" and row["acknowledgedBy"] is None
    assert amount(row["previouslyAcknowledgedPrice"]) == PRICE
    assert amount(row["previouslyAcknowledgedSettlementPrice"]) == Decimal("36")
    _, variant = catalog_variant(api_server, token)
    assert variant["available"] is False
    _, order, errors = buy(api_server, SKU, token)
    assert order is None and errors[0]["code"] == "PRODUCT_NOT_PUBLISHED"
