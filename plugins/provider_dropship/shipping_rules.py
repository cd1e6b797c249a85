"""Pure rules of drop-ship sub-orders: statuses, the moves a provider may
make, and the parent order's shipment state. No ORM, no Django."""

from __future__ import annotations

from enum import Enum
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from plugins.core.errors import ServiceRefusal


class SubOrderStatus(str, Enum):
    NEW = "new"  # created with the order; the provider has been notified
    ACCEPTED = "accepted"  # the provider confirmed it will ship
    SHIPPED = "shipped"  # handed to the carrier (a Saleor fulfilment exists)
    DELIVERED = "delivered"
    CANCELLED = "cancelled"  # every line cancelled by the provider


class ShipmentState(str, Enum):
    """The parent order as the buyer and staff see it (部分发货 = partially shipped)."""

    NOT_SHIPPED = "not_shipped"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"  # every sub-order with units left is shipped or delivered
    DELIVERED = "delivered"
    CANCELLED = "cancelled"  # nothing left to ship


class SubOrderRefusal(ServiceRefusal):
    """A provider action refused by the rules; ``code`` is a SubOrderErrorCode value."""


# Which status each action needs, and where it leads.
_MOVES: Dict[str, Tuple[Tuple[SubOrderStatus, ...], Optional[SubOrderStatus]]] = {
    "accept": ((SubOrderStatus.NEW,), SubOrderStatus.ACCEPTED),
    "set_tracking": (
        (SubOrderStatus.NEW, SubOrderStatus.ACCEPTED, SubOrderStatus.SHIPPED),
        None,
    ),
    "ship": ((SubOrderStatus.ACCEPTED,), SubOrderStatus.SHIPPED),
    "deliver": ((SubOrderStatus.SHIPPED,), SubOrderStatus.DELIVERED),
    "cancel_lines": ((SubOrderStatus.NEW, SubOrderStatus.ACCEPTED), None),
}


def next_status(current: SubOrderStatus, action: str) -> SubOrderStatus:
    """The status after ``action``; SubOrderRefusal(``invalid_status``) if the
    current status does not allow it."""
    allowed, target = _MOVES[action]
    current = SubOrderStatus(current)
    if current not in allowed:
        names = ", ".join(status.value for status in allowed)
        raise SubOrderRefusal(
            "invalid_status",
            f"A sub-order that is {current.value} cannot {action.replace('_', ' ')} "
            f"(needs: {names}).",
        )
    return target or current


def check_tracking(carrier: str, tracking_number: str) -> Tuple[str, str]:
    """Trimmed carrier and tracking number; both needed, each ≤ 255 chars."""
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    if not carrier:
        raise SubOrderRefusal("required", "Name the carrier.", "carrier")
    if not tracking_number:
        raise SubOrderRefusal(
            "required", "Give the tracking number.", "tracking_number"
        )
    if len(carrier) > 255:
        raise SubOrderRefusal("invalid", "Carrier name too long.", "carrier")
    if len(tracking_number) > 255:
        raise SubOrderRefusal("invalid", "Tracking number too long.", "tracking_number")
    return carrier, tracking_number


def check_cancellation(
    open_units: Mapping[int, int], requested: Sequence[Tuple[int, int]], reason: str
) -> Dict[int, int]:
    """Units to cancel per sub-order line, from ``(line id, quantity)`` pairs.

    ``open_units``: the sub-order's lines and their units not yet cancelled.
    Refuses an empty request, a line of another sub-order, a quantity < 1 or
    above what is left, and a missing reason.
    """
    if not (reason or "").strip():
        raise SubOrderRefusal("required", "Say why the lines are cancelled.", "reason")
    if len(reason) > 1000:
        raise SubOrderRefusal("invalid", "Reason too long (max 1000).", "reason")
    if not requested:
        raise SubOrderRefusal("required", "Name at least one line.", "lines")
    wanted: Dict[int, int] = {}
    for line_id, quantity in requested:
        if line_id not in open_units:
            raise SubOrderRefusal(
                "not_found", "No such line in this sub-order.", "lines"
            )
        if quantity is None or quantity < 1:
            raise SubOrderRefusal(
                "invalid_quantity", "Cancel at least one unit.", "lines"
            )
        wanted[line_id] = wanted.get(line_id, 0) + quantity
    for line_id, quantity in wanted.items():
        if quantity > open_units[line_id]:
            raise SubOrderRefusal(
                "invalid_quantity",
                f"Only {open_units[line_id]} unit(s) of this line are left to cancel.",
                "lines",
            )
    return wanted


def shipment_state(statuses: Iterable[SubOrderStatus]) -> ShipmentState:
    """The parent order's state from its sub-orders' statuses (cancelled
    sub-orders do not count, unless every one is cancelled)."""
    statuses = [SubOrderStatus(s) for s in statuses]
    live: List[SubOrderStatus] = [s for s in statuses if s != SubOrderStatus.CANCELLED]
    if not live:
        return ShipmentState.CANCELLED if statuses else ShipmentState.NOT_SHIPPED
    gone = {SubOrderStatus.SHIPPED, SubOrderStatus.DELIVERED}
    sent = [s for s in live if s in gone]
    if not sent:
        return ShipmentState.NOT_SHIPPED
    if len(sent) < len(live):
        return ShipmentState.PARTIALLY_SHIPPED
    if all(s == SubOrderStatus.DELIVERED for s in live):
        return ShipmentState.DELIVERED
    return ShipmentState.SHIPPED
