"""Start and end events at their exact second (Celery eta tasks run by a
real worker process), sold-out events, and the signed webhook notification."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from plugins.core import signing
from plugins.core.models import OutboxMessage
from plugins.sale_windows import events
from plugins.sale_windows.models import FlashSaleEvent

from .factories import make_item, on_the_test_database

pytestmark = pytest.mark.usefixtures("committed_db")


@pytest.mark.django_db
def test_on_the_test_database():
    on_the_test_database()


def wait_for(predicate, seconds=15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def worker_ready(seconds=60.0):
    """The worker answers a ping: it consumes now (its start takes seconds
    on a loaded machine, which would count as lateness below)."""
    from saleor_flash.celeryconf import app

    return wait_for(lambda: bool(app.control.ping(timeout=0.5)), seconds)


def test_start_and_end_fire_at_their_second(celery_worker_process):
    assert worker_ready()
    item = make_item(starts_in=timedelta(seconds=2), ends_in=timedelta(seconds=4))
    sale = item.sale
    assert events.queue_window_events([sale.pk]) == 2

    def both():
        return FlashSaleEvent.objects.filter(sale=sale).count() == 2

    assert wait_for(both), "the worker did not emit both events"
    for event in FlashSaleEvent.objects.filter(sale=sale):
        lag = (event.occurred_at - event.scheduled_for).total_seconds()
        print(f"\n{event.kind}: {lag * 1000:.0f} ms after its second")
        assert 0 <= lag < 1.0
    # A second queueing (the beat sweep runs every 30 s) records nothing new.
    events.queue_window_events([sale.pk])
    time.sleep(0.5)
    assert FlashSaleEvent.objects.filter(sale=sale).count() == 2


def test_a_moved_window_does_not_fire_the_old_second():
    item = make_item(starts_in=timedelta(minutes=-1))
    sale = item.sale
    stale = (sale.starts_at - timedelta(seconds=30)).isoformat()
    assert not events.emit_window_event(sale.pk, "started", stale)
    assert events.emit_window_event(sale.pk, "started", sale.starts_at.isoformat())
    assert not events.emit_window_event(sale.pk, "started", sale.starts_at.isoformat())


def test_events_are_posted_signed(settings, celery_worker_process):
    """Through the outbox (plugins/core/outbox.py): written with the event
    row, delivered by the worker, signed ``t=<unix>,v1=<hex>`` (Stripe's
    scheme; it replaced ``sha256=<hex>`` over the body alone)."""
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.FLASH_SALE_EVENT_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/"
    settings.FLASH_SALE_EVENT_WEBHOOK_SECRET = "hook-secret"
    try:
        item = make_item(cap=1)
        item.sold = 1
        item.save(update_fields=["sold"])
        assert events.emit_sold_out(item.pk)
        event = FlashSaleEvent.objects.get(item=item)
        assert event.outbox_message is not None  # written with the event row
        assert wait_for(lambda: received), "the worker did not deliver the event"
        assert wait_for(lambda: FlashSaleEvent.objects.get(item=item).notified)
    finally:
        server.shutdown()
        server.server_close()
    headers, body = received[0]
    signing.verify(headers["X-Flash-Signature"], body, "hook-secret")
    payload = json.loads(body)
    assert payload["event"] == "flash_sale.sold_out"
    assert headers["X-Flash-Event"] == "flash_sale.sold_out"
    event_id = str(event.outbox_message.event_id)
    assert payload["event_id"] == headers["X-Flash-Event-Id"] == event_id
    assert timezone.now() >= event.occurred_at
    assert len(received) == 1


def test_no_event_and_no_webhook_when_the_change_rolls_back(settings):
    settings.FLASH_SALE_EVENT_WEBHOOK_URL = "http://127.0.0.1:9/never"
    settings.FLASH_SALE_EVENT_WEBHOOK_SECRET = "hook-secret"
    item = make_item(cap=1)
    item.sold = 1
    item.save(update_fields=["sold"])
    before = OutboxMessage.objects.count()

    class OrderFailed(Exception):
        pass

    with pytest.raises(OrderFailed):
        with transaction.atomic():
            assert events.emit_sold_out(item.pk)
            raise OrderFailed
    assert not FlashSaleEvent.objects.filter(item=item).exists()
    assert OutboxMessage.objects.count() == before


def test_sold_out_is_emitted_once_per_order_that_sells_the_item_out():
    from saleor.order.models import Order

    item = make_item(cap=1)
    item.sold = 1
    item.save(update_fields=["sold"])
    first, second = (
        Order.objects.create(user_email=f"sold-out-{n}@example.com") for n in (1, 2)
    )
    try:
        assert events.emit_sold_out(item.pk, first.pk)
        assert not events.emit_sold_out(item.pk, first.pk)  # redelivered task
        # Cancelled, given back, sold out again by another order: emitted again.
        assert events.emit_sold_out(item.pk, second.pk)
        kinds = FlashSaleEvent.objects.filter(item=item).values_list("order", flat=True)
        assert sorted(kinds) == sorted([first.pk, second.pk])
    finally:
        FlashSaleEvent.objects.filter(item=item).delete()
        Order.objects.filter(pk__in=[first.pk, second.pk]).delete()
