"""channelCatalog in-process: prices, pagination, search, isolation, and a
query count that does not grow with the page size."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User

from plugins.channel_pricing import pricing
from plugins.channel_pricing.models import Channel
from plugins.channel_pricing.sign_in import sign_in
from tests.support import gql_in_process

from .tokens import channel_token

pytestmark = pytest.mark.django_db

CATALOG = """
query($channel: String!, $first: Int, $after: String, $search: String) {
  channelCatalog(channel: $channel, first: $first, after: $after, search: $search) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      name
      priceFrom { amount currency }
      product { id name }
      variants { sku price { amount } variant { id }
                 flashOffers { saleName status salePrice { amount } remaining } }
    } }
  }
}"""


def gql(query, variables, token=None):
    return gql_in_process(query, variables, token)


def member_token(slug, sub="catalog-member"):
    channel = Channel.objects.get(slug=slug)
    return sign_in(slug, channel_token(channel.sso_secret, slug, sub)).saleor_token


def test_member_sees_the_pool_with_channel_prices(demo):
    channel = Channel.objects.get(slug="wellness-app")
    answer = gql(
        CATALOG, {"channel": "wellness-app", "first": 100}, member_token("wellness-app")
    )
    assert "errors" not in answer, answer
    catalog = answer["data"]["channelCatalog"]
    assert catalog["totalCount"] == 12 == len(catalog["edges"])
    variants = pricing.pool_variants(channel)
    expected = {
        v.sku: float(q.price)
        for v in variants
        for q in [pricing.variant_quote(channel, v)]
    }
    seen = {
        variant["sku"]: variant["price"]["amount"]
        for edge in catalog["edges"]
        for variant in edge["node"]["variants"]
    }
    assert seen == expected
    # The demo's fixed price is what the catalog shows.
    assert seen["ACME-003"] == 34.90


def test_pages_follow_cursors_and_search(demo):
    token = member_token("travel-club")
    names, after = [], None
    while True:
        page = gql(
            CATALOG, {"channel": "travel-club", "first": 5, "after": after}, token
        )["data"]["channelCatalog"]
        names += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(names) == len(set(names)) == 13
    assert names == sorted(names)
    found = gql(
        CATALOG, {"channel": "travel-club", "search": names[3][:6].lower()}, token
    )["data"]["channelCatalog"]
    assert names[3] in [edge["node"]["name"] for edge in found["edges"]]


def test_a_member_of_one_channel_cannot_read_another(demo):
    token = member_token("wellness-app")
    answer = gql(CATALOG, {"channel": "travel-club"}, token)
    assert answer["data"]["channelCatalog"] is None
    assert "not a member" in answer["errors"][0]["message"]
    anonymous = gql(CATALOG, {"channel": "wellness-app"})
    assert anonymous["data"]["channelCatalog"] is None


def test_a_suspended_channel_refuses_its_members_catalog(demo):
    token = member_token("wellness-app", "suspended-reader")
    assert gql(CATALOG, {"channel": "wellness-app"}, token)["data"]["channelCatalog"]
    Channel.objects.filter(slug="wellness-app").update(status="suspended")

    answer = gql(CATALOG, {"channel": "wellness-app"}, token)

    assert answer["data"]["channelCatalog"] is None
    [error] = answer["errors"]
    assert error["extensions"]["exception"]["code"] == "CHANNEL_SUSPENDED"
    assert "Wellness App is suspended" in error["message"]
    # Staff still read it (to manage the channel while it is suspended).
    staff = User.objects.create_user("cat-staff@example.com", "pw", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename="manage_products"))
    as_staff = gql(CATALOG, {"channel": "wellness-app"}, get_token(staff))
    assert as_staff["data"]["channelCatalog"]["totalCount"] > 0
    # Resumed: the same member reads it again.
    Channel.objects.filter(slug="wellness-app").update(status="active")
    assert gql(CATALOG, {"channel": "wellness-app"}, token)["data"]["channelCatalog"]


def test_query_count_does_not_grow_with_page_size(demo):
    token = member_token("travel-club")
    gql(CATALOG, {"channel": "travel-club", "first": 2}, token)  # warm caches
    counts = {}
    for size in (2, 13):
        with CaptureQueriesContext(connection) as queries:
            answer = gql(CATALOG, {"channel": "travel-club", "first": size}, token)
        assert len(answer["data"]["channelCatalog"]["edges"]) == size
        counts[size] = len(queries)
    assert counts[2] == counts[13], counts
