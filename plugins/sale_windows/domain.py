"""Pure flash-sale rules: no ORM, no Django."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple


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


class Refusal(str, Enum):
    """Why a hold is refused; values match ``FlashSaleErrorCode``."""

    NOT_LIVE = "not_live"
    SOLD_OUT = "sold_out"
    LIMIT_EXCEEDED = "limit_exceeded"
    INVALID_QUANTITY = "invalid_quantity"


@dataclass(frozen=True)
class HoldContext:
    """Everything the hold rule needs, read under the item's row lock.

    ``held_by_others`` counts live holds of *other* checkouts on the item;
    ``customer_elsewhere`` counts the customer's committed units plus live
    holds of other checkouts on the item (their allowance used elsewhere).
    """

    now: datetime
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    cap: int
    sold: int
    held_by_others: int
    per_customer_limit: Optional[int]
    customer_elsewhere: int


def check_quantity(quantity: int, cap: Optional[int] = None) -> Optional[Refusal]:
    if quantity < 1 or (cap is not None and quantity > cap):
        return Refusal.INVALID_QUANTITY
    return None


def decide_hold(context: HoldContext, quantity: int) -> Optional[Refusal]:
    """``None`` when this checkout may hold ``quantity`` units, else the reason.

    The quantity is the hold's new total (set, not add), so a retried request
    asks for the same units again instead of a second hold. Limit comes before
    cap: a customer who already bought learns that, not "sold out".
    """
    refusal = check_quantity(quantity, context.cap)
    if refusal:
        return refusal
    if context.cancelled or not is_live_window(
        context.now, context.starts_at, context.ends_at
    ):
        return Refusal.NOT_LIVE
    if exceeds_customer_limit(
        context.per_customer_limit, context.customer_elsewhere, quantity
    ):
        return Refusal.LIMIT_EXCEEDED
    if context.sold + context.held_by_others + quantity > context.cap:
        return Refusal.SOLD_OUT
    return None


def exceeds_customer_limit(
    per_customer_limit: Optional[int], taken_elsewhere: int, units: int
) -> bool:
    """Would ``units`` more take the customer past the per-customer limit?
    ``taken_elsewhere``: their units held or bought outside this hold."""
    return (
        per_customer_limit is not None and taken_elsewhere + units > per_customer_limit
    )


def hold_expiry(now: datetime, ttl_seconds: int, ends_at: datetime) -> datetime:
    """A hold lasts ``ttl_seconds`` but never past the end of the sale."""
    return min(now + timedelta(seconds=ttl_seconds), ends_at)


def units_to_commit(held: int, ordered: int) -> int:
    """Flash units an order turns into sales: the hold, at most what was ordered."""
    return max(min(held, ordered), 0)


def flash_units_per_hold(
    holds: Sequence[Tuple[int, int, int]], ordered_by_variant: Mapping[int, int]
) -> Dict[int, int]:
    """Flash units each hold puts into an order: ``holds`` are ``(item_id,
    variant_id, held units)`` in item order, applied in that order to the
    ordered units of their variant (as ``flash_line_total`` prices them).
    Returns item id -> units (0 for a hold the lines do not use)."""
    left = dict(ordered_by_variant)
    units: Dict[int, int] = {}
    for item_id, variant_id, held in holds:
        used = units_to_commit(held, left.get(variant_id, 0))
        units[item_id] = used
        if used:
            left[variant_id] -= used
    return units


def changed_flash_units(
    accepted: Mapping[int, int], selling: Mapping[int, int]
) -> List[int]:
    """Items whose flash units differ between what the order was priced and
    paid for (``accepted`` before payment) and what it would sell now."""
    items = {item for item, units in accepted.items() if units} | {
        item for item, units in selling.items() if units
    }
    return sorted(
        item for item in items if accepted.get(item, 0) != selling.get(item, 0)
    )


def flash_line_total(
    quantity: int,
    held: Sequence[Tuple[int, Decimal]],
    regular_line_total: Decimal,
) -> Decimal:
    """A line's total: held units at their sale price, the rest at the regular
    price. ``held`` is ``(units, sale price)`` per hold, applied in order and
    never to more than ``quantity`` units in all; ``regular_line_total`` is the
    line at the regular price for all ``quantity`` units."""
    if quantity <= 0:
        return regular_line_total
    total = Decimal(0)
    left = quantity
    for units, sale_price in held:
        used = max(min(units, left), 0)
        total += sale_price * used
        left -= used
    if left == quantity:
        return regular_line_total
    return total + regular_line_total * left / quantity


# --- package deals: the order takes the whole package -------------------------


@dataclass(frozen=True)
class CheckoutHoldUnits:
    """An open hold of a checkout: its item, variant and units, and the
    package sale it belongs to (``None`` for an item of any other kind)."""

    item_id: int
    variant_id: int
    quantity: int
    package_id: Optional[int] = None


@dataclass(frozen=True)
class PackageMember:
    """One item of a package sale."""

    package_id: int
    item_id: int
    variant_id: int


@dataclass(frozen=True)
class MissingPackageUnits:
    """A package item whose variant the checkout's lines do not cover.

    ``needed`` is what the lines must hold of the variant: every open hold of
    the checkout on it (the order sells holds in item order from the same
    lines) plus, for a package item the checkout does not hold (released on
    its own), the package's quantity."""

    package_id: int
    item_id: int
    variant_id: int
    needed: int
    in_lines: int

    @property
    def short_by(self) -> int:
        return self.needed - self.in_lines


