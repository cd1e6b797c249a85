"""Purchases and completed checkouts come from orders, joined to the session
that led to them; a real Celery worker drains the queue and records orders."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from saleor.order.models import Order, OrderLine

from plugins.engagement import purchases, rollups, statistics
from plugins.engagement.models import Event
from plugins.engagement.statistics import Scope
from plugins.sale_windows.models import Reservation
from tests.sale_windows.factories import _track, make_item

from .support import drain_all, event, make_key, post_batch

pytestmark = pytest.mark.usefixtures("clean_stats")


@pytest.mark.django_db
def test_on_the_test_database():
    pass


def make_order(variant, checkout_token, quantity=2, item=None):
    order = _track(
        Order.objects.create(
            user_email="buyer@example.com",
            token=str(uuid.uuid4()),
            checkout_token=str(checkout_token),
        )
    )
    OrderLine.objects.create(
        order=order,
        variant=variant,
        product_name="x",
        variant_name="",
        product_sku=variant.sku,
        is_shipping_required=True,
        quantity=quantity,
        unit_price_net_amount=Decimal("9"),
        unit_price_gross_amount=Decimal("9"),
    )
    if item is not None:
        Reservation.objects.create(
            item=item,
            quantity=quantity,
            expires_at=timezone.now(),
            state="committed",
            order=order,
            checkout_token=checkout_token,
        )
    return order


def test_an_order_is_recorded_once_and_joined_to_its_session():
    item = make_item()
    variant = item.variant
    key = make_key()
    token = uuid.uuid4()
    post_batch(
        key.public_key,
        [
            event("view", entry_point="newsletter", sale_id=item.sale_id),
            event(
                "checkout_started", checkout_token=str(token), entry_point="newsletter"
            ),
        ],
        session_id="sess-42",
    )
    drain_all()
    order = make_order(variant, token, quantity=2, item=item)
    assert purchases.record_order(order.pk) == 2
    assert purchases.record_order(order.pk) == 0  # idempotent
    completed = Event.objects.get(kind="checkout_completed", order_id=order.pk)
    bought = Event.objects.get(kind="purchase", order_id=order.pk)
    assert (completed.session_id, completed.entry_point) == ("sess-42", "newsletter")
    assert completed.key_id == key.pk
    assert (bought.sale_id, bought.product_id, bought.quantity) == (
        item.sale_id,
        variant.product_id,
        2,
    )
    rollups.roll_dirty_hours()
    now = timezone.now()
    steps = statistics.funnel(
        Scope(
            since=now - timedelta(hours=2),
            until=now + timedelta(hours=1),
            sale_id=item.sale_id,
        )
    )
    assert steps[-1].count == 1 and steps[0].count == 1


def test_the_sweep_records_orders_a_lost_task_missed():
    item = make_item()
    order = make_order(item.variant, uuid.uuid4())
    assert purchases.record_missed_orders() >= 2
    assert Event.objects.filter(order_id=order.pk).count() == 2
    assert Event.objects.get(
        kind="checkout_completed", order_id=order.pk
    ).session_id == (f"order_{order.pk}")
    purchases.record_missed_orders()
    assert Event.objects.filter(order_id=order.pk).count() == 2


def wait_for(predicate, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_real_worker_drains_the_queue_and_records_orders(celery_worker_process):
    from saleor.plugins.manager import get_plugins_manager

    key = make_key()
    events = [event("view") for _ in range(30)]
    assert post_batch(key.public_key, events).status_code == 202
    # The request only queued them; the worker's drain task stores them.
    assert wait_for(lambda: Event.objects.filter(kind="view").count() == 30)
    item = make_item()
    with transaction.atomic():
        order = make_order(item.variant, uuid.uuid4())
        get_plugins_manager().order_created(order)
        assert not Event.objects.filter(order_id=order.pk).exists()
    assert wait_for(lambda: Event.objects.filter(order_id=order.pk).count() == 2)
