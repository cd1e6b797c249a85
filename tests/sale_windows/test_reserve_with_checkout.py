"""flashSaleReserve(checkout: ...) over HTTP: the hold and the checkout in one
call, and nothing left behind when either is refused."""

from __future__ import annotations

import http.client

import pytest
from saleor.account.models import User
from saleor.checkout.models import Checkout
from saleor.order.models import Order

from plugins.sale_windows.models import Reservation
from tests.storefront import ADDRESS

from .factories import global_id
from .flash_buyer import RESERVE_WITH_CHECKOUT, flash_buy, reserve_variables
from .test_checkout_flow import (  # noqa: F401 (clean: autouse fixture)
    RESERVE,
    clean,
    flash_item_on_stocked_variant,
    ok,
)

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


def reserve_new(server, item, email, quantity=1, token=None, **checkout):
    variables = reserve_variables(global_id("FlashSaleItem", item.pk), email, quantity)
    variables["checkout"].update(checkout)
    return server.gql(RESERVE_WITH_CHECKOUT, variables, token=token)


def codes(response):
    return [
        (error["field"], error["code"])
        for error in response["data"]["flashSaleReserve"]["flashSaleErrors"]
    ]


def test_one_call_holds_the_units_and_creates_the_checkout(api_server):
    item = flash_item_on_stocked_variant(cap=2)
    payload = ok(
        reserve_new(api_server, item, "one-call@example.com"), "flashSaleReserve"
    )

    checkout = Checkout.objects.get(token=payload["checkout"]["token"])
    assert checkout.email == "one-call@example.com"
    assert checkout.shipping_address.city == ADDRESS["city"].upper()
    assert [(line.variant_id, line.quantity) for line in checkout.lines.all()] == [
        (item.variant_id, 1)
    ]
    hold = Reservation.objects.get(item=item)
    assert (str(hold.checkout_token), hold.state) == (str(checkout.token), "held")
    assert payload["checkout"]["availableShippingMethods"]


def test_the_whole_purchase_pays_the_sale_price(api_server):
    item = flash_item_on_stocked_variant(cap=2)
    purchase = flash_buy(
        api_server.graphql_url, global_id("FlashSaleItem", item.pk), "fan@example.com"
    )
    assert purchase.won, purchase
    order = Order.objects.get(token=purchase.order_token)
    assert [(line.quantity, line.unit_price_gross_amount) for line in order] == [
        (1, item.sale_price_amount)
    ]
    item.refresh_from_db()
    assert item.sold == 1


def test_a_sold_out_answer_creates_no_checkout(api_server):
    item = flash_item_on_stocked_variant(cap=1)
    ok(reserve_new(api_server, item, "first@example.com"), "flashSaleReserve")
    late = reserve_new(api_server, item, "late@example.com")
    assert codes(late) == [("quantity", "SOLD_OUT")]
    assert late["data"]["flashSaleReserve"]["checkout"] is None
    assert not Checkout.objects.filter(email="late@example.com").exists()


def test_bad_checkout_input_holds_nothing(api_server):
    item = flash_item_on_stocked_variant(cap=1)
    bad_address = {**ADDRESS, "postalCode": "not a zip"}
    refused = reserve_new(
        api_server, item, "typo@example.com", shippingAddress=bad_address
    )
    assert codes(refused) == [("postalCode", "INVALID")]
    assert not Checkout.objects.filter(email="typo@example.com").exists()
    assert not Reservation.objects.filter(item=item, state="held").exists()
    # The unit is still there for the next buyer.
    ok(reserve_new(api_server, item, "careful@example.com"), "flashSaleReserve")


def test_a_guest_needs_an_email_and_exactly_one_checkout_argument(api_server):
    item = flash_item_on_stocked_variant(cap=1)
    assert codes(reserve_new(api_server, item, "")) == [("email", "REQUIRED")]
    item_gid = global_id("FlashSaleItem", item.pk)
    neither = api_server.gql(
        """mutation($item: ID!) { flashSaleReserve(itemId: $item, quantity: 1) {
             flashSaleErrors { field code } } }""",
        {"item": item_gid},
    )
    assert codes(neither) == [("checkoutId", "REQUIRED")]
    both = api_server.gql(
        """mutation($item: ID!, $checkout: CheckoutCreateInput!, $id: ID!) {
             flashSaleReserve(itemId: $item, quantity: 1, checkout: $checkout,
                              checkoutId: $id) { flashSaleErrors { field code } } }""",
        {
            "item": item_gid,
            "id": global_id("Checkout", "00000000-0000-0000-0000-000000000000"),
            "checkout": {"email": "both@example.com", "lines": []},
        },
    )
    assert codes(both) == [("checkoutId", "REQUIRED")]
    assert not Reservation.objects.filter(item=item).exists()


