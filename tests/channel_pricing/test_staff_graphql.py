"""Staff GraphQL over HTTP against the 2-worker server: permissions, typed
error codes, secret rotation, pool edits with preview and the below-cost guard."""

import io
from decimal import Decimal

import pytest
from graphene import Node
from saleor.product.models import ProductVariant

from plugins.channel_pricing.models import Channel, ChannelPoolEntry
from saleor_flash.demo import seed_demo

from .tokens import channel_token

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

CREATE = """
mutation($input: SalesChannelInput!) {
  salesChannelCreate(input: $input) {
    salesChannel { id slug entryPath ssoSecret status rounding }
    channelErrors { field code message }
  }
}"""
ROTATE = """
mutation($id: ID!, $finish: Boolean) {
  salesChannelRotateSecret(id: $id, finish: $finish) {
    salesChannel { ssoSecret ssoSecretPrevious }
    channelErrors { code }
  }
}"""
ITEM_FIELDS = (
    "sku productName settlementPrice { amount } price { amount } margin { amount }"
    " marginPercent belowCost fixedPrice"
)
POOL_ADD = f"""
mutation($channel: ID!, $products: [ID!], $rule: PriceRuleInput, $ack: Boolean) {{
  channelPoolAdd(channel: $channel, productIds: $products, rule: $rule,
                 acknowledgeBelowCost: $ack) {{
    items {{ {ITEM_FIELDS} }}
    channelErrors {{ field code message }}
  }}
}}"""
PREVIEW = f"""
mutation($channel: ID!, $products: [ID!], $rule: PriceRuleInput) {{
  channelPricePreview(channel: $channel, productIds: $products, rule: $rule) {{
    items {{ {ITEM_FIELDS} }}
    channelErrors {{ field code message }}
  }}
}}"""
REMOVE = """
mutation($channel: ID!, $products: [ID!]) {
  channelPoolRemove(channel: $channel, productIds: $products) {
    removedCount channelErrors { code }
  }
}"""
REPORT = """
query($channel: ID) {
  channelBelowCostReport(channel: $channel) {
    channel sku lossPerUnit { amount } unitsSold acknowledgedBy
  }
}"""


def product_id(sku):
    variant = ProductVariant.objects.get(sku=sku)
    return Node.to_global_id("Product", variant.product_id), variant


def test_staff_mutations_need_manage_products(api_server, staff_token):
    no_perm = staff_token()
    for token in (None, no_perm):
        answer = api_server.gql(CREATE, {"input": {"name": "X"}}, token=token)
        assert answer["data"]["salesChannelCreate"] is None
        assert "permission" in answer["errors"][0]["message"]


def test_create_rotate_and_sign_in(api_server, staff_token):
    token = staff_token("manage_products")
    created = api_server.gql(
        CREATE,
        {"input": {"name": "Garden Club", "storefrontUrl": "https://g.example/"}},
        token=token,
    )["data"]["salesChannelCreate"]
    assert created["channelErrors"] == []
    channel = created["salesChannel"]
    assert channel["slug"] == "garden-club"
    assert channel["entryPath"] == "/c/garden-club/"
    assert len(channel["ssoSecret"]) >= 32

    duplicate = api_server.gql(CREATE, {"input": {"name": "Garden Club"}}, token=token)
    errors = duplicate["data"]["salesChannelCreate"]["channelErrors"]
    assert errors[0]["code"] == "DUPLICATE_SLUG" and errors[0]["field"] == "slug"

    rotated = api_server.gql(ROTATE, {"id": channel["id"]}, token=token)
    secrets = rotated["data"]["salesChannelRotateSecret"]["salesChannel"]
    assert secrets["ssoSecretPrevious"] == channel["ssoSecret"]
    sign_in = """mutation($c: String!, $t: String!) {
      channelSignIn(channel: $c, token: $t) { token channelErrors { code } } }"""
    for secret in (channel["ssoSecret"], secrets["ssoSecret"]):
        answer = api_server.gql(
            sign_in, {"c": "garden-club", "t": channel_token(secret, "garden-club")}
        )
        assert answer["data"]["channelSignIn"]["token"], answer
    api_server.gql(ROTATE, {"id": channel["id"], "finish": True}, token=token)
    old = api_server.gql(
        sign_in,
        {"c": "garden-club", "t": channel_token(channel["ssoSecret"], "garden-club")},
    )
    assert old["data"]["channelSignIn"]["channelErrors"][0]["code"] == "BAD_SIGNATURE"


