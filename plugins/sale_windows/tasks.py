import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task
def expire_reservations_task() -> int:
    """Periodic sweep: give units of lapsed holds back, then republish the
    gate state of live items (heals a publish lost with a killed process)."""
    from .reservations import refresh_live_gates

    expired = services.expire_reservations()
    refresh_live_gates()
    return expired


@shared_task
def flash_units_sold_task(order_id: int) -> None:
    """After an order with flash units committed (dispatched with on_commit)."""
    logger.info("flash units sold in order %s", order_id)
