"""Reservation use cases: hold, release, expire, sell and give back flash units.

PostgreSQL decides. Every change of an item's holds or counts happens in a
transaction that first locks the item row with an ``UPDATE ... RETURNING``
(which also bumps ``gate_version`` and reads the sale's window and the DB
clock *after* the lock is granted), and then re-reads the reservation sums in
a NEW statement. Under READ COMMITTED a statement that waited for a lock still
sums from the snapshot taken when it started; a fresh statement sees every
hold committed by the transactions it waited for (Saleor 2.10's
``allocate_stock`` sums inside the locking statement and oversells).

After commit, the item's new state is published to the Redis gate.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, Iterable, List, Optional, Tuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from . import domain, gate, hold_policy
from .domain import Refusal, ReservationState
from .models import AcceptedFlashUnits, FlashSaleItem, Reservation

HELD = ReservationState.HELD.value
EXPIRED = ReservationState.EXPIRED.value
COMMITTED = ReservationState.COMMITTED.value
RELEASED = ReservationState.RELEASED.value

ITEM_TABLE = FlashSaleItem._meta.db_table
RESERVATION_TABLE = Reservation._meta.db_table


class ReservationError(Exception):
    """A refused hold; ``code`` is a ``FlashSaleErrorCode`` value."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


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


def checkout_grace_seconds() -> int:
    return int(getattr(settings, "FLASH_CHECKOUT_GRACE_SECONDS", 120))


@dataclass(frozen=True)
class LockedItem:
    item_id: int
    sale_id: int
    cap: int
    sold: int
    per_customer_limit: Optional[int]
    version: int
    now: datetime
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    kind: str


def lock_item(item_id: int) -> Optional[LockedItem]:
    """Lock the item row (inside a transaction); None when it does not exist."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {ITEM_TABLE} AS item
               SET gate_version = item.gate_version + 1
              FROM sale_windows_flashsale AS sale
             WHERE item.id = %s AND sale.id = item.sale_id
         RETURNING item.id, item.sale_id, item.cap, item.sold,
                   item.per_customer_limit, item.gate_version, clock_timestamp(),
                   sale.starts_at, sale.ends_at, sale.cancelled_at IS NOT NULL,
                   sale.kind
            """,
            [item_id],
        )
        row = cursor.fetchone()
    return LockedItem(*row) if row else None


def _not_completing(column: str) -> str:
    from plugins.checkout_guard.services import not_completing_sql

    return not_completing_sql(column)


