from celery import shared_task

from . import holds, rescue, settings


@shared_task
def delete_lapsed_holds_task() -> int:
    return holds.delete_lapsed_holds()


@shared_task
def rescue_stale_payments_task() -> int:
    """Reverse payments left without an order by a killed API process."""
    return rescue.rescue_stale_payments(settings.stale_payment_grace())
