"""flashSaleReserve with ``checkout`` instead of ``checkoutId``: hold first,
then create the checkout with the held units in it, the way Saleor's
checkoutCreate does (its input type, validation and save, plus the checkout
guard's stock holds).

The order of work is cheapest first, so that a sold-out herd's losers cost
one Redis call and no PostgreSQL at all:

1. the quantity and the Redis gate (SOLD_OUT / LIMIT_EXCEEDED);
2. the locked decision in PostgreSQL, for the token the checkout will get
   (this commits the hold); with threaded workers it runs outside the
   database lane (``plugins/core/database_lane.py``), so losers that get
   this far are not queued behind other buyers' checkouts;
3. Saleor's validation of the checkout input (e-mail, lines, addresses), then
   one transaction: the checkout, its lines (the held variant added, or its
   line raised to the held quantity) and the guard's stock holds. If either
   fails the hold is given back and the error returned: nothing is left.

A signed-in customer who already has an active checkout gets the hold on that
checkout (checkoutCreate would return it too) and its line raised to the held
quantity, both under that checkout's completion lock (the checkout guard's):
a checkoutComplete of it runs before or after, never in between.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import partial
from typing import Tuple

import graphene
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from saleor.checkout.models import Checkout
from saleor.checkout.utils import add_variant_to_checkout, get_user_checkout
from saleor.core.exceptions import InsufficientStock, ProductNotPublished
from saleor.product.models import ProductVariant

from plugins.checkout_guard.graphql.mutations import CheckoutCreate, hold_lines
from plugins.core.database_lane import express
from plugins.core.global_ids import value_or_none

from .. import storefront
from ..error_codes import FlashSaleErrorCode
from ..models import Reservation

KNOWN_CODES = {code.value for code in FlashSaleErrorCode}


def reserve_with_checkout(
    info, item_id: int, quantity: int, data, client_key: str = ""
) -> Tuple[Reservation, Checkout]:
    """Hold units and create (or reuse) the buyer's checkout holding them.

    With a ``client_key`` the call is idempotent: a retry returns the first
    call's hold and checkout. Raises ReservationError (refused hold) or
    ValidationError (bad input), with nothing changed.
    """
    user = info.context.user
    customer_key = storefront.customer_key_for(user, data.get("email"))
    client_key = _checked_client_key(client_key)
    earlier = _earlier_call(customer_key, client_key, item_id, quantity)
    if earlier is not None:
        return earlier
    storefront.admit(item_id, quantity, "", customer_key)
    if not customer_key:
        raise ValidationError(
            {
                "email": ValidationError(
                    "A guest's e-mail is needed to create the checkout: the "
                    "per-customer limit counts against it.",
                    code=FlashSaleErrorCode.REQUIRED.value,
                )
            }
        )
    with express():
        variant_id = storefront.variant_of_item(item_id)
        existing = get_user_checkout(user)[0] if user.is_authenticated else None
        if existing is None:
            checkout = Checkout(user=user) if user.is_authenticated else Checkout()
            try:
                reservation = storefront.reserve_for_new_checkout(
                    item_id, quantity, checkout.token, customer_key, user, client_key
                )
            except IntegrityError:
                # The same key won a concurrent call a moment ago.
                earlier = _earlier_call(customer_key, client_key, item_id, quantity)
                if earlier is None:
                    raise
                return earlier
    if existing is not None:
        return _into_existing(info, item_id, variant_id, quantity, existing)
    with _undone_on_failure(partial(storefront.release_hold, reservation.token)):
        cleaned = _validated_input(info, checkout, variant_id, quantity, data)
        with transaction.atomic():
            CheckoutCreate.save(info, checkout, cleaned)
            CheckoutCreate._save_m2m(info, checkout, cleaned)
            hold_lines(info, checkout)
    return reservation, checkout


def _checked_client_key(client_key: str) -> str:
    client_key = (client_key or "").strip()
    if len(client_key) > 64:
        raise ValidationError(
            {
                "client_key": ValidationError(
                    "A client key has at most 64 characters.",
                    code=FlashSaleErrorCode.INVALID.value,
                )
            }
        )
    return client_key


def _earlier_call(customer_key, client_key, item_id, quantity):
    """(hold, checkout) of an earlier call with this client key, or None.

    The same key with another item or quantity is refused, as Stripe refuses
    an idempotency key reused with other parameters."""
    hold = storefront.hold_of_client_key(customer_key, client_key)
    if hold is None:
        return None
    if hold.item_id != item_id or hold.quantity != quantity:
        raise ValidationError(
            {
                "client_key": ValidationError(
                    "This client key was used for another item or quantity.",
                    code=FlashSaleErrorCode.INVALID.value,
                )
            }
        )
    checkout = storefront.find_checkout(hold.checkout_token)
    if checkout is None and storefront.forget_failed_client_key(hold):
        return None  # the first call failed and gave its hold back: try again
    if checkout is None:
        raise ValidationError(
            {
                "client_key": ValidationError(
                    "The first call with this client key has not finished; "
                    "retry in a moment.",
                    code=FlashSaleErrorCode.INVALID.value,
                )
            }
        )
    return hold, checkout


@contextmanager
def _undone_on_failure(undo):
    """Run ``undo`` (give the hold back) if the block fails; a validation
    error comes out with our codes, anything else as it was."""
    try:
        yield
    except ValidationError as error:
        undo()
        raise recoded(error) from error
    except Exception:
        undo()
        raise


def _validated_input(info, checkout, variant_id: int, quantity: int, data) -> dict:
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


def _into_existing(info, item_id, variant_id, quantity, checkout):
    """The hold and the line change together, under the checkout's completion
    lock: a checkoutComplete of this checkout runs before or after, never
    between (its order would sell other holds than it was priced for)."""
    user = info.context.user
    with storefront.checkout_kept_still(checkout.token):
        with express():
            before = storefront.held_quantity(item_id, checkout.token)
        reservation = storefront.reserve_for_checkout(
            item_id, quantity, checkout.token, user
        )
        restore = partial(_restore_hold, item_id, checkout, before, reservation, user)
        with _undone_on_failure(restore):
            with transaction.atomic():
                line = checkout.lines.filter(variant_id=variant_id).first()
                if line is None or line.quantity < quantity:
                    _set_line(checkout, variant_id, quantity)
                    hold_lines(info, checkout)
    return reservation, checkout


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


def _restore_hold(item_id, checkout, before: int, reservation, user) -> None:
    """Put the checkout's hold back as it was before this call."""
    if before == reservation.quantity:
        return
    if before == 0:
        storefront.release_hold(reservation.token)
    else:
        storefront.reserve_for_checkout(item_id, before, checkout.token, user)


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
