"""Provider isolation: provider B's users cannot read or work A's
sub-orders, lines or buyer data, whatever ids they send; the order's
shipments are shown to its owner and staff only."""

from __future__ import annotations

import pytest
from saleor.account.models import User
from saleor.order.models import Order

from plugins.provider_dropship.models import SubOrder
from tests.support import gql_in_process as gql

from .world import (
    ACCEPT,
    CANCEL,
    DELIVER,
    SHIP,
    SHIPMENTS,
    SUB_ORDERS,
    TRACKING,
    gid,
    make_supplier,
    place_order,
    store,
    token_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    store()
    buyer = User.objects.create_user("owner@buyer.test", "buyer-password")
    a, b = make_supplier(), make_supplier()
    placed = place_order(
        [(a.variants[0], 1), (b.variants[0], 1)],
        email=buyer.email,
        token=token_for(buyer),
    )
    order = Order.objects.get(token=placed["token"])
    return a, b, buyer, order


def test_a_provider_lists_only_its_own_sub_orders(world):
    a, b, _, order = world
    nodes = gql(SUB_ORDERS, {}, token_for(b.user))["data"]["providerSubOrders"]
    ids = [edge["node"]["id"] for edge in nodes["edges"]]
    assert ids == [
        gid("ProviderSubOrder", SubOrder.objects.get(provider=b.provider).pk)
    ]
    text = str(nodes)
    assert "owner@buyer.test" not in text  # never the buyer's e-mail
    assert a.variants[0].sku not in text

    anonymous = gql(SUB_ORDERS, {})["data"]["providerSubOrders"]["edges"]
    assert anonymous == []
    stranger = User.objects.create_user("nobody@example.com", "password-nobody")
    assert (
        gql(SUB_ORDERS, {}, token_for(stranger))["data"]["providerSubOrders"]["edges"]
        == []
    )


@pytest.mark.parametrize(
    "query, variables",
    [
        (ACCEPT, {}),
        (TRACKING, {"carrier": "X", "tracking": "1"}),
        (SHIP, {"carrier": "X", "tracking": "1"}),
        (DELIVER, {}),
        (CANCEL, {"lines": [], "reason": "not mine"}),
    ],
)
def test_another_providers_sub_order_is_not_found(world, query, variables):
    a, b, _, order = world
    theirs = SubOrder.objects.get(order=order, provider=a.provider)
    line = theirs.lines.get()
    if query is CANCEL:
        variables = dict(
            variables,
            lines=[{"lineId": gid("ProviderSubOrderLine", line.pk), "quantity": 1}],
        )
    for sub_order_id in (
        gid("ProviderSubOrder", theirs.pk),
        gid("ProviderSubOrder", 10**9),
        gid("Order", order.pk),
        "garbage",
    ):
        response = gql(query, dict(variables, id=sub_order_id), token_for(b.user))
        (payload,) = response["data"].values()
        assert payload["subOrder"] is None
        assert [e["code"] for e in payload["subOrderErrors"]] == ["NOT_FOUND"]
    theirs.refresh_from_db()
    line.refresh_from_db()
    assert (theirs.status, theirs.carrier, line.cancelled_quantity) == ("new", "", 0)


def test_another_providers_line_in_my_sub_order_is_not_found(world):
    a, b, _, order = world
    mine = SubOrder.objects.get(order=order, provider=b.provider)
    their_line = SubOrder.objects.get(order=order, provider=a.provider).lines.get()
    response = gql(
        CANCEL,
        {
            "id": gid("ProviderSubOrder", mine.pk),
            "lines": [
                {"lineId": gid("ProviderSubOrderLine", their_line.pk), "quantity": 1}
            ],
            "reason": "trying",
        },
        token_for(b.user),
    )
    errors = response["data"]["subOrderCancelLines"]["subOrderErrors"]
    assert [e["code"] for e in errors] == ["NOT_FOUND"]
    their_line.refresh_from_db()
    assert their_line.cancelled_quantity == 0


def test_shipments_only_for_the_owner_and_staff(world):
    a, _, buyer, order = world
    variables = {"orderId": gid("Order", order.pk)}
    mine = gql(SHIPMENTS, variables, token_for(buyer))["data"]
    assert len(mine["orderShipments"]) == 2
    assert mine["orderShipmentState"] == "NOT_SHIPPED"
    assert "settlement" not in str(mine).lower()

    other = User.objects.create_user("other@buyer.test", "buyer-password")
    for token in (token_for(other), token_for(a.user), None):
        data = gql(SHIPMENTS, variables, token)["data"]
        assert data == {"orderShipments": None, "orderShipmentState": None}
    bad = gql(SHIPMENTS, {"orderId": "not-an-id"}, token_for(buyer))["data"]
    assert bad["orderShipments"] is None
