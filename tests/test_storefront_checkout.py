"""End to end through GraphQL over HTTP against the multi-process server:
checkoutCreate -> shipping -> payment (Saleor's dummy gateway) -> checkoutComplete."""

import io

import pytest
from graphene import Node
from saleor.order.models import Order
from saleor.payment.models import Payment
from saleor.warehouse.models import Stock

from saleor_flash.demo import seed_demo
from tests.storefront import buy

pytestmark = [pytest.mark.server]


@pytest.mark.django_db(transaction=True)
def test_guest_checks_out_with_dummy_gateway(api_server):
    seed_demo(io.StringIO())
    stock = (
        Stock.objects.filter(quantity__gte=5).select_related("product_variant").first()
    )
    variant = stock.product_variant

    purchase = buy(
        api_server.graphql_url,
        Node.to_global_id("ProductVariant", variant.pk),
        "ada@example.com",
        quantity=2,
    )

    assert purchase.won, purchase
    assert purchase.total == pytest.approx(float(variant.get_price().amount) * 2 + 5.0)
    stored = Order.objects.get(token=purchase.order_token)
    assert stored.user_email == "ada@example.com"
    assert [line.quantity for line in stored.lines.all()] == [2]
    assert float(stored.total_gross_amount) == pytest.approx(purchase.total)
    payment = Payment.objects.get(order=stored)
    assert float(payment.captured_amount) == pytest.approx(purchase.total)
    stock.refresh_from_db()
    allocation = stock.allocations.filter(order_line__order=stored).get()
    assert allocation.quantity_allocated == 2
