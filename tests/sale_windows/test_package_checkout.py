"""Package deals through Saleor's checkout over HTTP (multi-process server):
a package is held all or nothing (also under a race) and sold whole; a
checkout that lacks part of its package is refused before any payment."""

from __future__ import annotations

import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from saleor.order.models import Order
from saleor.payment import ChargeStatus
from saleor.payment.models import Payment
from saleor.warehouse.models import Stock

from plugins.sale_windows import gate, sale_admin
from plugins.sale_windows.models import FlashSaleItem, Reservation
from plugins.sale_windows.services import items_with_reserved
from saleor_flash.demo import seed_demo
from tests.storefront import (
    ADDRESS,
    CHECKOUT_CREATE,
    COMPLETE,
    PAYMENT_CREATE,
    SHIPPING_UPDATE,
)

from . import factories
from .factories import global_id, make_checkout, make_package_sale

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

RESERVE_PACKAGE = """
mutation($sale: ID!, $qty: Int!, $checkout: ID!) {
  flashSaleReservePackage(saleId: $sale, quantity: $qty, checkoutId: $checkout) {
    reservations { id quantity item { id } }
    flashSaleErrors { field code message }
  }
}"""
RELEASE = """
mutation($id: ID!) {
  flashSaleRelease(id: $id) {
    reservation { id state }
    flashSaleErrors { field code message }
  }
}"""
CHECKOUT_FIELDS = """
    checkout { id token lines { id quantity variant { id } } }
    checkoutErrors { field code message }
"""
SHIPPING_ADDRESS_UPDATE = """
mutation($checkoutId: ID!, $address: AddressInput!) {
  checkoutShippingAddressUpdate(checkoutId: $checkoutId, shippingAddress: $address) {
    checkout { availableShippingMethods { id } }
    checkoutErrors { field code message }
  }
}"""
BILLING_ADDRESS_UPDATE = """
mutation($checkoutId: ID!, $address: AddressInput!) {
  checkoutBillingAddressUpdate(checkoutId: $checkoutId, billingAddress: $address) {
    checkout { id }
    checkoutErrors { field code message }
  }
}"""
LINES_ADD = (
    """
mutation($checkoutId: ID!, $lines: [CheckoutLineInput]!) {
  checkoutLinesAdd(checkoutId: $checkoutId, lines: $lines) {"""
    + CHECKOUT_FIELDS
    + "}}"
)
LINE_DELETE = (
    """
mutation($checkoutId: ID!, $lineId: ID!) {
  checkoutLineDelete(checkoutId: $checkoutId, lineId: $lineId) {"""
    + CHECKOUT_FIELDS
    + "}}"
)


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


def package_of_two(caps=(3, 2)):
    """A live PACKAGE sale of two stocked demo variants that no other sale
    offers, at half their price; each cap fits the variant's free stock."""
    seed_demo(io.StringIO())
    in_sales = FlashSaleItem.objects.values_list("variant_id", flat=True)
    variants = []
    for stock in (
        Stock.objects.filter(quantity__gte=10)
        .exclude(product_variant_id__in=in_sales)
        .select_related("product_variant")
        .order_by("pk")
    ):
        if stock.product_variant not in variants:
            variants.append(stock.product_variant)
    variants = variants[:2]
    assert len(variants) == 2, "the demo seed has too few stocked variants"
    for variant, cap in zip(variants, caps):
        assert cap <= sale_admin.available_stock(variant.pk)  # backed by stock
    prices = [
        (variant.get_price().amount / 2).quantize(Decimal("0.01"))
        for variant in variants
    ]
    return make_package_sale(variants, caps, prices)


def new_checkout(server, email):
    """A checkout with the e-mail only, as the flash buyer path starts."""
    return ok(
        server.gql(CHECKOUT_CREATE, {"input": {"email": email, "lines": []}}),
        "checkoutCreate",
    )["checkout"]


def reserve_package(server, sale, checkout_id, quantity=1):
    return server.gql(
        RESERVE_PACKAGE,
        {
            "sale": global_id("FlashSale", sale.pk),
            "qty": quantity,
            "checkout": checkout_id,
        },
    )


