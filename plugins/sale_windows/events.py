"""Sale events: started, ended (at their exact second) and sold out.

Whether a sale *is* live never depends on these events: every hold compares
the window with the DB clock. The events are notifications for the outside
(storefront caches, channel systems, marketing): a row in FlashSaleEvent and,
when ``FLASH_SALE_EVENT_WEBHOOK_URL`` is set, a webhook written to the outbox
in the same transaction (``plugins/core/outbox.py``): signed
``X-Flash-Signature: t=<unix>,v1=<hex>`` with
``FLASH_SALE_EVENT_WEBHOOK_SECRET``, retried for up to three days, with the
outbox's event id in the ``X-Flash-Event-Id`` header and the body.

Timing: the beat sweep (every ``FLASH_EXPIRY_SWEEP_SECONDS``) queues a Celery
task with ``eta`` = the start or end for windows that begin or end within the
look-ahead, and sale changes queue them at once; the worker's timer fires at
the second. Redelivered or duplicate tasks are harmless: one row per event.
Tasks for a moved window find the window changed and do nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import List, Optional

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from plugins.core import outbox

from .models import FlashSale, FlashSaleEvent, FlashSaleItem

logger = logging.getLogger(__name__)

LOOK_AHEAD = timedelta(seconds=90)


def _due(sale: FlashSale, kind: str) -> datetime:
    return sale.starts_at if kind == FlashSaleEvent.STARTED else sale.ends_at


def queue_window_events(
    sale_ids: Optional[List[int]] = None, now: Optional[datetime] = None
) -> int:
    """Queue eta tasks for starts and ends within the look-ahead (after commit)."""
    from .tasks import sale_window_event_task

    now = now or timezone.now()
    horizon = now + LOOK_AHEAD
    sales = FlashSale.objects.filter(cancelled_at__isnull=True)
    if sale_ids is not None:
        sales = sales.filter(pk__in=sale_ids)
    queued = 0
    for kind, field in (
        (FlashSaleEvent.STARTED, "starts_at"),
        (FlashSaleEvent.ENDED, "ends_at"),
    ):
        recorded = FlashSaleEvent.objects.filter(
            sale_id=OuterRef("pk"),
            kind=kind,
            item__isnull=True,
            scheduled_for=OuterRef(field),
        )
        due = (
            sales.filter(**{f"{field}__gt": now - LOOK_AHEAD, f"{field}__lte": horizon})
            .annotate(recorded=Exists(recorded))
            .filter(recorded=False)
        )
        for sale in due:
            at = _due(sale, kind)
            args = (sale.pk, kind, at.isoformat())
            transaction.on_commit(
                lambda args=args, at=at: sale_window_event_task.apply_async(
                    args, eta=at
                )
            )
            queued += 1
    return queued


def emit_window_event(sale_id: int, kind: str, scheduled_for_iso: str) -> bool:
    """Record (and notify) a start or end, if the window still says so."""
    scheduled_for = parse_datetime(scheduled_for_iso)
    sale = FlashSale.objects.filter(pk=sale_id).first()
    if (
        sale is None
        or sale.cancelled_at is not None
        or _due(sale, kind) != scheduled_for
    ):
        return False  # moved or cancelled since it was queued
    recorded = _record(sale, None, kind, scheduled_for)
    if kind == FlashSaleEvent.ENDED:
        from .pre_orders import settle

        settle(sale.pk)
    return recorded


def emit_sold_out(item_id: int, order_id: Optional[int] = None) -> bool:
    """Record (and notify) that ``order_id`` sold the item out; once per
    order, so a sell-out after a cancellation gave units back emits again."""
    item = FlashSaleItem.objects.select_related("sale").filter(pk=item_id).first()
    if item is None or item.sold < item.cap:
        return False
    return _record(
        item.sale, item, FlashSaleEvent.SOLD_OUT, timezone.now(), order_id=order_id
    )


def _record(sale, item, kind, scheduled_for, order_id=None) -> bool:
    try:
        with transaction.atomic():
            event = FlashSaleEvent.objects.create(
                sale=sale,
                item=item,
                kind=kind,
                scheduled_for=scheduled_for,
                order_id=order_id,
            )
            # Same transaction: the webhook leaves if and only if the event
            # row is committed.
            event.outbox_message = notify(event)
            if event.outbox_message is not None:
                event.save(update_fields=["outbox_message"])
    except IntegrityError:
        return False  # already recorded (a redelivered task)
    return True


def payload_of(event: FlashSaleEvent) -> dict:
    import graphene

    return {
        "event": f"flash_sale.{event.kind}",
        "sale_id": graphene.Node.to_global_id("FlashSale", event.sale_id),
        "item_id": (
            graphene.Node.to_global_id("FlashSaleItem", event.item_id)
            if event.item_id
            else None
        ),
        "scheduled_for": event.scheduled_for.isoformat(),
        "occurred_at": event.occurred_at.isoformat(),
    }


def notify(event: FlashSaleEvent):
    """Write the event's webhook to the outbox (in the caller's transaction);
    None when no webhook is configured."""
    url = getattr(settings, "FLASH_SALE_EVENT_WEBHOOK_URL", "")
    if not url:
        return None
    secret = getattr(settings, "FLASH_SALE_EVENT_WEBHOOK_SECRET", "")
    if not secret:
        logger.warning("FLASH_SALE_EVENT_WEBHOOK_SECRET is empty: event not sent")
        return None
    return outbox.enqueue_webhook(
        url, secret, f"flash_sale.{event.kind}", payload_of(event)
    )
