"""Listeners told when a provider cancels order lines, from the plugins above.

provider_dropship sits below sale_windows (docs/architecture.md), so it
cannot call the flash-sale plugin to give flash units and the per-customer
allowance back. sale_windows registers a listener at start-up (its
``AppConfig.ready``); the cancellation calls every registered listener inside
its transaction, so a listener's failure rolls the cancellation back.
"""

from __future__ import annotations

from typing import Callable, Dict, List

# (order id, {variant id: units cancelled}) -> None
LineCancellationListener = Callable[[int, Dict[int, int]], None]

_listeners: List[LineCancellationListener] = []


def register_line_cancellation_listener(listener: LineCancellationListener) -> None:
    """Add a listener (registering the same one twice is a no-op)."""
    if listener not in _listeners:
        _listeners.append(listener)


def lines_cancelled(order_id: int, units_by_variant: Dict[int, int]) -> None:
    """Tell every listener that these units of the order were cancelled."""
    if not units_by_variant:
        return
    for listener in _listeners:
        listener(order_id, dict(units_by_variant))