def add_lines(server, checkout_id, items, quantity=1):
    lines = [
        {
            "variantId": global_id("ProductVariant", item.variant_id),
            "quantity": quantity,
        }
        for item in items
    ]
    return ok(
        server.gql(LINES_ADD, {"checkoutId": checkout_id, "lines": lines}),
        "checkoutLinesAdd",
    )["checkout"]


def delete_line(server, checkout, item):
    variant = global_id("ProductVariant", item.variant_id)
    (line,) = [line for line in checkout["lines"] if line["variant"]["id"] == variant]
    return ok(
        server.gql(LINE_DELETE, {"checkoutId": checkout["id"], "lineId": line["id"]}),
        "checkoutLineDelete",
    )["checkout"]


def pay_and_complete(server, checkout):
    """Addresses, the first shipping method, a dummy payment of the whole
    total (captured at checkoutComplete), checkoutComplete."""
    variables = {"checkoutId": checkout["id"], "address": ADDRESS}
    ok(server.gql(BILLING_ADDRESS_UPDATE, variables), "checkoutBillingAddressUpdate")
    methods = ok(
        server.gql(SHIPPING_ADDRESS_UPDATE, variables), "checkoutShippingAddressUpdate"
    )["checkout"]["availableShippingMethods"]
    method = methods[0]["id"]
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
                    # A new token per payment: Saleor's create_payment
                    # returns an existing payment with the same token.
                    "token": f"charged-{uuid.uuid4().hex[:8]}",
                    "amount": total,
                },
            },
        ),
        "checkoutPaymentCreate",
    )
    return total, server.gql(COMPLETE, {"checkoutId": checkout["id"]})


def states(checkout):
    return sorted(
        Reservation.objects.filter(checkout_token=checkout["token"]).values_list(
            "item_id", "state", "quantity"
        )
    )


def sold(items):
    return [FlashSaleItem.objects.get(pk=item.pk).sold for item in items]


def assert_refused_before_payment(completed, checkout, missing_item):
    payload = completed["data"]["checkoutComplete"]
    assert payload["order"] is None
    (error,) = payload["checkoutErrors"]
    assert (error["field"], error["code"]) == ("lines", "INVALID")
    assert missing_item.variant.display_product() in error["message"]
    assert "flashSaleRelease" in error["message"]
    assert not Order.objects.filter(checkout_token=checkout["token"]).exists()
    payments = Payment.objects.filter(checkout_id=checkout["token"])
    assert payments.exists()
    for payment in payments:  # nothing was charged
        assert payment.charge_status == ChargeStatus.NOT_CHARGED
        assert payment.captured_amount == 0
        assert not payment.transactions.filter(is_success=True).exists()
    return error["message"]


def test_a_whole_package_sells_at_the_sale_prices(api_server):
    sale, items = package_of_two(caps=(3, 2))
    checkout = new_checkout(api_server, "package-buyer@example.com")
    held = ok(
        reserve_package(api_server, sale, checkout["id"]), "flashSaleReservePackage"
    )["reservations"]
    assert sorted(hold["item"]["id"] for hold in held) == sorted(
        global_id("FlashSaleItem", item.pk) for item in items
    )
    checkout = add_lines(api_server, checkout["id"], items)

    total, completed = pay_and_complete(api_server, checkout)
    order = ok(completed, "checkoutComplete")["order"]

    stored = Order.objects.get(token=order["token"])
    lines = {
        line.variant_id: (line.quantity, line.unit_price_gross_amount)
        for line in stored.lines.all()
    }
    assert lines == {item.variant_id: (1, item.sale_price_amount) for item in items}
    package_price = sum(item.sale_price_amount for item in items)
    assert (
        stored.total_gross_amount == package_price + stored.shipping_price_gross_amount
    )
    assert float(stored.total_gross_amount) == pytest.approx(total)
    assert sold(items) == [1, 1]
    assert states(checkout) == sorted((item.pk, "committed", 1) for item in items)
    assert set(
        Reservation.objects.filter(checkout_token=checkout["token"]).values_list(
            "order_id", flat=True
        )
    ) == {stored.pk}
    payment = Payment.objects.get(order=stored)
    assert payment.charge_status == ChargeStatus.FULLY_CHARGED


