"""A malformed or foreign global id is a typed field error (``NOT_FOUND``),
never a top-level GraphQL error, and changes nothing (plugins.core.global_ids).
In-process: Django's test client against our /graphql/."""

from __future__ import annotations

import uuid

import graphene
import pytest
from graphql_jwt.shortcuts import get_token

from plugins.sale_windows.models import FlashSale, Reservation
from tests.support import gql_in_process

from . import factories

pytestmark = [pytest.mark.django_db]


def gid(type_name, value):
    return graphene.Node.to_global_id(type_name, value)


def gql(query, variables, token=None):
    body = gql_in_process(query, variables, token)
    assert "errors" not in body, body
    return body["data"]


RESERVE = """
mutation($item: ID!, $checkout: ID!) {
  flashSaleReserve(itemId: $item, quantity: 1, checkoutId: $checkout) {
    reservation { id } flashSaleErrors { field code }
  }
}"""
RESERVE_PACKAGE = """
mutation($sale: ID!, $checkout: ID!) {
  flashSaleReservePackage(saleId: $sale, quantity: 1, checkoutId: $checkout) {
    reservations { id } flashSaleErrors { field code }
  }
}"""
RELEASE = """
mutation($id: ID!) {
  flashSaleRelease(id: $id) { reservation { id } flashSaleErrors { field code } }
}"""
CANCEL_SALE = """
mutation($id: ID!) {
  flashSaleCancel(id: $id) { sale { status } flashSaleErrors { field code } }
}"""
CREATE_ITEM = """
mutation($sale: ID!, $variant: ID!) {
  flashSaleItemCreate(saleId: $sale, input: {variantId: $variant, cap: 1,
                                             salePrice: "1.00"}) {
    item { id } flashSaleErrors { field code }
  }
}"""
COMPLETE = """
mutation($checkout: ID!) {
  checkoutComplete(checkoutId: $checkout) {
    order { id } checkoutErrors { field code }
  }
}"""

NOT_INT = ["junk", gid("FlashSaleItem", "abc"), gid("FlashSaleItem", str(2**31))]


def _errors(payload):
    return [(e["field"], e["code"]) for e in payload["flashSaleErrors"]]


@pytest.mark.parametrize("bad", NOT_INT + [gid("Product", 1)])
def test_reserve_with_a_bad_item_id(bad):
    item = factories.make_item(cap=3)
    checkout = factories.make_checkout()
    answer = gql(RESERVE, {"item": bad, "checkout": gid("Checkout", checkout.token)})
    assert _errors(answer["flashSaleReserve"]) == [("itemId", "NOT_FOUND")]
    assert not Reservation.objects.filter(item=item).exists()


@pytest.mark.parametrize("bad", ["junk", gid("Checkout", "not-a-uuid")])
def test_reserve_with_a_bad_checkout_id(bad):
    item = factories.make_item(cap=3)
    answer = gql(RESERVE, {"item": gid("FlashSaleItem", item.pk), "checkout": bad})
    assert _errors(answer["flashSaleReserve"]) == [("checkoutId", "NOT_FOUND")]
    assert not Reservation.objects.filter(item=item).exists()


def test_package_and_release_with_bad_ids():
    checkout = gid("Checkout", uuid.uuid4())
    answer = gql(RESERVE_PACKAGE, {"sale": gid("FlashSale", "x"), "checkout": checkout})
    assert _errors(answer["flashSaleReservePackage"]) == [("saleId", "NOT_FOUND")]
    answer = gql(RELEASE, {"id": gid("FlashReservation", "nope")})
    assert _errors(answer["flashSaleRelease"]) == [("id", "NOT_FOUND")]


def test_staff_mutations_with_bad_ids():
    staff = factories.make_staff(
        f"staff-{uuid.uuid4().hex[:8]}@example.com", "manage_discounts"
    )
    token = get_token(staff)
    item = factories.make_item()
    for bad in NOT_INT + [gid("FlashSale", 2**31 - 1)]:
        answer = gql(CANCEL_SALE, {"id": bad}, token)
        assert _errors(answer["flashSaleCancel"]) == [("id", "NOT_FOUND")], bad
    answer = gql(
        CREATE_ITEM,
        {"sale": gid("FlashSale", item.sale_id), "variant": gid("ProductVariant", "v")},
        token,
    )
    assert _errors(answer["flashSaleItemCreate"]) == [("variantId", "NOT_FOUND")]
    assert FlashSale.objects.get(pk=item.sale_id).cancelled_at is None
    assert item.sale.items.count() == 1


@pytest.mark.parametrize("bad", ["junk", gid("Checkout", "not-a-uuid")])
def test_guarded_checkout_complete_answers_a_bad_id_with_not_found(bad):
    answer = gql(COMPLETE, {"checkout": bad})
    assert answer["checkoutComplete"]["order"] is None
    errors = answer["checkoutComplete"]["checkoutErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("checkoutId", "NOT_FOUND")]
