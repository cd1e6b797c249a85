"""Flash holds through Saleor's checkout over HTTP (multi-process server):
sale price for held units only, sold units in the order's transaction, lapsed
holds refused before payment, cancellation gives units and allowance back."""

from __future__ import annotations

import io
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from saleor.order.actions import cancel_order
from saleor.order.models import Order
from saleor.payment.models import Payment
from saleor.warehouse.models import Stock

from plugins.sale_windows import gate
from plugins.sale_windows.models import FlashSaleEvent, FlashSaleItem, Reservation
from saleor_flash.demo import seed_demo
from tests.storefront import (
    ADDRESS,
    CHECKOUT_CREATE,
    COMPLETE,
    PAYMENT_CREATE,
    SHIPPING_UPDATE,
)

from . import factories
from .factories import global_id, make_item

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

RESERVE = """
mutation($item: ID!, $qty: Int!, $checkout: ID!) {
  flashSaleReserve(itemId: $item, quantity: $qty, checkoutId: $checkout) {
    reservation { id quantity expiresAt }
    flashSaleErrors { code message }
  }
}"""


@pytest.fixture(autouse=True)
def clean(redis_client):
    redis_client.flushdb()
    gate.reset()
    yield
    factories.CREATED.clear()  # the transactional flush removed them


def ok(response, field):
    assert "errors" not in response, response
    payload = response["data"][field]
    for key in ("checkoutErrors", "paymentErrors", "flashSaleErrors"):
        assert not payload.get(key), payload[key]
    return payload


def flash_item_on_stocked_variant(cap=3, limit=None, **sale) -> FlashSaleItem:
    seed_demo(io.StringIO())
    stock = Stock.objects.filter(quantity__gte=10).select_related("product_variant")
    variant = stock.first().product_variant
    regular = variant.get_price().amount
    return make_item(
        cap=cap,
        per_customer_limit=limit,
        variant=variant,
        sale_price=(regular / 2).quantize(Decimal("0.01")),
        **sale,
    )


def start_checkout(server, item, quantity, email):
    created = ok(
        server.gql(
            CHECKOUT_CREATE,
            {
                "input": {
                    "email": email,
                    "lines": [
                        {
                            "variantId": global_id("ProductVariant", item.variant_id),
                            "quantity": quantity,
                        }
                    ],
                    "shippingAddress": ADDRESS,
                    "billingAddress": ADDRESS,
                }
            },
        ),
        "checkoutCreate",
    )["checkout"]
    return created


def reserve(server, item, checkout_id, quantity):
    return server.gql(
        RESERVE,
        {
            "item": global_id("FlashSaleItem", item.pk),
            "qty": quantity,
            "checkout": checkout_id,
        },
    )["data"]["flashSaleReserve"]


def pay_and_complete(server, checkout):
    method = checkout["availableShippingMethods"][0]["id"]
    total = ok(
        server.gql(
            SHIPPING_UPDATE, {"checkoutId": checkout["id"], "shippingMethodId": method}
        ),
        "checkoutShippingMethodUpdate",
    )["checkout"]["totalPrice"]["gross"]["amount"]
    ok(
        server.gql(
            PAYMENT_CREATE,
            {
                "checkoutId": checkout["id"],
                "input": {
                    "gateway": "mirumee.payments.dummy",
                    "token": "charged",
                    "amount": total,
                },
            },
        ),
        "checkoutPaymentCreate",
    )
    return total, server.gql(COMPLETE, {"checkoutId": checkout["id"]})


def test_held_units_sell_at_the_sale_price_and_cancel_gives_them_back(api_server):
    item = flash_item_on_stocked_variant(cap=3, limit=2)
    regular = item.variant.get_price().amount
    checkout = start_checkout(api_server, item, 3, "flash-buyer@example.com")
    hold = reserve(api_server, item, checkout["id"], 2)
    assert not hold["flashSaleErrors"]

    total, completed = pay_and_complete(api_server, checkout)
    # Two units at the sale price, the third at the regular price, + shipping.
    expected = float(item.sale_price_amount * 2 + regular) + 5.0
    assert total == pytest.approx(expected)
    order = ok(completed, "checkoutComplete")["order"]

    stored = Order.objects.get(token=order["token"])
    assert float(stored.total_gross_amount) == pytest.approx(expected)
    item.refresh_from_db()
    assert item.sold == 2
    reservation = Reservation.objects.get(item=item)
    assert (reservation.state, reservation.order_id) == ("committed", stored.pk)

    # The customer's allowance is used up across orders...
    second = start_checkout(api_server, item, 1, "flash-buyer@example.com")
    refused = reserve(api_server, item, second["id"], 1)
    assert refused["flashSaleErrors"][0]["code"] == "LIMIT_EXCEEDED"

    # ...until the order is cancelled: units and allowance come back.
    cancel_order(stored, None)
    item.refresh_from_db()
    assert item.sold == 0
    assert not reserve(api_server, item, second["id"], 2)["flashSaleErrors"]


