"""Reservation use cases: hold, release, expire, sell and give back flash units.

One package, split along its seams; callers import from here:

- ``locked_item``: the item row lock and the DB clock, one unit of work;
- ``holds``: reserve, release and expire holds;
- ``admission``: early refusals from the Redis gate;
- ``checkout_holds``: a checkout's holds and their extension before payment;
- ``order_sales``: selling holds to orders and giving them back;
- ``gate_states``: the gate state of a locked item, its publication after
  commit, and rebuilds from PostgreSQL.
"""

from .admission import customer_over_limit, gate_check, sale_of_item
from .checkout_holds import (
    CheckoutHold,
    checkout_grace_seconds,
    lapsed_holds_before_payment,
    open_holds_of_checkout,
)
from .gate_states import (
    complete_gate_state,
    gate_state,
    publish_on_commit,
    rebuild_gate,
    refresh_live_gates,
)
from .holds import (
    REFUSAL_MESSAGES,
    Buyer,
    ReservationError,
    decide_and_hold,
    expire_lapsed_holds,
    provider_unavailable,
    provider_withdrawn,
    refused,
    release,
    reserve,
    ttl_seconds,
)
from .locked_item import (
    COMMITTED,
    EXPIRED,
    HELD,
    RELEASED,
    Counts,
    LockedItem,
    expire_lapsed,
    item_counts,
    lock_item,
)
from .order_sales import (
    FlashUnitsChanged,
    HoldLost,
    SaleClosed,
    accept_flash_units,
    forget_stale_acceptances,
    give_back_for_order,
    give_back_units_of_order,
    sell_holds_for_order,
    sold_out_items_of_order,
)

__all__ = [
    "COMMITTED",
    "EXPIRED",
    "HELD",
    "RELEASED",
    "REFUSAL_MESSAGES",
    "Buyer",
    "CheckoutHold",
    "Counts",
    "FlashUnitsChanged",
    "HoldLost",
    "LockedItem",
    "ReservationError",
    "SaleClosed",
    "accept_flash_units",
    "checkout_grace_seconds",
    "complete_gate_state",
    "customer_over_limit",
    "decide_and_hold",
    "expire_lapsed",
    "expire_lapsed_holds",
    "forget_stale_acceptances",
    "gate_check",
    "gate_state",
    "give_back_for_order",
    "give_back_units_of_order",
    "item_counts",
    "lapsed_holds_before_payment",
    "lock_item",
    "open_holds_of_checkout",
    "provider_unavailable",
    "provider_withdrawn",
    "publish_on_commit",
    "rebuild_gate",
    "refresh_live_gates",
    "refused",
    "release",
    "reserve",
    "sale_of_item",
    "sell_holds_for_order",
    "sold_out_items_of_order",
    "ttl_seconds",
]
