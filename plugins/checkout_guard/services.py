"""Checkout-guard use cases, called by the plugin hooks and the guarded mutations."""

from __future__ import annotations

from typing import List
from uuid import UUID

from saleor.checkout.models import Checkout, CheckoutLine

from . import holds, rescue, settings
from .models import StockHold

PLUGIN_ID = "flash.checkout_guard"


def guard_active(plugins_manager) -> bool:
    plugin = plugins_manager.get_plugin(PLUGIN_ID)
    return bool(plugin and plugin.active)


def hold_checkout(checkout: Checkout, for_payment: bool) -> List[StockHold]:
    """Hold every unit the checkout's lines need; raises InsufficientStock.

    ``for_payment`` takes the longer hold that covers payment at checkoutComplete.
    The lines are read afresh: Saleor's mutations may hold a prefetched,
    stale list (a just-deleted line is still in it).
    """
    lines = CheckoutLine.objects.filter(checkout_id=checkout.pk).select_related(
        "variant"
    )
    needs = holds.needs_of_lines((line.variant, line.quantity) for line in lines)
    ttl = settings.payment_hold_ttl() if for_payment else settings.cart_hold_ttl()
    return holds.hold_stock(checkout.token, needs, checkout.get_country(), ttl)


def while_not_completing(checkout_token: UUID):
    """A context in which no checkoutComplete of this checkout runs: entering
    waits for a running one to finish, and a new one waits until it exits."""
    return rescue.checkout_lock(checkout_token)


def order_took_units(checkout_token: UUID) -> None:
    """The order's allocation now covers what the holds reserved."""
    holds.release_holds(checkout_token)


def order_failed(checkout_token: UUID, reason: str) -> list:
    """Order creation failed: reverse any payment taken and free the units."""
    rescued = rescue.rescue_checkout_payments(checkout_token, reason)
    holds.release_holds(checkout_token)
    return rescued
