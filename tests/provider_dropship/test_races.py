"""Races on committed rows, with real threads on their own connections: a
split retried concurrently makes one set of sub-orders; two cancellations of
the same units refund once; shipping and cancelling at once leave a
consistent sub-order."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connections
from saleor.order.models import Order
from saleor.payment.models import Payment

from plugins.core.models import OutboxMessage
from plugins.provider_dropship import sub_order_workflow
from plugins.provider_dropship.models import SubOrder, SubOrderLine
from plugins.provider_dropship.order_split import split_order
from plugins.provider_dropship.shipping_rules import SubOrderRefusal

from .world import make_supplier, place_order, store

pytestmark = pytest.mark.django_db(transaction=True)


def race(calls):
    """Run every call at once (a barrier), each on its own connection."""
    start = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            start.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            results[index] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_races(transactional_db):
    store()
    a, b = make_supplier(), make_supplier()
    order = Order.objects.get(
        token=place_order([(a.variants[0], 3), (b.variants[0], 1)])["token"]
    )

    # 1. A split retried by four workers at once: one set of sub-orders.
    first = sorted(SubOrder.objects.filter(order=order).values_list("pk", flat=True))
    SubOrder.objects.filter(order=order).delete()
    OutboxMessage.objects.all().delete()
    results = race([lambda: split_order(order) for _ in range(4)])
    made = SubOrder.objects.filter(order=order)
    assert made.count() == 2 and sorted(made.values_list("pk", flat=True)) != first
    assert all(
        sorted(s.pk for s in result) == sorted(made.values_list("pk", flat=True))
        for result in results
    ), results
    assert SubOrderLine.objects.filter(sub_order__order=order).count() == 2
    # Two providers × (e-mail) once: the retries wrote nothing.
    assert OutboxMessage.objects.filter(event_type="sub_order.created").count() == 2

    # 2. Two cancellations of 2 of the line's 3 units at once: one wins.
    sub_a = made.get(provider=a.provider)
    line = sub_a.lines.get()
    payment = Payment.objects.get(order=order)
    captured = payment.captured_amount
    results = race(
        [
            lambda: sub_order_workflow.cancel_lines(
                a.user, sub_a.pk, [(line.pk, 2)], "race"
            )
            for _ in range(2)
        ]
    )
    refused = [r for r in results if isinstance(r, SubOrderRefusal)]
    assert len(refused) == 1 and refused[0].code == "invalid_quantity", results
    line.refresh_from_db()
    assert line.cancelled_quantity == 2
    payment.refresh_from_db()
    unit = line.order_line.unit_price_gross_amount
    assert captured - payment.captured_amount == 2 * unit
    assert line.order_line.allocations.get().quantity_allocated == 1

    # 3. Ship and cancel the last unit at once: either shipped with 1 unit
    # or cancelled before shipping; never both.
    sub_order_workflow.accept(a.user, sub_a.pk)
    results = race(
        [
            lambda: sub_order_workflow.ship(a.user, sub_a.pk, "UPS", "1Z"),
            lambda: sub_order_workflow.cancel_lines(
                a.user, sub_a.pk, [(line.pk, 1)], "race"
            ),
        ]
    )
    sub_a.refresh_from_db()
    line.refresh_from_db()
    shipped = not isinstance(results[0], Exception)
    cancelled = not isinstance(results[1], Exception)
    assert shipped != cancelled, results
    if shipped:
        assert sub_a.status == "shipped" and line.cancelled_quantity == 2
        assert line.order_line.quantity_fulfilled == 1
    else:
        assert sub_a.status == "cancelled" and line.cancelled_quantity == 3
        assert sub_a.fulfillment_id is None
    assert Decimal(payment.total) > 0
