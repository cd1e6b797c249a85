from celery import shared_task


@shared_task
def purge_channel_api_requests_task() -> int:
    """Periodic: forget request nonces past their ±300 s window and
    idempotency records older than the retention (24 h)."""
    from .api_requests import purge_expired

    nonces, records = purge_expired()
    return nonces + records