def missing_package_units(
    holds: Sequence[CheckoutHoldUnits],
    members: Sequence[PackageMember],
    lines_by_variant: Mapping[int, int],
) -> List[MissingPackageUnits]:
    """What a checkout lacks to buy every package it holds units of, whole.

    A checkout holding units of a package sale must have every item of that
    package in its lines, with at least the units it holds (an item it no
    longer holds counts with the package's quantity: the largest hold of the
    package). ``members`` lists the items of (at least) those packages;
    ``lines_by_variant`` the units of each variant in the checkout's lines.
    Empty when complete; else one entry per short variant, in package and
    item order. Holds of other sale kinds are never checked on their own (a
    checkout may still buy part of an ordinary hold).
    """
    package_quantity: Dict[int, int] = {}
    held_by_variant: Dict[int, int] = {}
    held_items = set()
    for hold in holds:
        held_items.add(hold.item_id)
        held_by_variant[hold.variant_id] = (
            held_by_variant.get(hold.variant_id, 0) + hold.quantity
        )
        if hold.package_id is not None:
            package_quantity[hold.package_id] = max(
                package_quantity.get(hold.package_id, 0), hold.quantity
            )
    in_packages = sorted(
        {member for member in members if member.package_id in package_quantity},
        key=lambda member: (member.package_id, member.item_id),
    )
    needed_by_variant = dict(held_by_variant)
    for member in in_packages:
        if member.item_id not in held_items:
            needed_by_variant[member.variant_id] = (
                needed_by_variant.get(member.variant_id, 0)
                + package_quantity[member.package_id]
            )
    missing: List[MissingPackageUnits] = []
    reported = set()
    for member in in_packages:
        needed = needed_by_variant.get(member.variant_id, 0)
        in_lines = max(lines_by_variant.get(member.variant_id, 0), 0)
        if in_lines < needed and member.variant_id not in reported:
            reported.add(member.variant_id)
            missing.append(
                MissingPackageUnits(
                    member.package_id,
                    member.item_id,
                    member.variant_id,
                    needed,
                    in_lines,
                )
            )
    return missing


# --- staff rules: sales and items -------------------------------------------


@dataclass(frozen=True)
class RuleViolation:
    """A broken staff rule: the input field and a FlashSaleErrorCode value."""

    field: str
    code: str
    message: str


def check_window(starts_at: datetime, ends_at: datetime) -> List[RuleViolation]:
    if ends_at <= starts_at:
        return [
            RuleViolation(
                "ends_at", "invalid_window", "The end must come after the start."
            )
        ]
    return []


def check_item_terms(
    cap: int, sale_price: Decimal, per_customer_limit: Optional[int]
) -> List[RuleViolation]:
    violations = []
    if cap < 1:
        violations.append(
            RuleViolation("cap", "invalid_cap", "The cap must be at least 1.")
        )
    if sale_price <= 0:
        violations.append(
            RuleViolation(
                "sale_price", "invalid_price", "The sale price must be above 0."
            )
        )
    if per_customer_limit is not None and per_customer_limit < 1:
        violations.append(
            RuleViolation(
                "per_customer_limit",
                "invalid_quantity",
                "The per-customer limit must be at least 1 (or empty for none).",
            )
        )
    return violations