def test_the_per_customer_limit_is_answered_for_the_guest_email(api_server):
    item = flash_item_on_stocked_variant(cap=5, limit=1)
    ok(reserve_new(api_server, item, "Greedy@Example.com"), "flashSaleReserve")
    again = reserve_new(api_server, item, "greedy@example.com")
    assert codes(again) == [("quantity", "LIMIT_EXCEEDED")]
    assert Checkout.objects.filter(email__iexact="greedy@example.com").count() == 1


def test_a_signed_in_customer_gets_the_hold_on_their_active_checkout(api_server):
    item = flash_item_on_stocked_variant(cap=3)
    User.objects.create_user("member@example.com", "s3cret-pass")
    token = api_server.gql(
        """mutation { tokenCreate(email: "member@example.com",
                                  password: "s3cret-pass") { token } }"""
    )["data"]["tokenCreate"]["token"]
    first = ok(reserve_new(api_server, item, "", token=token), "flashSaleReserve")
    checkout = Checkout.objects.get(token=first["checkout"]["token"])
    assert checkout.user.email == "member@example.com"

    # A second reserve (2 units) lands on the same active checkout: the hold
    # becomes 2 and the line is raised to 2.
    second = ok(reserve_new(api_server, item, "", 2, token=token), "flashSaleReserve")
    assert second["checkout"]["token"] == first["checkout"]["token"]
    assert [line.quantity for line in checkout.lines.all()] == [2]
    assert list(
        Reservation.objects.filter(item=item).values_list("quantity", "state")
    ) == [(2, "held")]


def test_a_herd_on_threaded_workers_sells_exactly_the_cap(lane_api_server):
    """The flash-sale mode (threaded workers, database lane): buyers race
    through reserve -> shipping -> payment -> complete; exactly the cap is
    sold, every loser is told SOLD_OUT, nothing is charged without an order."""
    from saleor.payment.models import Payment

    from .flash_buyer import herd_outcomes

    item = flash_item_on_stocked_variant(cap=6)
    item_gid = global_id("FlashSaleItem", item.pk)
    outcomes = herd_outcomes(lane_api_server.graphql_url, item_gid, 40, at_once=16)
    assert outcomes.count("won") == 6, outcomes
    assert set(outcomes) == {"won", "flashSaleReserve:SOLD_OUT"}, outcomes
    item.refresh_from_db()
    assert item.sold == 6
    assert not Payment.objects.filter(order__isnull=True, captured_amount__gt=0)


def test_a_killed_worker_mid_herd_never_exceeds_the_cap(api_server):
    """150 buyers reserve-with-checkout for 10 units, 10 % sending their call
    twice, and a server worker is SIGKILLed mid-run: never more than the cap
    held, and PostgreSQL and Redis agree afterwards. (A call killed between
    its hold and its checkout leaves a hold that lapses; it still counts.)"""
    import os
    import signal
    import threading
    import time
    from collections import Counter
    from concurrent.futures import ThreadPoolExecutor

    from plugins.sale_windows import gate
    from plugins.sale_windows.reservations import refresh_live_gates

    from .test_reserve_http import pg_free, worker_pids

    item = flash_item_on_stocked_variant(cap=10)
    emails = [f"killed-herd-{n}@example.com" for n in range(150)]
    calls = emails + emails[::10]
    answered, killed = Counter(), []

    def call(email):
        try:
            body = reserve_new(api_server, item, email)
        except (OSError, http.client.HTTPException):
            # A killed worker may cut a response off mid-body (IncompleteRead).
            answered["connection_lost"] += 1
            return "connection_lost"
        errors = (body.get("data") or {}).get("flashSaleReserve", {}) or {}
        code = (errors.get("flashSaleErrors") or [{"code": "ok"}])[0]["code"]
        if body.get("errors"):
            code = "graphql_error"
        answered[code] += 1
        return code

    def killer():
        while sum(answered.values()) < 30:
            time.sleep(0.01)
        victim = worker_pids(api_server.process.pid)[0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)

    thread = threading.Thread(target=killer)
    thread.start()
    with ThreadPoolExecutor(max_workers=24) as pool:
        codes = Counter(pool.map(call, calls))
    thread.join(30)
    assert killed, "no worker was killed"

    held = Reservation.objects.filter(item=item, state="held")
    assert sum(held.values_list("quantity", flat=True)) <= 10
    assert codes["ok"] <= 10 + len(emails[::10])
    assert set(codes) <= {"ok", "SOLD_OUT", "connection_lost", "graphql_error"}
    holders = Checkout.objects.filter(
        token__in=held.values_list("checkout_token", flat=True)
    )
    assert holders.count() <= 10
    refresh_live_gates()
    assert int(gate.read_item(item.sale_id, item.pk)["free"]) == pg_free(item)
