"""Selling holds to orders: accept the flash units an order is priced for
(before payment), sell them in the order's transaction, give them back when
the order is cancelled."""

from __future__ import annotations

from datetime import timedelta
from typing import Dict, List

from django.db import transaction
from django.db.models import F

from .. import domain
from ..models import AcceptedFlashUnits, FlashSaleItem, Reservation
from .checkout_holds import CheckoutHold, open_holds_of_checkout
from .gate_states import gate_state, publish_on_commit
from .locked_item import (
    COMMITTED,
    EXPIRED,
    HELD,
    RELEASED,
    item_counts,
    lock_item,
    with_sold,
)


class HoldLost(Exception):
    """A checkout's lapsed hold whose units were taken before the order (or
    that would take the customer past the per-customer limit)."""


class SaleClosed(HoldLost):
    """The order comes after the sale's end (DB clock) or its cancellation:
    its holds do not sell."""


class FlashUnitsChanged(Exception):
    """The flash units an order would sell differ from those it was priced
    and paid for (accepted before payment)."""

    def __init__(self, names: List[str]):
        super().__init__(", ".join(names))
        self.names = names


def accept_flash_units(
    checkout_token, holds: List[CheckoutHold], ordered_by_variant: Dict[int, int]
) -> Dict[int, int]:
    """Record the flash units the order is priced for (before payment):
    ``holds`` are the ones its lines were priced with, ``ordered_by_variant``
    the lines it is made of. Replaces an earlier attempt's record."""
    units = domain.flash_units_per_hold(
        [(hold.item_id, hold.variant_id, hold.quantity) for hold in holds],
        ordered_by_variant,
    )
    prices = {hold.item_id: hold.sale_price_amount for hold in holds}
    AcceptedFlashUnits.objects.filter(checkout_token=checkout_token).delete()
    AcceptedFlashUnits.objects.bulk_create(
        AcceptedFlashUnits(
            checkout_token=checkout_token,
            item_id=item_id,
            units=used,
            sale_price_amount=prices[item_id],
        )
        for item_id, used in units.items()
        if used
    )
    return {item_id: used for item_id, used in units.items() if used}


def forget_stale_acceptances(older_than: timedelta = timedelta(days=1)) -> int:
    """Housekeeping: acceptances of checkouts that never got their order (a
    failed payment, an abandoned retry) matter only during that complete."""
    from django.db.models.functions import Now

    deleted, _ = AcceptedFlashUnits.objects.filter(
        accepted_at__lt=Now() - older_than
    ).delete()
    return deleted


def sell_holds_for_order(
    order_id: int, checkout_token, ordered_by_variant: Dict[int, int]
) -> int:
    """Turn a checkout's holds into sold units of an order; return units sold.

    Runs inside the order's transaction (Saleor's ``create_order``). The
    units sold per hold must be exactly those accepted before payment
    (``accept_flash_units``), else FlashUnitsChanged is raised and the order
    rolls back. Holds the order does not use are released. A hold that
    lapsed after the pre-payment check is still sold when the cap has room;
    otherwise HoldLost is raised and the order rolls back.
    """
    sold_units = 0
    states = []
    holds = open_holds_of_checkout(checkout_token)
    selling = domain.flash_units_per_hold(
        [(hold.item_id, hold.variant_id, hold.quantity) for hold in holds],
        ordered_by_variant,
    )
    accepted = dict(
        AcceptedFlashUnits.objects.filter(checkout_token=checkout_token).values_list(
            "item_id", "units"
        )
    )
    changed = domain.changed_flash_units(accepted, selling)
    if changed:
        names = dict(
            FlashSaleItem.objects.filter(pk__in=changed)
            .select_related("variant")
            .values_list("pk", "variant__name")
        )
        raise FlashUnitsChanged([names.get(item) or str(item) for item in changed])
    for hold in holds:  # item order = lock order
        item = lock_item(hold.item_id)
        reservation = Reservation.objects.get(pk=hold.reservation_id)
        units = selling.get(hold.item_id, 0)
        if reservation.quantity != hold.quantity or reservation.state not in (
            HELD,
            EXPIRED,
        ):
            # Changed after it was read: the lock order forbids that.
            raise FlashUnitsChanged([hold.variant_name])
        if units and (item.cancelled or item.now >= item.ends_at):
            raise SaleClosed(hold.variant_name)
        if units and reservation.state == EXPIRED:
            # A lapsed hold is a new decision: the cap and the customer's
            # limit, as a fresh hold would be checked.
            counts = item_counts(item, reservation.customer_key)
            if item.sold + counts.held_total + units > item.cap:
                raise HoldLost(hold.variant_name)
            if domain.exceeds_customer_limit(
                item.per_customer_limit, counts.customer_total, units
            ):
                raise HoldLost(hold.variant_name)
        if units:
            reservation.state = COMMITTED
            reservation.quantity = units
            reservation.order_id = order_id
            FlashSaleItem.objects.filter(pk=item.item_id).update(sold=item.sold + units)
            item = with_sold(item, item.sold + units)
            sold_units += units
        else:
            reservation.state = RELEASED
        reservation.save(update_fields=["state", "quantity", "order"])
        states.append(
            gate_state(item, [reservation.customer_key], [reservation.checkout_token])
        )
    AcceptedFlashUnits.objects.filter(checkout_token=checkout_token).delete()
    publish_on_commit(states)
    return sold_units


