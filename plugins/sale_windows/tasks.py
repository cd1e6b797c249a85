from celery import shared_task

from . import services


@shared_task
def expire_reservations_task() -> int:
    """Periodic sweep: give units of lapsed holds back."""
    return services.expire_reservations()
