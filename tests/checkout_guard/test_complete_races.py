"""#10 item 7 and two low items: the guard holds the lines Saleor orders, line
changes wait for a running checkoutComplete, a bad checkout id is a typed
error, and a gateway that breaks after it may have charged is recorded for
staff instead of reported as "nothing was charged".

Real concurrency, in process: checkoutComplete stalls inside the payment
gateway call (tests/fault_plugin.py SlowGatewayPlugin) while another thread,
on its own PostgreSQL connection, changes the checkout's lines."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from saleor.checkout.models import Checkout, CheckoutLine
from saleor.order.models import Order
from saleor.payment.models import Payment
from saleor.warehouse.models import Allocation

from plugins.checkout_guard.models import PaymentRescue, StockHold
from plugins.checkout_guard.plugin import CheckoutGuardPlugin
from tests.checkout_guard.conftest import variant_gid
from tests.fault_plugin import (
    RAISE_AFTER_CAPTURE,
    SLOW_GATEWAY,
    STALL,
    GatewayWindow,
)
from tests.in_process import InThread, gql, ok, ship_and_pay
from tests.storefront import (
    ADDRESS,
    CHECKOUT_CREATE,
    COMPLETE,
)

LINES_UPDATE = """
mutation($checkoutId: ID!, $lines: [CheckoutLineInput]!) {
  checkoutLinesUpdate(checkoutId: $checkoutId, lines: $lines) {
    checkout { lines { quantity } }
    checkoutErrors { field code message }
  }
}"""


@pytest.fixture(autouse=True)
def gateway_window():
    GatewayWindow.reset()
    yield
    GatewayWindow.proceed.set()  # never leave a thread stalled


def stocked(demo_stocks, at_least=10):
    return next(stock for stock in demo_stocks if stock.quantity >= at_least)


def paid_checkout(stock, units: int, email: str, payment_token: str):
    checkout = ok(
        gql(
            CHECKOUT_CREATE,
            {
                "input": {
                    "email": email,
                    "lines": [{"variantId": variant_gid(stock), "quantity": units}],
                    "shippingAddress": ADDRESS,
                    "billingAddress": ADDRESS,
                }
            },
        ),
        "checkoutCreate",
    )["checkout"]
    ship_and_pay(checkout, SLOW_GATEWAY, payment_token)
    return checkout


def held_units(token) -> int:
    return (
        StockHold.objects.filter(checkout_token=token).aggregate(units=Sum("quantity"))[
            "units"
        ]
        or 0
    )


@pytest.mark.server
def test_a_line_update_during_payment_waits_and_the_guard_holds_what_is_ordered(
    demo_stocks, api_server
):
    """checkoutLinesUpdate 5 -> 1 while checkoutComplete of the same checkout
    is in the gateway: the update waits for the complete (the checkout's
    completion lock), so the guard keeps holding the 5 units the order
    allocates, and then finds the checkout gone. On the old code the update
    went through: the guard held 1 while Saleor allocated 5, taking units
    other checkouts held."""
    stock = stocked(demo_stocks)
    checkout = paid_checkout(stock, 5, "lines-race@example.com", STALL)
    token = checkout["token"]

    completing = InThread(lambda: gql(COMPLETE, {"checkoutId": checkout["id"]}))
    assert GatewayWindow.entered.wait(30), "checkoutComplete never reached payment"
    # The update goes to the gunicorn server (another process): in this
    # process the database lane would queue it behind the complete anyway.
    updating = InThread(
        lambda: api_server.gql(
            LINES_UPDATE,
            {
                "checkoutId": checkout["id"],
                "lines": [{"variantId": variant_gid(stock), "quantity": 1}],
            },
        )
    )
    updating.done.wait(3.0)
    held_during_payment = held_units(token)
    GatewayWindow.proceed.set()
    order = ok(completing.join(), "checkoutComplete")["order"]
    answer = updating.join()["data"]["checkoutLinesUpdate"]

    assert held_during_payment == 5
    allocated = Allocation.objects.filter(
        order_line__order__token=order["token"]
    ).aggregate(units=Sum("quantity_allocated"))["units"]
    assert allocated == 5
    assert [error["code"] for error in answer["checkoutErrors"]] == ["NOT_FOUND"]


def test_the_guard_holds_the_loaded_lines_not_a_fresh_read(demo_stocks):
    """preprocess_order_creation holds for the lines checkoutComplete loaded
    (the checkout's prefetched list, which Saleor makes the order of), even
    when the lines in the database differ by then."""
    stock = stocked(demo_stocks)
    checkout = Checkout.objects.create(email="loaded@example.com")
    CheckoutLine.objects.create(
        checkout=checkout, variant=stock.product_variant, quantity=5
    )
    loaded = Checkout.objects.prefetch_related("lines").get(pk=checkout.pk)
    CheckoutLine.objects.filter(checkout=checkout).update(quantity=1)

    plugin = CheckoutGuardPlugin(configuration=[], active=True)
    plugin.preprocess_order_creation(loaded, [], previous_value=None)

    assert held_units(checkout.token) == 5


def test_a_checkout_id_that_is_not_a_uuid_is_a_typed_error(db):
    bad = "Q2hlY2tvdXQ6bm90LWEtdXVpZA=="  # "Checkout:not-a-uuid"
    answer = gql(COMPLETE, {"checkoutId": bad})
    assert "errors" not in answer, answer
    (error,) = answer["data"]["checkoutComplete"]["checkoutErrors"]
    assert (error["field"], error["code"]) == ("checkoutId", "NOT_FOUND")
    answer = gql(LINES_UPDATE, {"checkoutId": bad, "lines": []})
    assert "errors" not in answer, answer
    (error,) = answer["data"]["checkoutLinesUpdate"]["checkoutErrors"]
    assert (error["field"], error["code"]) == ("checkoutId", "NOT_FOUND")


def test_a_gateway_that_broke_after_it_may_have_charged_is_recorded_for_staff(
    demo_stocks,
):
    """The gateway raised after the provider captured (Saleor records a failed
    transaction without a response): the buyer is told the outcome is
    unconfirmed, never "nothing was charged", and a RECONCILE row tells staff
    to check with the provider."""
    stock = stocked(demo_stocks)
    checkout = paid_checkout(
        stock, 1, "broken-gateway@example.com", RAISE_AFTER_CAPTURE
    )

    answer = gql(COMPLETE, {"checkoutId": checkout["id"]})

    assert "errors" not in answer, answer
    (error,) = answer["data"]["checkoutComplete"]["checkoutErrors"]
    assert error["code"] == "PAYMENT_ERROR"
    assert "nothing was charged" not in error["message"]
    assert "did not confirm whether your payment was taken" in error["message"]
    assert not Order.objects.filter(checkout_token=checkout["token"]).exists()
    payment = Payment.objects.get(checkout_id=checkout["token"])
    (recorded,) = PaymentRescue.objects.filter(payment=payment)
    assert recorded.action == PaymentRescue.RECONCILE
    assert recorded.amount == payment.total
    assert not StockHold.objects.filter(checkout_token=checkout["token"]).exists()