def test_a_lapsed_hold_is_refused_before_payment(api_server):
    item = flash_item_on_stocked_variant(cap=3)
    checkout = start_checkout(api_server, item, 1, "late-buyer@example.com")
    assert not reserve(api_server, item, checkout["id"], 1)["flashSaleErrors"]
    Reservation.objects.filter(item=item).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    _, completed = pay_and_complete(api_server, checkout)
    errors = completed["data"]["checkoutComplete"]["checkoutErrors"]
    assert errors and errors[0]["code"] == "INSUFFICIENT_STOCK"
    assert "expired" in errors[0]["message"]
    assert completed["data"]["checkoutComplete"]["order"] is None
    assert not Order.objects.filter(checkout_token=checkout["token"]).exists()
    payment = Payment.objects.get(checkout_id=checkout["token"])
    assert payment.captured_amount == 0  # nothing was charged
    item.refresh_from_db()
    assert item.sold == 0


def test_a_small_herd_through_the_whole_checkout_sells_exactly_the_cap(api_server):
    """Buyers race through reserve (creating the checkout) -> shipping ->
    payment -> complete at once (this found a lock-order deadlock between the
    pre-payment hook and order creation)."""
    from .flash_buyer import herd_outcomes

    item = flash_item_on_stocked_variant(cap=6)
    item_gid = global_id("FlashSaleItem", item.pk)
    outcomes = herd_outcomes(api_server.graphql_url, item_gid, 24, at_once=12)
    assert outcomes.count("won") == 6, outcomes
    assert set(outcomes) == {"won", "flashSaleReserve:SOLD_OUT"}, outcomes
    item.refresh_from_db()
    assert item.sold == 6
    charged = Payment.objects.filter(order__isnull=True, captured_amount__gt=0)
    assert not charged.exists()
    # Recorded in the transaction of the order that took the last unit (no
    # Celery task involved), once.
    (sold_out,) = FlashSaleEvent.objects.filter(item=item, kind="sold_out")
    assert Order.objects.filter(pk=sold_out.order_id).exists()


@pytest.mark.parametrize("minimum, settlement", [(2, "cancelled"), (1, "confirmed")])
def test_a_pre_order_below_its_minimum_is_cancelled_and_refunded(
    api_server, minimum, settlement
):
    from plugins.sale_windows import pre_orders

    from .flash_buyer import flash_buy

    item = flash_item_on_stocked_variant(cap=5, kind="pre_order")
    sale = item.sale
    sale.minimum_quantity = minimum
    sale.save(update_fields=["minimum_quantity"])
    purchase = flash_buy(
        api_server.graphql_url,
        global_id("FlashSaleItem", item.pk),
        "early-bird@example.com",
    )
    assert purchase.won, purchase
    assert pre_orders.settle(sale.pk) is None  # not ended yet

    sale.ends_at = timezone.now()
    sale.save(update_fields=["ends_at"])
    assert pre_orders.settle(sale.pk).value == settlement
    assert pre_orders.settle(sale.pk) is None  # settles once

    order = Order.objects.get(token=purchase.order_token)
    payment = order.payments.get()
    item.refresh_from_db()
    if settlement == "cancelled":
        assert order.status == "canceled"
        assert payment.charge_status == "fully-refunded"
        assert item.sold == 0
    else:
        assert order.status != "canceled"
        assert payment.charge_status == "fully-charged"
        assert item.sold == 1


def test_a_voucher_sale_issues_and_delivers_a_saleor_voucher(api_server, mailoutbox):
    from plugins.core import outbox
    from plugins.core.models import OutboxMessage
    from plugins.sale_windows import vouchers
    from plugins.sale_windows.models import IssuedVoucher

    from .flash_buyer import flash_buy

    item = flash_item_on_stocked_variant(cap=5, kind="voucher")
    item.voucher_value_amount = Decimal("25.00")
    item.voucher_valid_days = 30
    item.save(update_fields=["voucher_value_amount", "voucher_valid_days"])
    purchase = flash_buy(
        api_server.graphql_url,
        global_id("FlashSaleItem", item.pk),
        "voucher-fan@example.com",
    )
    assert purchase.won, purchase
    order = Order.objects.get(token=purchase.order_token)
    issued = IssuedVoucher.objects.select_related("voucher").get(order=order)
    assert issued.voucher.discount_value == Decimal("25.00")
    assert issued.voucher.usage_limit == 1
    valid_days = (issued.voucher.end_date - issued.voucher.start_date).days
    assert valid_days == 30
    # Written to the outbox in the order's transaction (never lost), and
    # delivered through Django's mail backend.
    assert issued.delivered_at is not None
    assert vouchers.deliver(order.pk) == 0  # nothing left to hand over
    message = OutboxMessage.objects.get(
        kind=OutboxMessage.EMAIL, recipients=["voucher-fan@example.com"]
    )
    assert issued.voucher.code in message.body
    # A Celery worker of another test may deliver it first; otherwise here.
    if outbox.deliver(message.pk).state == OutboxMessage.SENT:
        assert issued.voucher.code in mailoutbox[-1].body
    for _ in range(100):
        message.refresh_from_db()
        if message.state == OutboxMessage.SENT:
            break
        time.sleep(0.1)
    assert message.state == OutboxMessage.SENT
