"""Saleor's snapshot race, reproduced deterministically with two connections,
and our hold path shown to close it.

Transaction A allocates the last unit and waits. Transaction B starts while A
holds the stock row lock, so B blocks. Once B is seen waiting in
pg_stat_activity, A commits. Saleor's ``allocate_stock`` in B then sums the
allocations from the snapshot its statement took before waiting, sees none,
and allocates a unit that does not exist. ``holds.hold_stock`` takes the lock
in a statement of its own and reads afterwards, so it sees A's allocation.
"""

import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.db.models import Sum
from saleor.core.exceptions import InsufficientStock
from saleor.order.models import Order, OrderLine
from saleor.warehouse.management import allocate_stock
from saleor.warehouse.models import Allocation

from plugins.checkout_guard import holds

pytestmark = [pytest.mark.django_db(transaction=True)]


def order_line_for(variant) -> OrderLine:
    order = Order.objects.create(user_email="race@example.com", token=str(uuid.uuid4()))
    return OrderLine.objects.create(
        order=order,
        variant=variant,
        product_name=variant.product.name,
        product_sku=variant.sku,
        is_shipping_required=True,
        quantity=1,
        unit_price_net_amount=Decimal("1"),
        unit_price_gross_amount=Decimal("1"),
    )


def backend_pid() -> int:
    """This thread's PostgreSQL backend, to watch it wait in pg_stat_activity."""
    connection.ensure_connection()
    return connection.connection.get_backend_pid()


def wait_until_blocked(pid_box, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pid_box:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                    [pid_box[0]],
                )
                row = cursor.fetchone()
            if row and row[0] == "Lock":
                return
        time.sleep(0.02)
    raise AssertionError("transaction B never blocked on the stock row lock")


def race(stock, second_transaction):
    """A allocates the last unit and holds its lock until B is blocked."""
    first_line = order_line_for(stock.product_variant)
    allocated_by_a = threading.Event()
    release_a = threading.Event()
    pid_box, outcome = [], {}

    def transaction_a():
        try:
            with transaction.atomic():
                allocate_stock(first_line, "US", 1)
                allocated_by_a.set()
                release_a.wait(10)
        finally:
            connections.close_all()

    def transaction_b():
        allocated_by_a.wait(10)
        try:
            pid_box.append(backend_pid())
            with transaction.atomic():
                outcome["result"] = second_transaction()
        except Exception as error:  # what B ran into is the result
            outcome["error"] = error
        finally:
            connections.close_all()

    a, b = (
        threading.Thread(target=transaction_a),
        threading.Thread(target=transaction_b),
    )
    a.start()
    b.start()
    wait_until_blocked(pid_box)
    release_a.set()
    a.join(10)
    b.join(10)
    return outcome


@pytest.fixture
def last_unit(demo_stocks):
    stock = demo_stocks[0]
    stock.quantity = 1
    stock.save(update_fields=["quantity"])
    return stock


def test_saleors_allocation_oversells_under_the_race(last_unit):
    second_line = order_line_for(last_unit.product_variant)

    outcome = race(last_unit, lambda: allocate_stock(second_line, "US", 1))

    assert "error" not in outcome, outcome
    allocated = Allocation.objects.filter(stock=last_unit).aggregate(
        total=Sum("quantity_allocated")
    )["total"]
    assert allocated == 2, "Saleor 2.10.1 allocates 2 units of a stock of 1"


def test_our_hold_sees_the_committed_allocation(last_unit):
    outcome = race(
        last_unit,
        lambda: holds.hold_stock(
            uuid.uuid4(), {last_unit.product_variant_id: 1}, "US", timedelta(minutes=5)
        ),
    )

    assert isinstance(outcome.get("error"), InsufficientStock), outcome
    allocated = Allocation.objects.filter(stock=last_unit).aggregate(
        total=Sum("quantity_allocated")
    )["total"]
    assert allocated == 1


def test_two_holds_race_for_the_last_unit(last_unit):
    """Hold against hold: the waiter sees the first hold once it commits."""
    first_ready, release_first = threading.Event(), threading.Event()
    pid_box, outcome = [], {}
    variant_needs = {last_unit.product_variant_id: 1}

    def first():
        try:
            with transaction.atomic():
                holds.hold_stock(
                    uuid.uuid4(), variant_needs, "US", timedelta(minutes=5)
                )
                first_ready.set()
                release_first.wait(10)
        finally:
            connections.close_all()

    def second():
        first_ready.wait(10)
        try:
            pid_box.append(backend_pid())
            holds.hold_stock(uuid.uuid4(), variant_needs, "US", timedelta(minutes=5))
            outcome["held"] = True
        except InsufficientStock as error:
            outcome["error"] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    wait_until_blocked(pid_box)
    release_first.set()
    for thread in threads:
        thread.join(10)
    assert isinstance(outcome.get("error"), InsufficientStock), outcome