def _expire_lapsed(item: LockedItem, cutoff: Optional[datetime] = None) -> int:
    """Holds past their expiry give their units back now (lazily, and from
    the sweep). Not the holds of a checkout being completed (the checkout
    guard's per-checkout lock; tried, never waited for): that order sells
    exactly the holds it was priced and paid for, and they count against the
    cap until it does."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {RESERVATION_TABLE} SET state = %s "
            "WHERE item_id = %s AND state = %s AND expires_at <= %s "
            f"AND {_not_completing('checkout_token')}",
            [EXPIRED, item.item_id, HELD, cutoff or item.now],
        )
        return cursor.rowcount


@dataclass(frozen=True)
class Counts:
    held_total: int
    customer_total: int


def _counts(item: LockedItem, customer_key: str) -> Counts:
    """A NEW statement after the lock: sees all holds committed before it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COALESCE(SUM(quantity) FILTER (WHERE state = %s), 0),
                   COALESCE(SUM(quantity) FILTER (
                       WHERE state IN (%s, %s) AND customer_key = %s), 0)
              FROM {RESERVATION_TABLE}
             WHERE item_id = %s AND state IN (%s, %s)
            """,
            [HELD, HELD, COMMITTED, customer_key, item.item_id, HELD, COMMITTED],
        )
        held_total, customer_total = cursor.fetchone()
    return Counts(int(held_total), int(customer_total))


def _epoch_ms(moment: Optional[datetime]) -> int:
    return int(moment.timestamp() * 1000) if moment else 0


def gate_state(
    item: LockedItem,
    customer_keys: Iterable[str] = (),
    checkout_tokens: Iterable[str] = (),
) -> gate.ItemState:
    """The item's state as this transaction will commit it (read under lock)."""
    customer_keys = [key for key in customer_keys if key]
    checkout_tokens = [str(token) for token in checkout_tokens if token]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COALESCE(SUM(quantity), 0), MIN(expires_at)
              FROM {RESERVATION_TABLE} WHERE item_id = %s AND state = %s
            """,
            [item.item_id, HELD],
        )
        held_total, earliest = cursor.fetchone()
        customers = []
        for key in customer_keys:
            cursor.execute(
                f"""
                SELECT COALESCE(SUM(quantity), 0),
                       MIN(expires_at) FILTER (WHERE state = %s)
                  FROM {RESERVATION_TABLE}
                 WHERE item_id = %s AND customer_key = %s AND state IN (%s, %s)
                """,
                [HELD, item.item_id, key, HELD, COMMITTED],
            )
            taken, customer_earliest = cursor.fetchone()
            customers.append((key, int(taken), _epoch_ms(customer_earliest)))
        checkouts = []
        for token in checkout_tokens:
            cursor.execute(
                f"""
                SELECT quantity, expires_at FROM {RESERVATION_TABLE}
                 WHERE item_id = %s AND checkout_token = %s AND state = %s
                """,
                [item.item_id, token, HELD],
            )
            row = cursor.fetchone()
            checkouts.append(
                (token, int(row[0]), _epoch_ms(row[1])) if row else (token, 0, 0)
            )
    return gate.ItemState(
        sale_id=item.sale_id,
        item_id=item.item_id,
        version=item.version,
        free=max(item.cap - item.sold - int(held_total), 0),
        earliest_expiry_ms=_epoch_ms(earliest),
        per_customer_limit=item.per_customer_limit,
        sale_ends_at_s=int(item.ends_at.timestamp()),
        customers=tuple(customers),
        checkouts=tuple(checkouts),
    )


def complete_gate_state(item: LockedItem) -> gate.ItemState:
    """The item's whole state for a rebuild: every customer and checkout
    with units (at most ``cap`` of each), so the hash can be rewritten."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT DISTINCT customer_key FROM {RESERVATION_TABLE}
             WHERE item_id = %s AND state IN (%s, %s) AND customer_key <> ''
            """,
            [item.item_id, HELD, COMMITTED],
        )
        customer_keys = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"""
            SELECT DISTINCT checkout_token FROM {RESERVATION_TABLE}
             WHERE item_id = %s AND state = %s AND checkout_token IS NOT NULL
            """,
            [item.item_id, HELD],
        )
        checkout_tokens = [row[0] for row in cursor.fetchall()]
    state = gate_state(item, customer_keys, checkout_tokens)
    return gate.ItemState(**{**state.__dict__, "complete": True})


def publish_on_commit(states: List[gate.ItemState]) -> None:
    if states:
        transaction.on_commit(lambda: gate.publish(states))


# --- reserve ----------------------------------------------------------------


@dataclass(frozen=True)
class Buyer:
    """Who holds: the customer key (e-mail) and the checkout the hold prices."""

    customer_key: str
    checkout_token: str
    user_id: Optional[int] = None
    client_key: str = ""


_item_sales: Dict[int, int] = {}


def sale_of_item(item_id: int) -> Optional[int]:
    """The sale an item belongs to; cached per process (it never changes)."""
    sale_id = _item_sales.get(item_id)
    if sale_id is None:
        sale_id = (
            FlashSaleItem.objects.filter(pk=item_id)
            .values_list("sale_id", flat=True)
            .first()
        )
        if sale_id is not None:
            _item_sales[item_id] = sale_id
    return sale_id


def gate_check(
    item_id: int, quantity: int, checkout_token: str, customer_key: str = ""
) -> None:
    """Refuse early from Redis; raises ReservationError, else returns."""
    refusal = domain.check_quantity(quantity)
    if refusal:
        raise refused(refusal)
    sale_id = sale_of_item(item_id)
    if sale_id is None:
        raise ReservationError("not_found", "No flash-sale item with this ID.")
    answer = gate.check(sale_id, item_id, quantity, checkout_token, customer_key)
    if answer == gate.SOLD_OUT:
        raise refused(Refusal.SOLD_OUT)
    if answer == gate.LIMIT_EXCEEDED and customer_over_limit(
        item_id, quantity, checkout_token, customer_key
    ):
        raise refused(Refusal.LIMIT_EXCEEDED)


def customer_over_limit(
    item_id: int, quantity: int, checkout_token: str, customer_key: str
) -> bool:
    """PostgreSQL's word on a LIMIT_EXCEEDED from the gate (one indexed read,
    no lock, in the express lane): a published customer figure may be stale
    (a cancellation whose publish was lost), and the gate may only refuse
    from state that is still true. False sends the request on to the locked
    decision, which publishes the customer's fresh state."""
    from plugins.core import database_lane

    with database_lane.express():
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT item.per_customer_limit,
                       COALESCE(SUM(hold.quantity) FILTER (
                           WHERE hold.checkout_token IS DISTINCT FROM %s::uuid
                             AND (hold.state = %s
                                  OR (hold.state = %s
                                      AND hold.expires_at > clock_timestamp()))),
                           0)
                  FROM {ITEM_TABLE} AS item
                  LEFT JOIN {RESERVATION_TABLE} AS hold
                    ON hold.item_id = item.id AND hold.customer_key = %s
                   AND hold.state IN (%s, %s)
                 WHERE item.id = %s
                 GROUP BY item.id
                """,
                [
                    checkout_token or None,
                    COMMITTED,
                    HELD,
                    customer_key,
                    HELD,
                    COMMITTED,
                    item_id,
                ],
            )
            row = cursor.fetchone()
    if row is None:
        return False
    limit, taken_elsewhere = row
    return domain.exceeds_customer_limit(limit, int(taken_elsewhere), quantity)


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
        _expire_lapsed(item)
        over = hold_policy.bounds_refusal(
            item.item_id, item.now, buyer.customer_key, buyer.checkout_token
        )
        if over:
            raise ReservationError(*over)
        outcome = _decide_and_hold(item, quantity, buyer)
        publish_on_commit(
            [gate_state(item, [buyer.customer_key], [buyer.checkout_token])]
        )
    reservation, refusal = outcome
    if refusal:
        raise refused(refusal)
    return reservation


def _decide_and_hold(
    item: LockedItem, quantity: int, buyer: Buyer
) -> Tuple[Optional[Reservation], Optional[Refusal]]:
    counts = _counts(item, buyer.customer_key)
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
            expired += _expire_lapsed(item, now)
            publish_on_commit([gate_state(item)])
    return expired


# --- checkout and orders ----------------------------------------------------


@dataclass(frozen=True)
class CheckoutHold:
    """An open hold of a checkout, as pricing and checkoutComplete see it."""

    reservation_id: int
    item_id: int
    variant_id: int
    quantity: int
    sale_price_amount: object
    currency: str
    expires_at: datetime
    state: str
    variant_name: str = ""


def open_holds_of_checkout(checkout_token) -> List[CheckoutHold]:
    """Held or lapsed (not released) holds of a checkout, in item order."""
    rows = (
        Reservation.objects.filter(
            checkout_token=checkout_token, state__in=[HELD, EXPIRED]
        )
        .select_related("item", "item__variant")
        .order_by("item_id")
    )
    return [
        CheckoutHold(
            reservation_id=row.pk,
            item_id=row.item_id,
            variant_id=row.item.variant_id,
            quantity=row.quantity,
            sale_price_amount=row.item.sale_price_amount,
            currency=row.item.currency,
            expires_at=row.expires_at,
            state=row.state,
            variant_name=str(row.item.variant),
        )
        for row in rows
    ]


def lapsed_holds_before_payment(checkout_token) -> List[CheckoutHold]:
    """Called just before payment: returns holds that have lapsed; extends the
    live ones by the checkout grace period so payment cannot outlast them.

    Runs inside checkoutComplete's first transaction (which commits before
    payment). It takes no item lock: that transaction goes on to lock stock
    rows (the checkout guard), while order creation locks stock and then
    items, so an item lock held here would close a deadlock cycle. Extending
    one's own hold needs only its reservation row; a later expiry only makes
    the gate's state stale early, which sends requests to PostgreSQL.
    """
    lapsed = []
    with connection.cursor() as cursor:
        for hold in open_holds_of_checkout(checkout_token):
            # The grace never reaches past the sale's end (nor does a hold
            # of a cancelled or shortened sale count as live): no hold sells
            # outside the window, so paying late must not look safe.
            cursor.execute(
                f"""
                UPDATE {RESERVATION_TABLE} AS hold
                   SET expires_at = LEAST(
                       GREATEST(hold.expires_at,
                                clock_timestamp() + %s * interval '1 second'),
                       sale.ends_at)
                  FROM {ITEM_TABLE} AS item, sale_windows_flashsale AS sale
                 WHERE hold.id = %s AND hold.state = %s
                   AND hold.expires_at > clock_timestamp()
                   AND item.id = hold.item_id AND sale.id = item.sale_id
                   AND sale.ends_at > clock_timestamp()
                   AND sale.cancelled_at IS NULL
             RETURNING hold.id
                """,
                [checkout_grace_seconds(), hold.reservation_id, HELD],
            )
            if cursor.fetchone() is None:
                lapsed.append(hold)
    return lapsed


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
            counts = _counts(item, reservation.customer_key)
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
            item = _with_sold(item, item.sold + units)
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


def _with_sold(item: LockedItem, sold: int) -> LockedItem:
    values = dict(item.__dict__)
    values["sold"] = sold
    return LockedItem(**values)


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
            item = _with_sold(item, item.sold - units)
            returned += units
            states.append(gate_state(item, {row.customer_key for row in rows}))
        publish_on_commit(states)
    return returned


def refresh_live_gates() -> int:
    """Republish the state of every item of a live (or just ended) sale.

    Run by the periodic sweep: a process killed between its commit and its
    publish leaves the gate one version behind until the next change of the
    item; this bounds that to one sweep interval.
    """
    from django.db.models.functions import Now

    ids = FlashSaleItem.objects.filter(
        sale__starts_at__lte=Now(),
        sale__ends_at__gte=Now() - timedelta(hours=1),
        sale__cancelled_at__isnull=True,
    ).values_list("pk", flat=True)
    return rebuild_gate(list(ids))


def rebuild_gate(item_ids: Optional[Iterable[int]] = None) -> int:
    """Rewrite every (or the given) item's gate hash from PostgreSQL, with
    every customer and checkout that has units; returns how many."""
    ids = sorted(
        item_ids
        if item_ids is not None
        else FlashSaleItem.objects.values_list("pk", flat=True)
    )
    for item_id in ids:
        with transaction.atomic():
            item = lock_item(item_id)
            if item is not None:
                publish_on_commit([complete_gate_state(item)])
    return len(ids)
