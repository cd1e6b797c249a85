"""Early holds: units are held when lines go into a checkout, so a buyer who
cannot get them is told at checkoutCreate, and deleting a line frees them."""

import pytest
from saleor.checkout.models import Checkout
from saleor.warehouse.models import Stock

from plugins.checkout_guard.models import StockHold
from tests.checkout_guard.conftest import variant_gid
from tests.storefront import ADDRESS

pytestmark = [pytest.mark.server]

CREATE = """
mutation($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) {
    checkout { id token lines { id quantity } }
    checkoutErrors { field code message }
  }
}"""
UPDATE = """
mutation($checkoutId: ID!, $lines: [CheckoutLineInput]!) {
  checkoutLinesUpdate(checkoutId: $checkoutId, lines: $lines) {
    checkout { id }
    checkoutErrors { field code message }
  }
}"""
DELETE = """
mutation($checkoutId: ID!, $lineId: ID!) {
  checkoutLineDelete(checkoutId: $checkoutId, lineId: $lineId) {
    checkout { id }
    checkoutErrors { field code message }
  }
}"""


def create(api_server, gid, quantity, email):
    response = api_server.gql(
        CREATE,
        {
            "input": {
                "email": email,
                "lines": [{"variantId": gid, "quantity": quantity}],
                "shippingAddress": ADDRESS,
            }
        },
    )
    assert "errors" not in response, response
    return response["data"]["checkoutCreate"]


def test_losers_are_told_at_checkout_create_and_freed_units_come_back(
    api_server, demo_stocks
):
    stock = demo_stocks[0]
    Stock.objects.filter(pk=stock.pk).update(quantity=5)
    gid = variant_gid(stock)

    first = create(api_server, gid, 3, "first@example.com")
    assert not first["checkoutErrors"]
    token = first["checkout"]["token"]
    assert StockHold.objects.get(checkout_token=token).quantity == 3

    checkouts_before = Checkout.objects.count()
    second = create(api_server, gid, 3, "second@example.com")
    assert second["checkout"] is None
    assert [(e["field"], e["code"]) for e in second["checkoutErrors"]] == [
        ("lines", "INSUFFICIENT_STOCK")
    ]
    assert Checkout.objects.count() == checkouts_before  # nothing was created

    grow = api_server.gql(
        UPDATE,
        {
            "checkoutId": first["checkout"]["id"],
            "lines": [{"variantId": gid, "quantity": 6}],
        },
    )["data"]["checkoutLinesUpdate"]
    assert grow["checkoutErrors"][0]["code"] == "INSUFFICIENT_STOCK"
    assert StockHold.objects.get(checkout_token=token).quantity == 3

    deleted = api_server.gql(
        DELETE,
        {
            "checkoutId": first["checkout"]["id"],
            "lineId": first["checkout"]["lines"][0]["id"],
        },
    )["data"]["checkoutLineDelete"]
    assert not deleted["checkoutErrors"]
    assert not StockHold.objects.filter(checkout_token=token)

    retry = create(api_server, gid, 3, "second@example.com")
    assert not retry["checkoutErrors"]