def test_pool_preview_guard_and_report(api_server, staff_token):
    seed_demo(io.StringIO())
    token = staff_token("manage_products")
    channel = Channel.objects.get(slug="travel-club")
    channel_id = Node.to_global_id("SalesChannel", channel.pk)
    product, variant = product_id("ACME-001")  # not in travel-club's demo pool
    settlement = variant.supply_listing.settlement_price_amount
    cheap = str(settlement - Decimal("1.00"))
    args = {"channel": channel_id, "products": [product]}

    preview = api_server.gql(
        PREVIEW, {**args, "rule": {"fixedPrice": cheap}}, token=token
    )["data"]["channelPricePreview"]
    assert preview["channelErrors"] == [], preview
    [item] = preview["items"]
    assert item["belowCost"] and item["fixedPrice"]
    assert item["margin"]["amount"] == -1.0
    assert not ChannelPoolEntry.objects.filter(channel=channel, product=variant.product)

    refused = api_server.gql(
        POOL_ADD, {**args, "rule": {"fixedPrice": cheap}}, token=token
    )["data"]["channelPoolAdd"]
    assert refused["channelErrors"][0]["code"] == "BELOW_COST_NOT_ACKNOWLEDGED"
    assert refused["items"] is None
    assert not ChannelPoolEntry.objects.filter(channel=channel, product=variant.product)

    saved = api_server.gql(
        POOL_ADD, {**args, "rule": {"fixedPrice": cheap}, "ack": True}, token=token
    )["data"]["channelPoolAdd"]
    assert saved["channelErrors"] == [] and saved["items"][0]["price"][
        "amount"
    ] == float(cheap)

    report = api_server.gql(REPORT, {"channel": channel_id}, token=token)
    [row] = report["data"]["channelBelowCostReport"]
    assert (row["sku"], row["lossPerUnit"]["amount"], row["unitsSold"]) == (
        "ACME-001",
        1.0,
        0,
    )
    assert row["acknowledgedBy"].startswith("staff-")

    invalid = api_server.gql(
        POOL_ADD, {**args, "rule": {"platformPct": "-5"}}, token=token
    )["data"]["channelPoolAdd"]
    assert invalid["channelErrors"][0]["code"] == "INVALID_RULE"

    removed = api_server.gql(REMOVE, args, token=token)["data"]["channelPoolRemove"]
    assert removed["removedCount"] == 1


def test_suspending_a_channel_refuses_its_sign_ins(
    api_server, staff_token, make_channel
):
    channel = make_channel()
    token = staff_token("manage_products")
    update = """mutation($id: ID!, $input: SalesChannelInput!) {
      salesChannelUpdate(id: $id, input: $input) {
        salesChannel { status platformPct } channelErrors { code } } }"""
    answer = api_server.gql(
        update,
        {
            "id": Node.to_global_id("SalesChannel", channel.pk),
            "input": {"status": "SUSPENDED", "platformPct": "12.5"},
        },
        token=token,
    )["data"]["salesChannelUpdate"]
    assert answer["channelErrors"] == []
    assert answer["salesChannel"]["status"] == "SUSPENDED"
    sign_in = """mutation($c: String!, $t: String!) {
      channelSignIn(channel: $c, token: $t) { token channelErrors { code } } }"""
    refused = api_server.gql(
        sign_in,
        {"c": channel.slug, "t": channel_token(channel.sso_secret, channel.slug)},
    )["data"]["channelSignIn"]
    assert refused["channelErrors"][0]["code"] == "CHANNEL_SUSPENDED"
