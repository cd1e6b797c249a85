"""Staff GraphQL for sales and items over HTTP: Saleor's permission
(MANAGE_DISCOUNTS) and every validation, each with its typed error code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from plugins.sale_windows import gate, storefront
from plugins.sale_windows.models import FlashSaleItem
from plugins.sale_windows.reservations import ReservationError

from .factories import (
    global_id,
    make_checkout,
    make_staff,
    make_stock,
    make_variant,
    on_the_test_database,
)

pytestmark = [pytest.mark.server, pytest.mark.usefixtures("committed_db")]


@pytest.mark.django_db
def test_on_the_test_database():
    on_the_test_database()


CREATE_SALE = """
mutation($input: FlashSaleInput!) {
  flashSaleCreate(input: $input) {
    sale { id name status kind }
    flashSaleErrors { field code message }
  }
}"""
UPDATE_SALE = """
mutation($id: ID!, $input: FlashSaleInput!) {
  flashSaleUpdate(id: $id, input: $input) {
    sale { id startsAt endsAt }
    flashSaleErrors { field code message }
  }
}"""
CANCEL_SALE = """
mutation($id: ID!) {
  flashSaleCancel(id: $id) { sale { status } flashSaleErrors { code } }
}"""
CREATE_ITEM = """
mutation($sale: ID!, $input: FlashSaleItemInput!) {
  flashSaleItemCreate(saleId: $sale, input: $input) {
    item { id cap sold reserved remaining salePrice { amount } perCustomerLimit }
    flashSaleErrors { field code message }
  }
}"""
UPDATE_ITEM = """
mutation($id: ID!, $input: FlashSaleItemInput!) {
  flashSaleItemUpdate(id: $id, input: $input) {
    item { id cap perCustomerLimit }
    flashSaleErrors { field code message }
  }
}"""


@pytest.fixture(scope="module")
def staff_token(api_server, committed_db):
    make_staff("flash-staff@example.com", "manage_discounts")
    body = api_server.gql(
        """mutation { tokenCreate(email: "flash-staff@example.com",
                                  password: "flash-test-password") { token } }"""
    )
    return body["data"]["tokenCreate"]["token"]


@pytest.fixture(autouse=True)
def clean_gate(redis_client):
    redis_client.flushdb()
    gate.reset()


def window(start_minutes=-1, end_minutes=60):
    now = timezone.now()
    return {
        "startsAt": (now + timedelta(minutes=start_minutes)).isoformat(),
        "endsAt": (now + timedelta(minutes=end_minutes)).isoformat(),
    }


def create_sale(server, token, **fields):
    payload = {"name": "Staff sale", **window(), **fields}
    return server.gql(CREATE_SALE, {"input": payload}, token)["data"]["flashSaleCreate"]


def create_item(server, token, sale_id, variant, cap=5, price="5.00", **extra):
    payload = {
        "variantId": global_id("ProductVariant", variant.pk),
        "cap": cap,
        "salePrice": price,
        **extra,
    }
    return server.gql(CREATE_ITEM, {"sale": sale_id, "input": payload}, token)["data"][
        "flashSaleItemCreate"
    ]


def codes(payload):
    return [(error["field"], error["code"]) for error in payload["flashSaleErrors"]]


def test_staff_mutations_need_manage_discounts(api_server):
    body = api_server.gql(CREATE_SALE, {"input": {"name": "x", **window()}})
    assert body["data"]["flashSaleCreate"] is None
    assert "permission" in body["errors"][0]["message"]


def test_the_end_must_come_after_the_start(api_server, staff_token):
    payload = create_sale(api_server, staff_token, **window(10, 5))
    assert codes(payload) == [("endsAt", "INVALID_WINDOW")]


def test_item_rules_each_with_a_typed_code(api_server, staff_token):
    sale = create_sale(api_server, staff_token)["sale"]
    variant = make_variant()
    make_stock(variant, 10)
    bad_cap = create_item(api_server, staff_token, sale["id"], variant, cap=0)
    assert codes(bad_cap) == [("cap", "INVALID_CAP")]
    bad_price = create_item(api_server, staff_token, sale["id"], variant, price="0")
    assert codes(bad_price) == [("salePrice", "INVALID_PRICE")]
    missing = api_server.gql(
        CREATE_ITEM,
        {
            "sale": sale["id"],
            "input": {
                "variantId": global_id("ProductVariant", 10**9),
                "cap": 1,
                "salePrice": "1",
            },
        },
        staff_token,
    )["data"]["flashSaleItemCreate"]
    assert codes(missing) == [("variantId", "NOT_FOUND")]
    too_many = create_item(api_server, staff_token, sale["id"], variant, cap=11)
    assert codes(too_many) == [("cap", "INSUFFICIENT_STOCK")]

    created = create_item(api_server, staff_token, sale["id"], variant, cap=10)
    assert not created["flashSaleErrors"]
    assert created["item"]["remaining"] == 10
    again = create_item(api_server, staff_token, sale["id"], variant, cap=1)
    assert codes(again) == [("variantId", "DUPLICATE_VARIANT")]


def test_no_two_overlapping_sales_offer_the_same_variant(api_server, staff_token):
    variant = make_variant()
    make_stock(variant, 10)
    first = create_sale(api_server, staff_token, **window(-1, 60))["sale"]
    assert not create_item(api_server, staff_token, first["id"], variant, cap=3)[
        "flashSaleErrors"
    ]
    overlapping = create_sale(api_server, staff_token, **window(30, 90))["sale"]
    refused = create_item(api_server, staff_token, overlapping["id"], variant, cap=3)
    assert codes(refused) == [("variantId", "OVERLAPPING_SALE")]
    later = create_sale(api_server, staff_token, **window(60, 120))["sale"]
    assert not create_item(api_server, staff_token, later["id"], variant, cap=3)[
        "flashSaleErrors"
    ]
    # Moving the later sale onto the first one's window is refused too.
    moved = api_server.gql(
        UPDATE_SALE, {"id": later["id"], "input": window(10, 70)}, staff_token
    )["data"]["flashSaleUpdate"]
    assert codes(moved) == [("variantId", "OVERLAPPING_SALE")]


def test_pre_orders_sell_ahead_of_stock(api_server, staff_token):
    sale = create_sale(api_server, staff_token, kind="PRE_ORDER")["sale"]
    assert sale["kind"] == "PRE_ORDER"
    created = create_item(api_server, staff_token, sale["id"], make_variant(), cap=500)
    assert not created["flashSaleErrors"]


def test_a_live_cap_never_drops_below_sold_plus_reserved(api_server, staff_token):
    variant = make_variant()
    make_stock(variant, 10)
    sale = create_sale(api_server, staff_token)["sale"]
    item = create_item(api_server, staff_token, sale["id"], variant, cap=5)["item"]
    item_pk = FlashSaleItem.objects.get(variant=variant).pk
    storefront.reserve_for_checkout(item_pk, 3, make_checkout().token)
    lowered = api_server.gql(
        UPDATE_ITEM, {"id": item["id"], "input": {"cap": 2}}, staff_token
    )["data"]["flashSaleItemUpdate"]
    assert codes(lowered) == [("cap", "CAP_BELOW_COMMITTED")]
    ok = api_server.gql(
        UPDATE_ITEM,
        {"id": item["id"], "input": {"cap": 3, "perCustomerLimit": 2}},
        staff_token,
    )["data"]["flashSaleItemUpdate"]
    assert ok == {
        "item": {"id": item["id"], "cap": 3, "perCustomerLimit": 2},
        "flashSaleErrors": [],
    }
    # The gate learnt the new cap at once: the item is full now.
    assert (
        gate.check(FlashSaleItem.objects.get(pk=item_pk).sale_id, item_pk, 1)
        == gate.SOLD_OUT
    )
    raised = api_server.gql(
        UPDATE_ITEM, {"id": item["id"], "input": {"cap": 11}}, staff_token
    )["data"]["flashSaleItemUpdate"]
    assert codes(raised) == [("cap", "INSUFFICIENT_STOCK")]


def test_cancel_stops_new_holds(api_server, staff_token):
    variant = make_variant()
    make_stock(variant, 10)
    sale = create_sale(api_server, staff_token)["sale"]
    create_item(api_server, staff_token, sale["id"], variant, cap=5)
    cancelled = api_server.gql(CANCEL_SALE, {"id": sale["id"]}, staff_token)["data"][
        "flashSaleCancel"
    ]
    assert cancelled == {"sale": {"status": "CANCELLED"}, "flashSaleErrors": []}
    item = FlashSaleItem.objects.get(variant=variant)
    with pytest.raises(ReservationError) as refused:
        storefront.reserve_for_checkout(item.pk, 1, make_checkout().token)
    assert refused.value.code == "not_live"
