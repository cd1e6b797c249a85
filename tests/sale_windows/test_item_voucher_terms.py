"""flashSaleItemCreate/Update tell the truth about voucher fields (#10 item 2):
applied on a voucher sale's items, refused with a typed error elsewhere or
when out of range; never accepted and ignored. In-process GraphQL."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from graphql_jwt.shortcuts import get_token

from plugins.sale_windows.models import FlashSaleItem

from .factories import global_id, make_item, make_staff, make_stock, make_variant

pytestmark = pytest.mark.django_db

UPDATE = """
mutation($id: ID!, $input: FlashSaleItemInput!) {
  flashSaleItemUpdate(id: $id, input: $input) {
    item { id cap }
    flashSaleErrors { field code }
  }
}"""
CREATE = """
mutation($sale: ID!, $input: FlashSaleItemInput!) {
  flashSaleItemCreate(saleId: $sale, input: $input) {
    item { id }
    flashSaleErrors { field code }
  }
}"""


@pytest.fixture
def gql():
    token = get_token(make_staff("voucher-staff@example.com", "manage_discounts"))

    def run(query, variables):
        response = Client().post(
            "/graphql/",
            json.dumps({"query": query, "variables": variables}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"JWT {token}",
        )
        return response.json()["data"]

    return run


def voucher_item():
    return make_item(
        kind="voucher", starts_in=timedelta(hours=1), ends_in=timedelta(hours=2)
    )


def update(gql, item, **fields):
    variables = {"id": global_id("FlashSaleItem", item.pk), "input": fields}
    return gql(UPDATE, variables)["flashSaleItemUpdate"]


def test_update_applies_voucher_terms_on_a_voucher_sale(gql):
    item = voucher_item()
    result = update(gql, item, voucherValue="25.00", voucherValidDays=30)
    assert result["flashSaleErrors"] == []
    item.refresh_from_db()
    assert item.voucher_value_amount == Decimal("25.00")
    assert item.voucher_valid_days == 30

    # Only what is sent changes.
    update(gql, item, cap=7)
    item.refresh_from_db()
    assert (item.cap, item.voucher_value_amount, item.voucher_valid_days) == (
        7,
        Decimal("25.00"),
        30,
    )


def test_voucher_terms_on_another_kind_of_sale_are_refused(gql):
    item = make_item(starts_in=timedelta(hours=1), ends_in=timedelta(hours=2))
    result = update(gql, item, voucherValue="25.00", cap=9)
    assert result["item"] is None
    assert result["flashSaleErrors"] == [
        {"field": "voucherValue", "code": "VOUCHER_SALE_ONLY"}
    ]
    item.refresh_from_db()
    assert item.cap == 50 and item.voucher_value_amount is None

    variant = make_variant()
    make_stock(variant, 10)
    created = gql(
        CREATE,
        {
            "sale": global_id("FlashSale", item.sale_id),
            "input": {
                "variantId": global_id("ProductVariant", variant.pk),
                "cap": 2,
                "salePrice": "5.00",
                "voucherValidDays": 10,
            },
        },
    )["flashSaleItemCreate"]
    assert created["flashSaleErrors"] == [
        {"field": "voucherValidDays", "code": "VOUCHER_SALE_ONLY"}
    ]
    assert not FlashSaleItem.objects.filter(variant=variant).exists()


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"voucherValue": "0"}, {"field": "voucherValue", "code": "INVALID_PRICE"}),
        ({"voucherValidDays": 0}, {"field": "voucherValidDays", "code": "INVALID"}),
        ({"voucherValidDays": -3}, {"field": "voucherValidDays", "code": "INVALID"}),
    ],
)
def test_out_of_range_voucher_terms_are_refused(gql, fields, error):
    item = voucher_item()
    result = update(gql, item, **fields)
    assert result["flashSaleErrors"] == [error]
    item.refresh_from_db()
    assert item.voucher_value_amount is None and item.voucher_valid_days is None
