"""Checkout-guard use cases, called by the plugin hooks and the guarded mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, List, Optional
from uuid import UUID

from saleor.checkout.models import Checkout, CheckoutLine

from . import holds, rescue, settings
from .models import StockHold

PLUGIN_ID = "flash.checkout_guard"


def guard_active(plugins_manager) -> bool:
    plugin = plugins_manager.get_plugin(PLUGIN_ID)
    return bool(plugin and plugin.active)


def hold_checkout(
    checkout: Checkout,
    for_payment: bool,
    lines: Optional[Iterable[CheckoutLine]] = None,
) -> List[StockHold]:
    """Hold every unit the checkout's lines need; raises InsufficientStock.

    ``for_payment`` takes the longer hold that covers payment at checkoutComplete.
    ``lines``: the lines to hold for. checkoutComplete passes the list Saleor
    loaded and builds the order from. Otherwise they are read afresh: Saleor's
    line mutations may hold a prefetched, stale list (a just-deleted line is
    still in it).
    """
    if lines is None:
        lines = CheckoutLine.objects.filter(checkout_id=checkout.pk).select_related(
            "variant"
        )
    needs = holds.needs_of_lines((line.variant, line.quantity) for line in lines)
    ttl = settings.payment_hold_ttl() if for_payment else settings.cart_hold_ttl()
    return holds.hold_stock(checkout.token, needs, checkout.get_country(), ttl)


def while_not_completing(checkout_token: UUID):
    """A context in which no checkoutComplete of this checkout runs: entering
    waits for a running one to finish, and a new one waits until it exits.
    Everything that changes what a checkout holds or orders (flash holds,
    lines) runs in it."""
    return rescue.checkout_lock(checkout_token)


def completion_lock(checkout_token: UUID) -> rescue.checkout_lock:
    """The lock behind ``while_not_completing``, for callers that must try it
    before waiting (``try_acquire``, ``acquire``, ``release``)."""
    return rescue.checkout_lock(checkout_token)


def not_completing_sql(column: str) -> str:
    """SQL condition: the checkout in uuid ``column`` is not being completed
    (it takes the checkout's lock for the transaction; never waits)."""
    return rescue.not_completing_sql(column)


def order_took_units(checkout_token: UUID) -> None:
    """The order's allocation now covers what the holds reserved."""
    holds.release_holds(checkout_token)


def order_failed(checkout_token: UUID, reason: str, since: datetime) -> Failure:
    """Order creation failed: reverse any payment taken, record for staff any
    payment whose gateway call since ``since`` left its outcome unknown, and
    free the units."""
    rescued = rescue.rescue_checkout_payments(checkout_token, reason)
    unknown = rescue.record_unknown_outcomes(checkout_token, since, reason)
    gateway_called = bool(rescued or unknown) or rescue.gateway_called(
        checkout_token, since
    )
    holds.release_holds(checkout_token)
    return Failure(rescued, unknown, gateway_called)


class Failure:
    """What a failed checkoutComplete did with the buyer's money."""

    def __init__(self, rescued: list, unknown: list, gateway_called: bool):
        self.rescued = rescued  # payments reversed (or whose reversal failed)
        self.unknown = unknown  # payments whose gateway call gave no answer
        self.gateway_called = gateway_called
