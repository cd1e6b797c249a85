"""Holds: reserve units of an item for a checkout, release them, expire the
lapsed ones. Each decision is made under the item's lock (``locked_item``)
and the item's new state is published to the gate after commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Tuple

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from plugins.core.errors import ServiceRefusal
from plugins.provider_dropship.pool import withdrawn_listings

from .. import domain, hold_policy
from ..domain import Refusal
from ..models import FlashSaleItem, Reservation
from .gate_states import gate_state, publish_on_commit
from .locked_item import (
    EXPIRED,
    HELD,
    RELEASED,
    LockedItem,
    expire_lapsed,
    item_counts,
    lock_item,
)


class ReservationError(ServiceRefusal):
    """A refused hold; ``code`` is a ``FlashSaleErrorCode`` value."""


REFUSAL_MESSAGES = {
    Refusal.NOT_LIVE: "This flash sale is not live.",
    Refusal.SOLD_OUT: "Sold out: no units left to hold.",
    Refusal.LIMIT_EXCEEDED: "You have reached the per-customer limit for this item.",
    Refusal.INVALID_QUANTITY: "The quantity must be at least 1 and within the cap.",
}


def refused(refusal: Refusal) -> ReservationError:
    return ReservationError(refusal.value, REFUSAL_MESSAGES[refusal])


def ttl_seconds() -> int:
    return int(getattr(settings, "FLASH_RESERVATION_TTL_SECONDS", 600))


@dataclass(frozen=True)
class Buyer:
    """Who holds: the customer key (e-mail) and the checkout the hold prices."""

    customer_key: str
    checkout_token: str
    user_id: Optional[int] = None
    client_key: str = ""


def reserve(item_id: int, quantity: int, buyer: Buyer) -> Reservation:
    """Hold ``quantity`` units of an item for a checkout; the decision is made
    in PostgreSQL under the item's row lock.

    Setting, not adding: the checkout's hold on the item becomes ``quantity``
    units, so a retried request returns the same hold. A lapsed hold of the
    checkout is renewed if the units are still there.
    Raises ReservationError with a FlashSaleErrorCode value.
    """
    outcome: Tuple[Optional[Reservation], Optional[Refusal]]
    with transaction.atomic():
        item = lock_item(item_id)
        if item is None:
            raise ReservationError("not_found", "No flash-sale item with this ID.")
        if provider_withdrawn(item.item_id):
            raise provider_unavailable()
        expire_lapsed(item)
        over = hold_policy.bounds_refusal(
            item.item_id, item.now, buyer.customer_key, buyer.checkout_token
        )
        if over:
            raise ReservationError(*over)
        outcome = decide_and_hold(item, quantity, buyer)
        publish_on_commit(
            [gate_state(item, [buyer.customer_key], [buyer.checkout_token])]
        )
    reservation, refusal = outcome
    if refusal:
        raise refused(refusal)
    return reservation


def provider_unavailable() -> ReservationError:
    return ReservationError(
        "provider_unavailable", "This item's provider is not selling at the moment."
    )


def provider_withdrawn(item_id: int) -> bool:
    """The item's variant is a provider's listing that is off sale now (its
    provider suspended, or the listing not approved): one query."""
    return (
        FlashSaleItem.objects.filter(pk=item_id)
        .filter(Exists(withdrawn_listings().filter(variant_id=OuterRef("variant_id"))))
        .exists()
    )


def decide_and_hold(
    item: LockedItem, quantity: int, buyer: Buyer
) -> Tuple[Optional[Reservation], Optional[Refusal]]:
    counts = item_counts(item, buyer.customer_key)
    current = (
        Reservation.objects.filter(
            item_id=item.item_id,
            checkout_token=buyer.checkout_token,
            state__in=[HELD, EXPIRED],
        )
        .select_related("item")
        .first()
    )
    live_hold = current.quantity if current and current.state == HELD else 0
    own_customer = (
        live_hold if current and current.customer_key == buyer.customer_key else 0
    )
    context = domain.HoldContext(
        now=item.now,
        starts_at=item.starts_at,
        ends_at=item.ends_at,
        cancelled=item.cancelled,
        cap=item.cap,
        sold=item.sold,
        held_by_others=counts.held_total - live_hold,
        per_customer_limit=item.per_customer_limit,
        customer_elsewhere=counts.customer_total - own_customer,
    )
    if current and current.state == HELD and current.quantity == quantity:
        # An idempotent retry: the same hold, unchanged (not even its expiry).
        return current, None
    refusal = domain.decide_hold(context, quantity)
    if refusal:
        return None, refusal
    expires_at = domain.hold_expiry(item.now, ttl_seconds(), item.ends_at)
    if current is None:
        current = Reservation.objects.create(
            item_id=item.item_id,
            customer_id=buyer.user_id,
            customer_key=buyer.customer_key,
            checkout_token=buyer.checkout_token,
            client_key=buyer.client_key,
            quantity=quantity,
            expires_at=expires_at,
            state=HELD,
            created_at=item.now,
        )
    else:
        if current.state == EXPIRED:
            current.expires_at = expires_at
        current.state = HELD
        current.quantity = quantity
        current.customer_key = buyer.customer_key
        current.customer_id = buyer.user_id
        current.save(
            update_fields=[
                "state",
                "quantity",
                "expires_at",
                "customer_key",
                "customer",
            ]
        )
    return current, None


# --- release and expiry -----------------------------------------------------


def release(reservation_token: uuid.UUID) -> Optional[Reservation]:
    """Give a held or lapsed hold back; None when there is no such open hold.

    Releasing twice is harmless: the second call finds the hold RELEASED and
    returns it unchanged.
    """
    found = (
        Reservation.objects.filter(token=reservation_token)
        .values_list("item_id", flat=True)
        .first()
    )
    if found is None:
        return None
    with transaction.atomic():
        item = lock_item(found)
        reservation = Reservation.objects.get(token=reservation_token)
        if reservation.state in (HELD, EXPIRED):
            reservation.state = RELEASED
            reservation.save(update_fields=["state"])
        publish_on_commit(
            [gate_state(item, [reservation.customer_key], [reservation.checkout_token])]
        )
    return reservation


def expire_lapsed_holds(now: Optional[datetime] = None) -> int:
    """Mark HELD reservations past their expiry EXPIRED; return how many.

    One short transaction per item, under the item's lock, so the gate learns
    the units are back. ``now`` defaults to the DB clock.
    """
    filters = {"state": HELD}
    if now is not None:
        filters["expires_at__lte"] = now
    else:
        from django.db.models.functions import Now

        filters["expires_at__lte"] = Now()
    item_ids = sorted(
        set(Reservation.objects.filter(**filters).values_list("item_id", flat=True))
    )
    expired = 0
    for item_id in item_ids:
        with transaction.atomic():
            item = lock_item(item_id)
            if item is None:
                continue
            expired += expire_lapsed(item, now)
            publish_on_commit([gate_state(item)])
    return expired
