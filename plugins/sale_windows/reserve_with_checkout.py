"""The use case behind flashSaleReserve with ``checkout`` instead of
``checkoutId``: hold first, then create the checkout with the held units in
it, the way Saleor's checkoutCreate does (its input type, validation and
save, plus the checkout guard's stock holds), through the adapter
``saleor_checkout``; ``graphql/mutations.py`` is only the entry point.

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

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from saleor.checkout.models import Checkout

from plugins.core.database_lane import express

from . import saleor_checkout, storefront
from .error_codes import FlashSaleErrorCode
from .models import Reservation


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
        existing = saleor_checkout.active_checkout_of(user)
        if existing is None:
            checkout = saleor_checkout.new_checkout_for(user)
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
        cleaned = saleor_checkout.validated_input(
            info, checkout, variant_id, quantity, data
        )
        saleor_checkout.save_with_holds(info, checkout, cleaned)
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
        raise saleor_checkout.recoded(error) from error
    except Exception:
        undo()
        raise


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
            saleor_checkout.raise_held_line(info, checkout, variant_id, quantity)
    return reservation, checkout


def _restore_hold(item_id, checkout, before: int, reservation, user) -> None:
    """Put the checkout's hold back as it was before this call."""
    if before == reservation.quantity:
        return
    if before == 0:
        storefront.release_hold(reservation.token)
    else:
        storefront.reserve_for_checkout(item_id, before, checkout.token, user)
