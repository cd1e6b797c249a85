"""Storefront use cases: who is buying, may they, then hold or release.

Order of the checks, cheapest first: the quantity (in process), the Redis
gate (SOLD_OUT / LIMIT_EXCEEDED, no PostgreSQL), the checkout and channel
(indexed reads), and finally the locked decision in PostgreSQL.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager, nullcontext
from typing import List, Optional

from saleor.checkout.models import Checkout

from plugins.channel_pricing.services import is_member_login
from plugins.core.database_lane import express

from . import reservations
from .channel_access import buyer_refusal
from .domain import normalised_email
from .models import FlashSaleItem, Reservation
from .packages import is_package_item, reserve_package
from .reservations import Buyer, ReservationError


def _not_found(what: str) -> ReservationError:
    return ReservationError("not_found", f"No {what} with this ID.")


def _customer_key_of(user) -> str:
    if user is not None and getattr(user, "is_authenticated", False):
        return (user.email or f"user-{user.pk}").lower()
    return ""


def resolve_buyer(checkout_token: uuid.UUID, user) -> Buyer:
    """The customer a hold counts against: the signed-in account, else the
    checkout's account, else the guest checkout's e-mail."""
    checkout = (
        Checkout.objects.filter(token=checkout_token)
        .select_related("user")
        .only("token", "email", "user__email", "user__id")
        .first()
    )
    if checkout is None:
        raise _not_found("checkout")
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if checkout.user_id and (not signed_in or checkout.user_id != user.pk):
        # Someone else's checkout: do not reveal it.
        raise _not_found("checkout")
    if signed_in:
        return Buyer(_customer_key_of(user), str(checkout.token), user.pk)
    _refuse_member_login_for_guest(checkout.email)
    return Buyer(normalised_email(checkout.email or ""), str(checkout.token), None)


def _refuse_member_login_for_guest(email: Optional[str]) -> None:
    """A guest may not hold under a channel member's login address: it would
    count against (and use up) that member's per-customer limit."""
    if is_member_login(email):
        raise ReservationError(
            "sign_in_required",
            "This address belongs to a channel member: sign in through the "
            "channel to hold units.",
        )


@contextmanager
def checkout_kept_still(checkout_token: uuid.UUID):
    """Hold the checkout's completion lock (the checkout guard's) for the
    block: a running checkoutComplete of the checkout finishes first and a
    new one waits, so its order sells exactly the holds it was priced and
    paid for. Every change of an existing checkout's holds runs in it.

    Tried in the express lane; waited for outside it, so that a buyer
    reserving on a checkout being paid does not stall the process's other
    hold decisions. Re-entrant within one connection.
    """
    from plugins.checkout_guard.services import completion_lock

    lock = completion_lock(checkout_token)
    with express():
        taken = lock.try_acquire()
    if not taken:
        lock.acquire()
    try:
        yield
    finally:
        with express():
            lock.release()


def admit(item_id: int, quantity: int, checkout_token: str, customer_key: str):
    """The cheap refusals, before any PostgreSQL work: the quantity and the
    Redis gate (SOLD_OUT / LIMIT_EXCEEDED). Raises ReservationError."""
    reservations.gate_check(item_id, quantity, checkout_token, customer_key)


def customer_key_for(user, email: Optional[str]) -> str:
    """The key a new checkout's hold counts against: the signed-in account,
    else the guest's mailbox (``domain.normalised_email``: plus-addressing
    does not buy a fresh allowance)."""
    signed_in_key = _customer_key_of(user)
    if signed_in_key:
        return signed_in_key
    _refuse_member_login_for_guest(email)
    return normalised_email(email or "")


def _refuse_buyer(item_id: int, user_id: Optional[int]) -> None:
    refusal = buyer_refusal(item_id, user_id)
    if refusal:
        raise ReservationError(*refusal)


def _hold(item_id: int, quantity: int, buyer: Buyer) -> Reservation:
    _refuse_buyer(item_id, buyer.user_id)
    if is_package_item(item_id):
        raise ReservationError(
            "invalid",
            "This item is part of a package: hold the whole package "
            "(flashSaleReservePackage).",
        )
    return reservations.reserve(item_id, quantity, buyer)


