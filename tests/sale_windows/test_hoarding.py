"""The brakes against hoarding flash units (issue #10, item 10), in-process
against real PostgreSQL and Redis, with real threads where they race.

Each of these failed on the code before the brakes: plus-addressed guests
got a fresh allowance, any guest could hold, nothing was rate-limited, the
create form held again on every retry, and holds were unbounded.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connections
from django.test import override_settings
from graphql_jwt.shortcuts import get_token
from saleor.checkout.models import Checkout

from plugins.checkout_guard.models import StockHold
from plugins.core import rate_limit
from plugins.sale_windows import gate, storefront
from plugins.sale_windows.domain import normalised_email
from plugins.sale_windows.models import Reservation
from plugins.sale_windows.reservations import ReservationError
from tests.storefront import ADDRESS
from tests.support import gql_in_process

from .factories import (
    global_id,
    make_checkout,
    make_item,
    make_user,
    on_the_test_database,
)
from .test_checkout_flow import flash_item_on_stocked_variant

pytestmark = pytest.mark.usefixtures("committed_db")


@pytest.mark.django_db
def test_on_the_test_database():
    on_the_test_database()


@pytest.fixture(autouse=True)
def clean_redis(redis_client):
    redis_client.flushdb()
    gate.reset()


RESERVE_NEW = """
mutation($item: ID!, $qty: Int!, $checkout: CheckoutCreateInput!, $key: String) {
  flashSaleReserve(itemId: $item, quantity: $qty, checkout: $checkout,
                   clientKey: $key) {
    reservation { id }
    checkout { token }
    flashSaleErrors { field code message }
  }
}"""
RESERVE = """
mutation($item: ID!, $qty: Int!, $checkout: ID!) {
  flashSaleReserve(itemId: $item, quantity: $qty, checkoutId: $checkout) {
    reservation { id }
    flashSaleErrors { field code message }
  }
}"""
CHECKOUT_CREATE = """
mutation($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) {
    checkout { token }
    checkoutErrors { field code }
  }
}"""


def gql(query, variables, address="198.51.100.7", token=None):
    body = gql_in_process(query, variables, token, REMOTE_ADDR=address)
    assert "errors" not in body, body
    return body["data"]


def error_codes(payload):
    return [error["code"] for error in payload["flashSaleErrors"]]


def stocked_item(cap):
    """A flash item on a demo variant stocked in a warehouse shipping to
    the test address (a checkout needs both)."""
    return flash_item_on_stocked_variant(cap=cap)


def reserve_new(item, email, key=None, address="198.51.100.7", quantity=1):
    variables = {
        "item": global_id("FlashSaleItem", item.pk),
        "qty": quantity,
        "key": key,
        "checkout": {
            "email": email,
            "lines": [],
            "shippingAddress": ADDRESS,
            "billingAddress": ADDRESS,
        },
    }
    return gql(RESERVE_NEW, variables, address)["flashSaleReserve"]


# --- guests are counted per mailbox ------------------------------------------


@pytest.mark.parametrize(
    "email, mailbox",
    [
        ("Buyer+sale1@Example.com", "buyer@example.com"),
        ("  buyer@example.com ", "buyer@example.com"),
        ("first.last+x@googlemail.com", "firstlast@gmail.com"),
        ("first.last@example.com", "first.last@example.com"),
        ("+only@example.com", "+only@example.com"),
        ("no-at-sign", "no-at-sign"),
    ],
)
def test_normalised_email(email, mailbox):
    assert normalised_email(email) == mailbox


def test_plus_addressed_guests_share_one_allowance():
    item = make_item(cap=10, per_customer_limit=1)
    first = make_checkout("fan+1@example.com")
    storefront.reserve_for_checkout(item.pk, 1, first.token)
    second = make_checkout("Fan+2@Example.com")
    with pytest.raises(ReservationError) as refused:
        storefront.reserve_for_checkout(item.pk, 1, second.token)
    assert refused.value.code == "limit_exceeded"


def test_a_guest_may_not_hold_under_a_members_login():
    item = make_item(cap=10, per_customer_limit=1)
    guest = make_checkout("42+x@wellness-app.members.local")
    with pytest.raises(ReservationError) as refused:
        storefront.reserve_for_checkout(item.pk, 1, guest.token)
    assert refused.value.code == "sign_in_required"
    created = reserve_new(stocked_item(cap=5), "42@Wellness-App.Members.Local")
    assert error_codes(created) == ["SIGN_IN_REQUIRED"]
    assert created["checkout"] is None


# --- sign-in required -----------------------------------------------------------


def test_a_sale_requiring_sign_in_refuses_guests_and_holds_for_members():
    item = make_item(cap=5)
    item.sale.sign_in_required = True
    item.sale.save(update_fields=["sign_in_required"])
    guest = make_checkout("guest@example.com")
    with pytest.raises(ReservationError) as refused:
        storefront.reserve_for_checkout(item.pk, 1, guest.token)
    assert refused.value.code == "sign_in_required"
    assert not Reservation.objects.filter(item=item).exists()

    member = make_user(f"member-{uuid.uuid4().hex[:6]}@example.com")
    own = make_checkout(member.email, user=member)
    held = storefront.reserve_for_checkout(item.pk, 1, own.token, member)
    assert held.quantity == 1


SALE_CREATE = """
mutation($input: FlashSaleInput!) {
  flashSaleCreate(input: $input) {
    sale { id signInRequired }
    flashSaleErrors { field code }
  }
}"""


def test_staff_set_the_sign_in_requirement():
    from plugins.sale_windows.models import FlashSale

    from .factories import make_staff

    staff = make_staff(f"staff-{uuid.uuid4().hex[:6]}@example.com", "manage_discounts")
    created = gql(
        SALE_CREATE,
        {
            "input": {
                "name": "Members first",
                "startsAt": "2030-01-01T10:00:00+00:00",
                "endsAt": "2030-01-01T11:00:00+00:00",
                "signInRequired": True,
            }
        },
        token=get_token(staff),
    )["flashSaleCreate"]
    assert created["flashSaleErrors"] == []
    assert created["sale"]["signInRequired"] is True
    sale = FlashSale.objects.get(name="Members first", sign_in_required=True)
    FlashSale.objects.filter(pk=sale.pk).delete()


# --- rate limits ------------------------------------------------------------------


@override_settings(FLASH_RESERVE_RATE_PER_IP=3)
def test_reserves_are_rate_limited_per_address():
    item = make_item(cap=50)
    checkout = make_checkout()
    variables = {
        "item": global_id("FlashSaleItem", item.pk),
        "qty": 1,
        "checkout": global_id("Checkout", checkout.token),
    }
    answers = [
        error_codes(gql(RESERVE, variables, "203.0.113.9")["flashSaleReserve"])
        for _ in range(5)
    ]
    assert answers == [[], [], [], ["RATE_LIMITED"], ["RATE_LIMITED"]]
    # Another address is not slowed down by this one.
    other = gql(RESERVE, variables, "203.0.113.10")["flashSaleReserve"]
    assert error_codes(other) == []


@override_settings(FLASH_RESERVE_RATE_PER_MEMBER=2, FLASH_RESERVE_RATE_PER_IP=0)
def test_reserves_are_rate_limited_per_member_whatever_their_address():
    item = make_item(cap=50)
    member = make_user(f"member-{uuid.uuid4().hex[:6]}@example.com")
    checkout = make_checkout(member.email, user=member)
    variables = {
        "item": global_id("FlashSaleItem", item.pk),
        "qty": 1,
        "checkout": global_id("Checkout", checkout.token),
    }
    token = get_token(member)
    answers = [
        error_codes(
            gql(RESERVE, variables, f"203.0.113.{n}", token)["flashSaleReserve"]
        )
        for n in range(3)
    ]
    assert answers == [[], [], ["RATE_LIMITED"]]


@override_settings(FLASH_RATE_LIMIT_REDIS_URL="redis://127.0.0.1:1/0")
def test_the_limiter_fails_open_when_redis_is_unreachable():
    limit = rate_limit.Limit(1)
    assert all(rate_limit.allow("test", "198.51.100.1", limit) for _ in range(3))


def test_forwarded_addresses_count_only_behind_our_own_proxies(rf):
    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 9.9.9.9"
    )
    assert rate_limit.client_address(request) == "10.0.0.2"
    with override_settings(FLASH_TRUSTED_PROXY_HOPS=1):
        assert rate_limit.client_address(request) == "9.9.9.9"


# --- the create form is idempotent on a client key ---------------------------


def test_a_retry_with_the_same_client_key_returns_the_first_hold_and_checkout():
    item = stocked_item(cap=5)
    first = reserve_new(item, "retry@example.com", key="cart-42")
    again = reserve_new(item, "retry@example.com", key="cart-42")
    assert error_codes(first) == [] and error_codes(again) == []
    assert again["reservation"] == first["reservation"]
    assert again["checkout"] == first["checkout"]
    assert Reservation.objects.filter(item=item).count() == 1
    assert Checkout.objects.filter(email="retry@example.com").count() == 1

    other = reserve_new(item, "retry@example.com", key="cart-42", quantity=2)
    assert error_codes(other) == ["INVALID"]


def test_concurrent_calls_with_one_client_key_hold_once():
    item = stocked_item(cap=20)
    email = f"racer-{uuid.uuid4().hex[:6]}@example.com"
    answers, start = [], threading.Barrier(6)

    def call():
        start.wait()
        try:
            answers.append(reserve_new(item, email, key="same-key"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Reservation.objects.filter(item=item, state="held").count() == 1
    tokens = {a["checkout"]["token"] for a in answers if a["checkout"]}
    assert len(tokens) == 1
    assert Checkout.objects.filter(email=email).count() == 1


# --- bounds per checkout and per customer -------------------------------------


@override_settings(FLASH_MAX_HELD_ITEMS_PER_CHECKOUT=2)
def test_a_checkout_holds_a_bounded_number_of_items():
    items = [make_item(cap=5) for _ in range(3)]
    checkout = make_checkout()
    storefront.reserve_for_checkout(items[0].pk, 1, checkout.token)
    storefront.reserve_for_checkout(items[1].pk, 1, checkout.token)
    # Changing an existing hold is never refused by the bound.
    storefront.reserve_for_checkout(items[1].pk, 2, checkout.token)
    with pytest.raises(ReservationError) as refused:
        storefront.reserve_for_checkout(items[2].pk, 1, checkout.token)
    assert refused.value.code == "too_many_holds"


@override_settings(FLASH_MAX_OPEN_HOLDS_PER_CUSTOMER=2)
def test_racing_checkouts_of_one_customer_stay_within_the_bound():
    items = [make_item(cap=5) for _ in range(6)]
    email = f"hoarder-{uuid.uuid4().hex[:6]}@example.com"
    storefront.reserve_for_checkout(items[0].pk, 1, make_checkout(email).token)
    checkouts = [make_checkout(email) for _ in items[1:]]
    outcomes, start = [], threading.Barrier(len(checkouts))

    def hold(item, checkout):
        start.wait()
        try:
            storefront.reserve_for_checkout(item.pk, 1, checkout.token)
            outcomes.append("held")
        except ReservationError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=hold, args=pair) for pair in zip(items[1:], checkouts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["held"] + ["too_many_holds"] * 4
    assert Reservation.objects.filter(customer_key=email, state="held").count() == 2


# --- cart holds on checkoutCreate -----------------------------------------------


@override_settings(FLASH_CART_HOLD_RATE_PER_IP=2)
def test_an_address_gets_a_bounded_number_of_early_cart_holds():
    variant = stocked_item(cap=1).variant
    tokens = []
    for n in range(4):
        created = gql(
            CHECKOUT_CREATE,
            {
                "input": {
                    "email": f"cart-{n}-{uuid.uuid4().hex[:6]}@example.com",
                    "lines": [
                        {
                            "variantId": global_id("ProductVariant", variant.pk),
                            "quantity": 1,
                        }
                    ],
                }
            },
            "192.0.2.44",
        )["checkoutCreate"]
        assert created["checkoutErrors"] == []
        tokens.append(created["checkout"]["token"])
    held = [StockHold.objects.filter(checkout_token=token).exists() for token in tokens]
    assert held == [True, True, False, False]
