import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task
def expire_reservations_task() -> int:
    """Periodic sweep: give units of lapsed holds back, then republish the
    gate state of live items (heals a publish lost with a killed process)."""
    from .events import queue_window_events
    from .pre_orders import settle_ended
    from .reservations import refresh_live_gates

    expired = services.expire_reservations()
    refresh_live_gates()
    queue_window_events()
    settle_ended()
    return expired


@shared_task
def flash_units_sold_task(order_id: int, sold_out_item_ids=()) -> None:
    """Kept for tasks queued before sold-out events moved into the order's
    transaction (``checkout_flow.sell_holds``); emitting twice is harmless
    (one event per item and order)."""
    from .events import emit_sold_out

    logger.info("flash units sold in order %s", order_id)
    for item_id in sold_out_item_ids:
        emit_sold_out(item_id, order_id)


@shared_task
def sale_window_event_task(sale_id: int, kind: str, scheduled_for: str) -> bool:
    """Runs at the exact second a sale starts or ends (queued with ``eta``)."""
    from .events import emit_window_event

    return emit_window_event(sale_id, kind, scheduled_for)


@shared_task
def deliver_vouchers_task(order_id: int) -> int:
    """E-mail the voucher codes an order issued (dispatched with on_commit)."""
    from .vouchers import deliver

    return deliver(order_id)