def reserve_for_checkout(
    item_id: int, quantity: int, checkout_token: uuid.UUID, user=None
) -> Reservation:
    """Hold ``quantity`` units of a flash item for an existing checkout.

    Raises ReservationError with a FlashSaleErrorCode value.
    """
    admit(item_id, quantity, str(checkout_token), _customer_key_of(user))
    with checkout_kept_still(checkout_token), express():
        return _hold(item_id, quantity, resolve_buyer(checkout_token, user))


def reserve_for_new_checkout(
    item_id: int,
    quantity: int,
    checkout_token: uuid.UUID,
    customer_key: str,
    user,
    client_key: str = "",
) -> Reservation:
    """Hold units for a checkout that is created right after, under the
    given token (the caller has already called ``admit``). The hold commits
    first; if the checkout then cannot be created the caller releases it.

    Raises ReservationError with a FlashSaleErrorCode value.
    """
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    buyer = Buyer(
        customer_key,
        str(checkout_token),
        user.pk if signed_in else None,
        client_key,
    )
    return _hold(item_id, quantity, buyer)


def hold_of_client_key(customer_key: str, client_key: str) -> Optional[Reservation]:
    """The hold an earlier flashSaleReserve(checkout: …) with this client key
    made for this customer, if any."""
    if not client_key or not customer_key:
        return None
    return Reservation.objects.filter(
        customer_key=customer_key, client_key=client_key
    ).first()


def forget_failed_client_key(hold: Reservation) -> bool:
    """Free the client key of a hold that was given back because its checkout
    could not be created (so a retry with the key may try again)."""
    if hold.state == reservations.HELD:
        return False
    return bool(
        Reservation.objects.filter(pk=hold.pk)
        .exclude(state=reservations.HELD)
        .update(client_key="")
    )


def held_quantity(item_id: int, checkout_token: uuid.UUID) -> int:
    """Units a checkout holds on an item right now (0 when none)."""
    return (
        Reservation.objects.filter(
            item_id=item_id,
            checkout_token=checkout_token,
            state=reservations.HELD,
        )
        .values_list("quantity", flat=True)
        .first()
        or 0
    )


def variant_of_item(item_id: int) -> Optional[int]:
    return (
        FlashSaleItem.objects.filter(pk=item_id)
        .values_list("variant_id", flat=True)
        .first()
    )


def reserve_package_for_checkout(
    sale_id: int, quantity: int, checkout_token: uuid.UUID, user=None
) -> List[Reservation]:
    """Hold ``quantity`` of every item of a package sale, all or nothing."""
    with express():
        item_ids = list(
            FlashSaleItem.objects.filter(sale_id=sale_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    for item_id in item_ids:
        admit(item_id, quantity, str(checkout_token), _customer_key_of(user))
    with checkout_kept_still(checkout_token), express():
        buyer = resolve_buyer(checkout_token, user)
        if item_ids:
            _refuse_buyer(item_ids[0], buyer.user_id)
        return reserve_package(sale_id, quantity, buyer)


def release_hold(reservation_token: uuid.UUID) -> Reservation:
    """Give a hold's units back (its id is the proof of ownership).

    Not while its checkout is being completed: a release between payment and
    the order would leave the order priced without the hold it was paid for.
    The release waits for the running checkoutComplete; if that sold the hold,
    the release finds it COMMITTED and changes nothing.
    """
    from plugins.checkout_guard.services import while_not_completing

    found = find_reservation(reservation_token)
    if found is None:
        raise _not_found("reservation")
    token = found.checkout_token
    with while_not_completing(token) if token else nullcontext():
        reservation = reservations.release(reservation_token)
    if reservation is None:
        raise _not_found("reservation")
    return reservation


def item_exists(item_id: int) -> bool:
    return FlashSaleItem.objects.filter(pk=item_id).exists()


def find_reservation(token: uuid.UUID) -> Optional[Reservation]:
    return Reservation.objects.filter(token=token).select_related("item").first()


def find_checkout(token: uuid.UUID) -> Optional[Checkout]:
    return Checkout.objects.filter(token=token).first()