@pytest.mark.parametrize("how", ["line removed", "never added"])
def test_a_checkout_lacking_part_of_its_package_is_refused_before_payment(
    api_server, how
):
    sale, (first, second) = package_of_two(caps=(3, 2))
    checkout = new_checkout(api_server, "half-package@example.com")
    ok(reserve_package(api_server, sale, checkout["id"]), "flashSaleReservePackage")
    if how == "line removed":
        checkout = add_lines(api_server, checkout["id"], [first, second])
        checkout = delete_line(api_server, checkout, second)
    else:
        checkout = add_lines(api_server, checkout["id"], [first])

    _, completed = pay_and_complete(api_server, checkout)
    message = assert_refused_before_payment(completed, checkout, second)
    assert sale.name in message
    assert states(checkout) == [(first.pk, "held", 1), (second.pk, "held", 1)]
    assert sold([first, second]) == [0, 0]

    # Adding the missing item completes the package: it sells whole.
    checkout = add_lines(api_server, checkout["id"], [second])
    _, completed = pay_and_complete(api_server, checkout)
    order = Order.objects.get(token=ok(completed, "checkoutComplete")["order"]["token"])
    assert sorted(order.lines.values_list("variant_id", "quantity")) == sorted(
        [(first.variant_id, 1), (second.variant_id, 1)]
    )
    assert sold([first, second]) == [1, 1]
    assert [state for _, state, _ in states(checkout)] == ["committed", "committed"]


def test_a_released_package_buys_at_the_regular_price(api_server):
    sale, (first, second) = package_of_two(caps=(3, 2))
    checkout = new_checkout(api_server, "changed-mind@example.com")
    held = ok(
        reserve_package(api_server, sale, checkout["id"]), "flashSaleReservePackage"
    )["reservations"]
    hold_of = {hold["item"]["id"]: hold["id"] for hold in held}
    checkout = add_lines(api_server, checkout["id"], [first])

    # Releasing only the item not in the checkout still leaves a partial package.
    ok(
        api_server.gql(RELEASE, {"id": hold_of[global_id("FlashSaleItem", second.pk)]}),
        "flashSaleRelease",
    )
    _, completed = pay_and_complete(api_server, checkout)
    assert_refused_before_payment(completed, checkout, second)

    ok(
        api_server.gql(RELEASE, {"id": hold_of[global_id("FlashSaleItem", first.pk)]}),
        "flashSaleRelease",
    )
    _, completed = pay_and_complete(api_server, checkout)
    order = Order.objects.get(token=ok(completed, "checkoutComplete")["order"]["token"])
    (line,) = order.lines.all()
    assert line.variant_id == first.variant_id
    assert line.unit_price_gross_amount == first.variant.get_price().amount
    assert sold([first, second]) == [0, 0]
    assert [state for _, state, _ in states(checkout)] == ["released", "released"]


def test_racing_buyers_get_one_whole_package_and_leak_no_units(api_server):
    sale, (scarce, plenty) = package_of_two(caps=(1, 5))
    checkouts = [make_checkout() for _ in range(12)]

    def attempt(checkout):
        response = reserve_package(
            api_server, sale, global_id("Checkout", checkout.token)
        )
        errors = response["data"]["flashSaleReservePackage"]["flashSaleErrors"]
        return errors[0]["code"] if errors else "ok"

    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(attempt, checkouts))

    assert codes.count("ok") == 1, codes
    assert set(codes) == {"ok", "SOLD_OUT"}, codes
    winner = checkouts[codes.index("ok")]
    open_holds = Reservation.objects.exclude(state="released").filter(item__sale=sale)
    assert sorted(open_holds.values_list("item_id", "checkout_token", "state")) == [
        (scarce.pk, winner.token, "held"),
        (plenty.pk, winner.token, "held"),
    ]
    # The losers kept nothing: 4 of the larger item's 5 units are still free,
    # in PostgreSQL and in the Redis gate.
    assert not Reservation.objects.filter(item__sale=sale).exclude(
        checkout_token=winner.token
    )
    reserved = {item.pk: item.reserved for item in items_with_reserved()}
    assert (reserved[scarce.pk], reserved[plenty.pk]) == (1, 1)
    published = gate.read_item(sale.pk, plenty.pk)
    assert int(published["free"]) == 4
    assert int(gate.read_item(sale.pk, scarce.pk)["free"]) == 0
