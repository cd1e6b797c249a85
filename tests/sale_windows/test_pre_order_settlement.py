"""Pre-order settlement (#10 item 5) against real PostgreSQL, with real
concurrency: no hold sells after the sale's end, settlement waits for orders
still selling, and every order of a cancelled pre-order is cancelled and
refunded in the end, whatever fails or crashes on the way.

Orders are made in-process (Saleor's models, our own order hook service);
their payments go through Saleor's gateway module to a test gateway whose
refunds fail or hang on demand (tests/fault_plugin.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from plugins.sale_windows import pre_orders, reservations, storefront
from plugins.sale_windows.models import FlashSaleItem, Reservation
from tests.fault_plugin import REFUND_FAILS_DOMAIN, REFUND_HANGS_DOMAIN

from .factories import (
    _track,
    make_checkout,
    make_item,
    on_the_test_database,
    sell_as_checkout_complete,
)

pytestmark = pytest.mark.usefixtures("committed_db")


@pytest.mark.django_db
def test_on_the_test_database():
    on_the_test_database()


@pytest.fixture(autouse=True)
def delete_payment_transactions():
    """Saleor protects payments from deletion while they have transactions
    (the refunds among them are made by the code under test)."""
    yield
    from saleor.payment.models import Payment, Transaction

    from . import factories

    payment_ids = [row.pk for row in factories.CREATED if isinstance(row, Payment)]
    Transaction.objects.filter(payment_id__in=payment_ids).delete()


def hold(item, email):
    checkout = make_checkout(email=email)
    storefront.reserve_for_checkout(item.pk, 1, checkout.token, None)
    return checkout


def order_of(item, checkout, email):
    """Saleor's order for the checkout's hold, its units sold by our hook
    service in the order's transaction, and a captured payment."""
    from saleor.order.models import Order
    from saleor.payment.models import Payment, Transaction

    with transaction.atomic():
        order = _track(
            Order.objects.create(user_email=email, checkout_token=str(checkout.token))
        )
        sell_as_checkout_complete(order.pk, checkout.token, {item.variant_id: 1})
    payment = _track(
        Payment.objects.create(
            order=order,
            gateway="tests.flaky_refunds",
            is_active=True,
            charge_status="fully-charged",
            total=Decimal("9.00"),
            captured_amount=Decimal("9.00"),
            currency=item.currency,
            billing_email=email,
        )
    )
    Transaction.objects.create(
        payment=payment,
        kind="capture",
        is_success=True,
        token=f"capture-{order.pk}",
        amount=Decimal("9.00"),
        currency=item.currency,
        gateway_response={},
    )
    return order


def pre_order_item(minimum, ends_in=timedelta(hours=1)):
    item = make_item(cap=10, kind="pre_order", ends_in=ends_in)
    item.sale.minimum_quantity = minimum
    item.sale.save(update_fields=["minimum_quantity"])
    return item


def end_sale(item):
    item.sale.ends_at = timezone.now()
    item.sale.save(update_fields=["ends_at"])


def state_of(order):
    order.refresh_from_db()
    payment = order.payments.get()
    return order.status, payment.charge_status


def test_no_hold_sells_after_the_sales_end():
    """The grace before payment stops at the sale's end, and an order made
    after the end sells nothing (Saleor's order rolls back, the checkout guard
    reverses the payment)."""
    item = make_item(cap=5, ends_in=timedelta(seconds=3))
    checkout = hold(item, "late-buyer@example.com")

    assert reservations.lapsed_holds_before_payment(checkout.token) == []
    held = Reservation.objects.get(checkout_token=checkout.token)
    assert held.expires_at <= item.sale.ends_at  # no grace past the end

    time.sleep(max((item.sale.ends_at - timezone.now()).total_seconds(), 0) + 0.2)
    with pytest.raises(reservations.SaleClosed):
        order_of(item, checkout, "late-buyer@example.com")
    item.refresh_from_db()
    assert item.sold == 0


