"""#10 item 1: a checkout's flash holds cannot change while it is completed,
and its order sells exactly the flash units it was priced and paid for.

Real concurrency, in process: checkoutComplete runs in a thread and stalls
inside the payment gateway call (tests/fault_plugin.py SlowGatewayPlugin);
meanwhile another thread, on its own PostgreSQL connection, changes the
checkout's hold."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import connection
from saleor.order.models import Order
from saleor.payment import ChargeStatus
from saleor.payment.models import Payment
from saleor.warehouse.models import Stock

from plugins.checkout_guard.models import PaymentRescue
from plugins.sale_windows import gate
from plugins.sale_windows.models import FlashSaleItem, Reservation
from saleor_flash.demo import seed_demo
from tests.fault_plugin import SLOW_GATEWAY, STALL, GatewayWindow
from tests.in_process import InThread, gql, ok, ship_and_pay
from tests.storefront import (
    ADDRESS,
    CHECKOUT_CREATE,
)

from . import factories
from .factories import global_id, make_item

pytestmark = [pytest.mark.django_db(transaction=True)]

RESERVE = """
mutation($item: ID!, $qty: Int!, $checkout: ID!) {
  flashSaleReserve(itemId: $item, quantity: $qty, checkoutId: $checkout) {
    reservation { id quantity }
    flashSaleErrors { field code message }
  }
}"""
COMPLETE_LINES = """
mutation($checkoutId: ID!) {
  checkoutComplete(checkoutId: $checkoutId) {
    order { id lines { quantity unitPrice { gross { amount } } } }
    checkoutErrors { field code message }
  }
}"""


@pytest.fixture(autouse=True)
def clean(redis_client):
    redis_client.flushdb()
    gate.reset()
    GatewayWindow.reset()
    yield
    GatewayWindow.proceed.set()  # never leave a thread stalled
    factories.CREATED.clear()  # the transactional flush removed them


def flash_item(cap=5) -> FlashSaleItem:
    seed_demo(io.StringIO())
    stock = Stock.objects.filter(quantity__gte=10).select_related("product_variant")
    variant = stock.first().product_variant
    regular = variant.get_price().amount
    return make_item(
        cap=cap, variant=variant, sale_price=(regular / 2).quantize(Decimal("0.01"))
    )


def checkout_holding(item, units: int, email: str):
    """A checkout with ``units`` of the item's variant, all held at the sale
    price, shipping chosen and a payment for its total on the slow gateway."""
    checkout = ok(
        gql(
            CHECKOUT_CREATE,
            {
                "input": {
                    "email": email,
                    "lines": [
                        {
                            "variantId": global_id("ProductVariant", item.variant_id),
                            "quantity": units,
                        }
                    ],
                    "shippingAddress": ADDRESS,
                    "billingAddress": ADDRESS,
                }
            },
        ),
        "checkoutCreate",
    )["checkout"]
    reserve(item, checkout["id"], units, expect_ok=True)
    ship_and_pay(checkout, SLOW_GATEWAY, STALL)
    return checkout


def reserve(item, checkout_id, units, expect_ok=False, server=None):
    answer = (server.gql if server else gql)(
        RESERVE,
        {
            "item": global_id("FlashSaleItem", item.pk),
            "qty": units,
            "checkout": checkout_id,
        },
    )
    if expect_ok:
        return ok(answer, "flashSaleReserve")
    return answer["data"]["flashSaleReserve"]


def complete_in_gateway_window(checkout_id):
    """Start checkoutComplete in a thread; return once it is in the gateway."""
    completing = InThread(lambda: gql(COMPLETE_LINES, {"checkoutId": checkout_id}))
    assert GatewayWindow.entered.wait(30), "checkoutComplete never reached payment"
    return completing


@pytest.mark.server
def test_a_reserve_during_payment_waits_and_the_order_sells_what_it_was_priced_for(
    api_server,
):
    """Hold 3, pay for 3, and while the gateway runs reserve 1 on the same
    checkout. The reserve waits for the complete (the checkout's completion
    lock), then finds the checkout gone; the order sells 3 flash units at the
    sale price and the cap counts all 3. On the old code the reserve went
    through: the order carried 3 flash-priced units, sold 1, and 2 went back
    to the pool to be sold again at the flash price."""
    item = flash_item(cap=5)
    checkout = checkout_holding(item, 3, "racer@example.com")
    token = checkout["token"]

    completing = complete_in_gateway_window(checkout["id"])
    # The reserve goes to the gunicorn server (another process): in this
    # process the database lane would queue it behind the complete anyway.
    reserving = InThread(lambda: reserve(item, checkout["id"], 1, server=api_server))
    reserving.done.wait(3.0)
    lowered = reserving.done.is_set() and not reserving.result["flashSaleErrors"]
    GatewayWindow.proceed.set()
    order = ok(completing.join(), "checkoutComplete")["order"]
    answer = reserving.join()

    item.refresh_from_db()
    sold = Reservation.objects.filter(checkout_token=token, state="committed")
    assert sum(hold.quantity for hold in sold) == 3
    assert item.sold == 3
    assert not Reservation.objects.filter(checkout_token=token, state="held").exists()
    assert not lowered, "the hold changed while the checkout was being paid"
    assert [error["code"] for error in answer["flashSaleErrors"]] == ["NOT_FOUND"]
    (line,) = order["lines"]
    assert line["quantity"] == 3
    assert Decimal(str(line["unitPrice"]["gross"]["amount"])) == item.sale_price_amount


def test_an_order_whose_holds_changed_after_acceptance_is_refused_and_refunded():
    """The second line of defence, without relying on the lock: a hold
    lowered behind the lock's back (here straight in PostgreSQL, during the
    gateway call) makes order_created refuse the order; the payment is
    refunded and nothing is sold."""
    item = flash_item(cap=5)
    checkout = checkout_holding(item, 3, "bypass@example.com")
    token = checkout["token"]

    completing = complete_in_gateway_window(checkout["id"])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sale_windows_reservation SET quantity = 1 "
            "WHERE checkout_token = %s AND state = 'held'",
            [token],
        )
    GatewayWindow.proceed.set()
    payload = completing.join()["data"]["checkoutComplete"]

    assert payload["order"] is None
    (error,) = payload["checkoutErrors"]
    assert error["code"] == "PAYMENT_ERROR"
    assert "changed after the checkout was priced" in error["message"]
    assert "Your payment was refunded" in error["message"]
    assert not Order.objects.filter(checkout_token=token).exists()
    payment = Payment.objects.get(checkout_id=token)
    assert payment.charge_status == ChargeStatus.FULLY_REFUNDED
    assert PaymentRescue.objects.get(payment=payment).action == PaymentRescue.REFUND
    item.refresh_from_db()
    assert item.sold == 0