def sold_out_items_of_order(order_id: int) -> List[int]:
    """Items of the order's flash units that have no unsold unit left."""
    return list(
        FlashSaleItem.objects.filter(
            reservations__order_id=order_id, sold__gte=F("cap")
        )
        .distinct()
        .values_list("pk", flat=True)
    )


def give_back_for_order(order_id: int) -> int:
    """An order was cancelled: its flash units and the customer's allowance
    come back. Returns units given back; a second call gives back nothing."""
    item_ids = sorted(
        set(
            Reservation.objects.filter(order_id=order_id, state=COMMITTED).values_list(
                "item_id", flat=True
            )
        )
    )
    returned = 0
    states = []
    with transaction.atomic():
        for item_id in item_ids:
            item = lock_item(item_id)
            rows = list(
                Reservation.objects.filter(
                    order_id=order_id, item_id=item_id, state=COMMITTED
                )
            )
            units = sum(row.quantity for row in rows)
            Reservation.objects.filter(pk__in=[row.pk for row in rows]).update(
                state=RELEASED
            )
            FlashSaleItem.objects.filter(pk=item_id).update(sold=item.sold - units)
            item = with_sold(item, item.sold - units)
            returned += units
            states.append(gate_state(item, {row.customer_key for row in rows}))
        publish_on_commit(states)
    return returned


def give_back_units_of_order(order_id: int, units_by_variant: Dict[int, int]) -> int:
    """Some units of an order were cancelled (a provider could not ship
    them): up to that many of its sold flash units per variant come back to
    their items, and to the customer's allowance, as for a cancelled order.
    Returns the flash units given back. Runs in the caller's transaction."""
    rows = list(
        Reservation.objects.filter(
            order_id=order_id,
            state=COMMITTED,
            item__variant_id__in=list(units_by_variant),
        )
        .values_list("item_id", "item__variant_id")
        .distinct()
    )
    returned = 0
    states = []
    left = dict(units_by_variant)
    with transaction.atomic():
        for item_id, variant_id in sorted(rows):  # item order = lock order
            if left.get(variant_id, 0) <= 0:
                continue
            item = lock_item(item_id)
            taken = 0
            keys = set()
            for reservation in Reservation.objects.filter(
                order_id=order_id, item_id=item_id, state=COMMITTED
            ).order_by("-pk"):
                take = min(reservation.quantity, left[variant_id] - taken)
                if take <= 0:
                    break
                if take == reservation.quantity:
                    reservation.state = RELEASED
                else:
                    reservation.quantity -= take
                reservation.save(update_fields=["state", "quantity"])
                taken += take
                keys.add(reservation.customer_key)
            if not taken:
                continue
            left[variant_id] -= taken
            FlashSaleItem.objects.filter(pk=item_id).update(sold=item.sold - taken)
            item = with_sold(item, item.sold - taken)
            returned += taken
            states.append(gate_state(item, keys))
        publish_on_commit(states)
    return returned
