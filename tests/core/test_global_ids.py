"""plugins.core.global_ids: one decoder, one typed error (no database but for
``existing_pk``)."""

import uuid

import graphene
import pytest
from django.core.exceptions import ValidationError

from plugins.core.global_ids import (
    InvalidGlobalId,
    decode_int,
    decode_uuid,
    decode_value,
    existing_pk,
    int_or_none,
    uuid_or_none,
    value_or_none,
)


def gid(type_name, value):
    return graphene.Node.to_global_id(type_name, value)


TOKEN = uuid.uuid4()
NOT_IDS = [
    None,
    "",
    17,
    "not base64 at all!",
    "bm8gY29sb24",  # base64 of "no colon"
    gid("Checkout", ""),
]


def test_decodes_ids_of_the_expected_type():
    assert decode_value(gid("FlashSale", 7), "FlashSale", "id") == "7"
    assert decode_int(gid("FlashSale", 7), "FlashSale", "id") == 7
    assert decode_uuid(gid("Checkout", TOKEN), "Checkout", "checkoutId") == TOKEN
    assert value_or_none(gid("ProductVariant", 3), "ProductVariant") == "3"
    assert int_or_none(gid("ProductVariant", 3), "ProductVariant") == 3
    assert uuid_or_none(gid("Checkout", TOKEN), "Checkout") == TOKEN


@pytest.mark.parametrize(
    "bad",
    NOT_IDS
    + [
        gid("Product", 7),  # another type
        gid("FlashSale", "abc"),
        gid("FlashSale", "-1"),
        gid("FlashSale", "0"),
        gid("FlashSale", str(2**31)),  # beyond PostgreSQL's integer
        gid("FlashSale", "²"),  # a digit to str.isdigit, not to int()
        gid("FlashSale", "1.5"),
    ],
)
def test_anything_else_is_one_typed_field_error(bad):
    assert int_or_none(bad, "FlashSale") is None
    with pytest.raises(InvalidGlobalId) as raised:
        decode_int(bad, "FlashSale", "sale_id")
    error = raised.value
    assert isinstance(error, ValidationError)  # Saleor's mutations answer it
    assert (error.field, error.expected_type) == ("sale_id", "FlashSale")
    [field_error] = error.error_dict["sale_id"]
    assert field_error.code == "not_found"
    assert field_error.messages == ["Not a FlashSale ID."]


@pytest.mark.parametrize("bad", NOT_IDS + [gid("Checkout", "not-a-uuid")])
def test_a_token_that_is_no_uuid_is_refused(bad):
    assert uuid_or_none(bad, "Checkout") is None
    with pytest.raises(InvalidGlobalId):
        decode_uuid(bad, "Checkout", "checkout_id")


@pytest.mark.django_db
def test_existing_pk_names_a_missing_row():
    from plugins.sale_windows.models import FlashSale

    with pytest.raises(InvalidGlobalId) as raised:
        existing_pk(gid("FlashSale", 2**31 - 1), "FlashSale", "id", FlashSale)
    [field_error] = raised.value.error_dict["id"]
    assert field_error.messages == ["No FlashSale with this ID."]
    with pytest.raises(InvalidGlobalId):
        existing_pk(gid("FlashSale", "x"), "FlashSale", "id", FlashSale)
