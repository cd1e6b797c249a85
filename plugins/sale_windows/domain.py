"""Pure flash-sale rules: no ORM, no Django."""

from __future__ import annotations

from datetime import datetime
from enum import Enum


class SaleKind(str, Enum):
    WHILE_SUPPLIES_LAST = "while_supplies_last"
    PRE_ORDER = "pre_order"
    PACKAGE = "package"
    VOUCHER = "voucher"


class SaleStatus(str, Enum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    SOLD_OUT = "sold_out"
    ENDED = "ended"
    CANCELLED = "cancelled"


class ReservationState(str, Enum):
    HELD = "held"
    COMMITTED = "committed"
    RELEASED = "released"
    EXPIRED = "expired"


def is_live_window(now: datetime, starts_at: datetime, ends_at: datetime) -> bool:
    """The window is half-open: live from ``starts_at`` up to, not at, ``ends_at``."""
    return starts_at <= now < ends_at


def sale_status(
    now: datetime,
    starts_at: datetime,
    ends_at: datetime,
    cancelled: bool,
    unsold_units: int,
) -> SaleStatus:
    """Status derived from the window, cancellation and the units not yet sold.

    SOLD_OUT is final (every unit sold); units under holds can still come back,
    so a sale whose units are all held stays LIVE with nothing remaining.
    """
    if cancelled:
        return SaleStatus.CANCELLED
    if now < starts_at:
        return SaleStatus.SCHEDULED
    if now >= ends_at:
        return SaleStatus.ENDED
    if unsold_units <= 0:
        return SaleStatus.SOLD_OUT
    return SaleStatus.LIVE


def units_remaining(cap: int, sold: int, reserved: int) -> int:
    """Units still open to new holds; never negative."""
    return max(cap - sold - reserved, 0)