def check_voucher_terms(
    kind: SaleKind,
    voucher_value: Optional[Decimal],
    voucher_valid_days: Optional[int],
) -> List[RuleViolation]:
    """Voucher terms (value per unit, days valid) belong to voucher sales
    only, and must be positive; None leaves a term as it is (or default)."""
    given = [
        name
        for name, value in (
            ("voucher_value", voucher_value),
            ("voucher_valid_days", voucher_valid_days),
        )
        if value is not None
    ]
    if not given:
        return []
    if kind != SaleKind.VOUCHER:
        return [
            RuleViolation(
                given[0],
                "voucher_sale_only",
                "Voucher terms apply to voucher sales only.",
            )
        ]
    violations = []
    if voucher_value is not None and voucher_value <= 0:
        violations.append(
            RuleViolation(
                "voucher_value", "invalid_price", "The voucher value must be above 0."
            )
        )
    if voucher_valid_days is not None and voucher_valid_days < 1:
        violations.append(
            RuleViolation(
                "voucher_valid_days",
                "invalid",
                "A voucher must stay valid for at least 1 day.",
            )
        )
    return violations


def windows_overlap(
    a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime
) -> bool:
    """Half-open windows [start, end) share at least one instant."""
    return a_start < b_end and b_start < a_end


def channels_overlap(a: FrozenSet[int], b: FrozenSet[int]) -> bool:
    """A sale without channels runs in every channel."""
    return not a or not b or bool(a & b)


def check_cap_change(cap: int, sold: int, reserved: int) -> List[RuleViolation]:
    """A cap never drops below the units already sold or held."""
    if cap < sold + reserved:
        return [
            RuleViolation(
                "cap",
                "cap_below_committed",
                f"The cap cannot drop below {sold + reserved} "
                f"(sold {sold} + reserved {reserved}).",
            )
        ]
    return []


def units_set_aside(cap: int, sold: int) -> int:
    """Warehouse units a stock-backed item keeps for the sale: the unsold cap
    (sold units are allocated to their orders already)."""
    return max(cap - sold, 0)


def check_stock_backing(
    kind: SaleKind, cap: int, sold: int, available_stock: int
) -> List[RuleViolation]:
    """A cap is backed by stock, except for pre-orders (they sell ahead of
    stock). ``available_stock``: on hand, minus allocations, minus what other
    flash items set aside."""
    if kind == SaleKind.PRE_ORDER:
        return []
    needed = units_set_aside(cap, sold)
    if needed > available_stock:
        return [
            RuleViolation(
                "cap",
                "insufficient_stock",
                f"Only {max(available_stock, 0)} units of stock are available "
                f"to set aside; this cap needs {needed}.",
            )
        ]
    return []


# --- pre-orders ---------------------------------------------------------------


class PreOrderSettlement(str, Enum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


def settle_pre_order(
    minimum_quantity: Optional[int], units_sold: int
) -> PreOrderSettlement:
    """When a pre-order's window ends: confirmed when the minimum was reached
    (or there is none), else every order is cancelled and refunded."""
    if minimum_quantity is None or units_sold >= minimum_quantity:
        return PreOrderSettlement.CONFIRMED
    return PreOrderSettlement.CANCELLED


# --- who a guest is ---------------------------------------------------------

# Providers where dots in the local part do not make another mailbox.
_DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def normalised_email(email: str) -> str:
    """The mailbox an address delivers to, as the per-customer limit counts it.

    Case, surrounding spaces and a ``+tag`` are dropped everywhere (plus
    addressing delivers to the same mailbox at every large provider), and
    dots too where the provider ignores them, so ``A.B+x@Gmail.com`` and
    ``ab@gmail.com`` share one allowance.
    """
    email = (email or "").strip().lower()
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return email
    local = local.split("+", 1)[0]
    if domain == "googlemail.com":
        domain = "gmail.com"
    if domain in _DOTLESS_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}" if local else email