def test_settlement_waits_for_an_order_still_selling_and_cancels_it():
    """An order whose transaction sold its unit before the end and commits
    after it is counted and cancelled: settlement takes the item locks."""
    item = pre_order_item(minimum=5, ends_in=timedelta(seconds=2))
    early = order_of(item, hold(item, "early@example.com"), "early@example.com")
    late_checkout = hold(item, "late@example.com")

    from saleor.order.models import Order
    from saleor.payment.models import Payment, Transaction

    sold_in_time = threading.Event()
    late = {}

    def order_committing_after_the_end():
        try:
            with transaction.atomic():
                order = Order.objects.create(
                    user_email="late@example.com",
                    checkout_token=str(late_checkout.token),
                )
                sell_as_checkout_complete(
                    order.pk, late_checkout.token, {item.variant_id: 1}
                )
                payment = Payment.objects.create(
                    order=order,
                    gateway="tests.flaky_refunds",
                    is_active=True,
                    charge_status="fully-charged",
                    total=Decimal("9.00"),
                    captured_amount=Decimal("9.00"),
                    currency=item.currency,
                    billing_email="late@example.com",
                )
                Transaction.objects.create(
                    payment=payment,
                    kind="capture",
                    is_success=True,
                    token="capture-late",
                    amount=Decimal("9.00"),
                    currency=item.currency,
                    gateway_response={},
                )
                late["order"] = order
                sold_in_time.set()
                time.sleep(3)  # commits 1-2 s after the end
        finally:
            connection.close()

    seller = threading.Thread(target=order_committing_after_the_end)
    seller.start()
    assert sold_in_time.wait(10)
    time.sleep(max((item.sale.ends_at - timezone.now()).total_seconds(), 0) + 0.2)
    try:
        assert pre_orders.settle(item.sale_id).value == "cancelled"
    finally:
        seller.join(15)
        _track(late["order"])
        _track(late["order"].payments.get())

    for order in (early, late["order"]):
        assert state_of(order) == ("canceled", "fully-refunded")
    assert FlashSaleItem.objects.get(pk=item.pk).sold == 0


def test_a_failing_refund_does_not_stop_the_others_and_is_retried():
    item = pre_order_item(minimum=5)
    emails = ["first@example.com", f"second{REFUND_FAILS_DOMAIN}", "third@example.com"]
    orders = [order_of(item, hold(item, email), email) for email in emails]
    end_sale(item)

    assert pre_orders.settle(item.sale_id).value == "cancelled"
    assert state_of(orders[0]) == ("canceled", "fully-refunded")
    assert state_of(orders[1]) == ("canceled", "fully-charged")  # gateway said no
    assert state_of(orders[2]) == ("canceled", "fully-refunded")

    # The gateway recovers; the beat's next runs retry the order that failed.
    orders[1].payments.update(billing_email="second@example.com")
    later = timezone.now() + timedelta(hours=2)
    pre_orders.settle_ended(later)
    assert state_of(orders[1]) == ("canceled", "fully-refunded")

    from plugins.sale_windows.models import PreOrderCancellation

    rows = PreOrderCancellation.objects.filter(sale_id=item.sale_id).order_by("pk")
    assert [row.attempts for row in rows] == [1, 2, 1]
    assert all(row.done_at for row in rows)


def test_a_crash_mid_loop_is_resumed_by_the_beat(django_db_blocker):
    """settle() in a real process, SIGKILLed while refunding the first order:
    the beat completes every order."""
    from django.conf import settings

    from saleor_flash import devenv
    from tests.support import database_url_from_settings

    item = pre_order_item(minimum=5)
    emails = [f"first{REFUND_HANGS_DOMAIN}", "second@example.com"]
    orders = [order_of(item, hold(item, email), email) for email in emails]
    end_sale(item)

    env = devenv.base_env(
        database_url_from_settings(settings.DATABASES["default"]),
        os.environ["REDIS_URL"],
        "saleor_flash.test_settings",
    )
    settler = subprocess.Popen(
        [
            devenv.PYTHON,
            "-c",
            "import django; django.setup(); "
            "from plugins.sale_windows import pre_orders; "
            f"pre_orders.settle({item.sale_id})",
        ],
        env=env,
        cwd=str(devenv.config.PROJECT_DIR),
    )
    try:
        deadline = time.time() + 60
        while state_of(orders[0])[0] != "canceled":  # now refunding: it hangs
            assert time.time() < deadline and settler.poll() is None
            time.sleep(0.2)
        time.sleep(0.5)
    finally:
        os.kill(settler.pid, signal.SIGKILL)
        settler.wait(10)
    assert state_of(orders[0]) == ("canceled", "fully-charged")
    assert state_of(orders[1])[0] != "canceled"  # the loop never got there

    orders[0].payments.update(billing_email="first@example.com")
    pre_orders.settle_ended(timezone.now())
    for order in orders:
        assert state_of(order) == ("canceled", "fully-refunded")
