from celery import shared_task

from . import outbox


@shared_task
def deliver_outbox_message_task(message_id: int) -> str:
    """Send one outbox message (queued on commit, by a retry or the sweep)."""
    outcome = outbox.deliver(message_id)
    if outcome.retry_in is not None and (
        outcome.retry_in <= outbox.COUNTDOWN_LIMIT_SECONDS
    ):
        outbox.dispatch(message_id, countdown=outcome.retry_in)
    return outcome.state or "skipped"


@shared_task
def sweep_outbox_task() -> int:
    """Beat: queue every due pending message (lost tasks, later retries)."""
    return outbox.sweep()
