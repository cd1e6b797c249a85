"""End to end through GraphQL over HTTP against the multi-process server:
checkoutCreate -> shipping -> payment (Saleor's dummy gateway) -> checkoutComplete."""

import io

import pytest
from saleor.order.models import Order
from saleor.payment.models import Payment
from saleor.warehouse.models import Stock

from saleor_flash.demo import seed_demo

pytestmark = [pytest.mark.server]

ADDRESS = {
    "firstName": "Ada",
    "lastName": "Buyer",
    "streetAddress1": "1 Main Street",
    "city": "New York",
    "postalCode": "10001",
    "country": "US",
    "countryArea": "NY",
}

CHECKOUT_CREATE = """
mutation($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) {
    checkout { id token totalPrice { gross { amount currency } }
               availableShippingMethods { id name } }
    checkoutErrors { field code message }
  }
}"""
SHIPPING_UPDATE = """
mutation($checkoutId: ID!, $shippingMethodId: ID!) {
  checkoutShippingMethodUpdate(
    checkoutId: $checkoutId, shippingMethodId: $shippingMethodId
  ) {
    checkout { totalPrice { gross { amount } } }
    checkoutErrors { field code message }
  }
}"""
PAYMENT_CREATE = """
mutation($checkoutId: ID!, $input: PaymentInput!) {
  checkoutPaymentCreate(checkoutId: $checkoutId, input: $input) {
    payment { id chargeStatus }
    paymentErrors { field code message }
  }
}"""
COMPLETE = """
mutation($checkoutId: ID!) {
  checkoutComplete(checkoutId: $checkoutId) {
    order { id number token status }
    checkoutErrors { field code message }
  }
}"""


def data_of(response, field):
    assert "errors" not in response, response
    payload = response["data"][field]
    for key in ("checkoutErrors", "paymentErrors"):
        assert not payload.get(key), payload[key]
    return payload


@pytest.mark.django_db(transaction=True)
def test_guest_checks_out_with_dummy_gateway(api_server):
    seed_demo(io.StringIO())
    stock = (
        Stock.objects.filter(quantity__gte=5).select_related("product_variant").first()
    )
    variant = stock.product_variant
    from graphene import Node

    variant_id = Node.to_global_id("ProductVariant", variant.pk)

    created = data_of(
        api_server.gql(
            CHECKOUT_CREATE,
            {
                "input": {
                    "email": "ada@example.com",
                    "lines": [{"variantId": variant_id, "quantity": 2}],
                    "shippingAddress": ADDRESS,
                    "billingAddress": ADDRESS,
                }
            },
        ),
        "checkoutCreate",
    )["checkout"]
    assert created["availableShippingMethods"], "the demo shipping zone covers the US"
    checkout_id = created["id"]

    shipping = created["availableShippingMethods"][0]["id"]
    total = data_of(
        api_server.gql(
            SHIPPING_UPDATE, {"checkoutId": checkout_id, "shippingMethodId": shipping}
        ),
        "checkoutShippingMethodUpdate",
    )["checkout"]["totalPrice"]["gross"]["amount"]
    assert total == pytest.approx(float(variant.get_price().amount) * 2 + 5.0)

    data_of(
        api_server.gql(
            PAYMENT_CREATE,
            {
                "checkoutId": checkout_id,
                "input": {
                    "gateway": "mirumee.payments.dummy",
                    "token": "charged",
                    "amount": total,
                },
            },
        ),
        "checkoutPaymentCreate",
    )

    order = data_of(
        api_server.gql(COMPLETE, {"checkoutId": checkout_id}), "checkoutComplete"
    )["order"]
    assert order is not None

    stored = Order.objects.get(token=order["token"])
    assert stored.user_email == "ada@example.com"
    assert [line.quantity for line in stored.lines.all()] == [2]
    assert float(stored.total_gross_amount) == pytest.approx(total)
    payment = Payment.objects.get(order=stored)
    assert float(payment.captured_amount) == pytest.approx(total)
    stock.refresh_from_db()
    assert (
        stock.allocations.filter(order_line__order=stored).get().quantity_allocated == 2
    )
