"""Celery tasks of the statistics: drain the event queue, roll up dirty
hours, keep the day partitions, record orders. Plain data in, plain data out."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone


@shared_task(ignore_result=True)
def drain_events_task():
    from . import drain

    result = drain.drain()
    if result["busy"]:
        # Another drainer is running; look again shortly so events queued
        # after its last read do not wait for the beat.
        drain_events_task.apply_async(countdown=1)
    return result


@shared_task(ignore_result=True)
def sweep_events_task():
    """Beat: drain what a lost task left, then roll up the dirty hours."""
    from . import drain, rollups

    drained = drain.drain()
    rolled = rollups.roll_dirty_hours()
    return {"drained": drained, "hours_rolled": len(rolled)}


@shared_task(ignore_result=True)
def roll_up_task():
    from . import rollups

    return len(rollups.roll_dirty_hours())


@shared_task(ignore_result=True)
def maintain_partitions_task():
    from . import storage

    return storage.maintain_partitions(timezone.now().date())


@shared_task(ignore_result=True)
def record_order_task(order_id: int):
    from . import purchases

    return purchases.record_order(order_id)


@shared_task(ignore_result=True)
def record_missed_orders_task():
    from . import purchases

    return purchases.record_missed_orders()
