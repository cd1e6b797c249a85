"""Saleor's checkout creation, as the flash-sale reserve uses it: validate a
``CheckoutCreateInput`` the way Saleor's checkoutCreate does, save it with
the checkout guard's stock holds, raise a line of an existing checkout, and
translate Saleor's validation errors to FlashSaleErrorCode."""

from __future__ import annotations

from typing import Optional

import graphene
from django.core.exceptions import ValidationError
from django.db import transaction
from saleor.checkout.models import Checkout
from saleor.checkout.utils import add_variant_to_checkout, get_user_checkout
from saleor.core.exceptions import InsufficientStock, ProductNotPublished
from saleor.product.models import ProductVariant

from plugins.checkout_guard.graphql.mutations import CheckoutCreate, hold_lines
from plugins.core.global_ids import value_or_none

from .error_codes import FlashSaleErrorCode

KNOWN_CODES = {code.value for code in FlashSaleErrorCode}


def active_checkout_of(user) -> Optional[Checkout]:
    """A signed-in customer's active checkout (checkoutCreate returns it)."""
    return get_user_checkout(user)[0] if user.is_authenticated else None


def new_checkout_for(user) -> Checkout:
    """An unsaved checkout (its token is known before it is saved)."""
    return Checkout(user=user) if user.is_authenticated else Checkout()


def validated_input(info, checkout, variant_id: int, quantity: int, data) -> dict:
    """Saleor's checkoutCreate validation; fills ``checkout`` in place."""
    data = with_held_line(data, variant_id, quantity)
    cleaned = CheckoutCreate.clean_input(info, checkout, data)
    CheckoutCreate.construct_instance(checkout, cleaned)
    CheckoutCreate.clean_instance(info, checkout)
    return cleaned


def with_held_line(data, variant_id: int, quantity: int) -> dict:
    """The checkout input with the held variant's line at least ``quantity``."""
    variant_gid = graphene.Node.to_global_id("ProductVariant", variant_id)
    lines, found = [], False
    for line in data.get("lines") or []:
        line = dict(line)
        if value_or_none(line.get("variant_id"), "ProductVariant") == str(variant_id):
            line["quantity"] = max(int(line.get("quantity") or 0), quantity)
            found = True
        lines.append(line)
    if not found:
        lines.append({"variant_id": variant_gid, "quantity": quantity})
    return {**dict(data), "lines": lines}


def save_with_holds(info, checkout: Checkout, cleaned: dict) -> None:
    """Save the validated checkout, its lines and the guard's stock holds in
    one transaction, as checkoutCreate does."""
    with transaction.atomic():
        CheckoutCreate.save(info, checkout, cleaned)
        CheckoutCreate._save_m2m(info, checkout, cleaned)
        hold_lines(info, checkout)


def raise_held_line(info, checkout: Checkout, variant_id: int, quantity: int):
    """Raise the variant's line of an existing checkout to at least
    ``quantity`` and hold its stock, in one transaction."""
    with transaction.atomic():
        line = checkout.lines.filter(variant_id=variant_id).first()
        if line is None or line.quantity < quantity:
            _set_line(checkout, variant_id, quantity)
            hold_lines(info, checkout)


def _set_line(checkout, variant_id: int, quantity: int) -> None:
    variant = ProductVariant.objects.select_related("product").get(pk=variant_id)
    try:
        add_variant_to_checkout(checkout, variant, quantity, replace=True)
    except InsufficientStock as error:
        raise ValidationError(
            {
                "lines": ValidationError(
                    f"Insufficient product stock: {error.item}",
                    code=FlashSaleErrorCode.INSUFFICIENT_STOCK.value,
                )
            }
        ) from error
    except ProductNotPublished as error:
        raise ValidationError(
            {
                "lines": ValidationError(
                    "This product is not published.",
                    code=FlashSaleErrorCode.INVALID.value,
                )
            }
        ) from error


def recoded(error: ValidationError) -> ValidationError:
    """Saleor's checkout validation errors with FlashSaleErrorCode codes
    (a code our enum lacks becomes INVALID), fields and messages kept."""

    def one(item: ValidationError) -> ValidationError:
        code = getattr(item.code, "value", item.code)
        code = code if code in KNOWN_CODES else FlashSaleErrorCode.INVALID.value
        return ValidationError(item.message, code=code, params=item.params)

    if hasattr(error, "error_dict"):
        return ValidationError(
            {
                field: [one(item) for item in items]
                for field, items in error.error_dict.items()
            }
        )
    return ValidationError([one(item) for item in error.error_list])
