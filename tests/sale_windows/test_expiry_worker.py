"""Lapsed holds are expired by the periodic task, run by a real Celery worker."""

import io
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from plugins.sale_windows.domain import ReservationState
from plugins.sale_windows.models import FlashSaleItem, Reservation
from plugins.sale_windows.services import items_with_reserved
from plugins.sale_windows.tasks import expire_reservations_task
from saleor_flash.demo import seed_demo


def wait_until(predicate, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_worker_expires_lapsed_holds_and_gives_units_back(celery_worker_process):
    seed_demo(io.StringIO())
    item = FlashSaleItem.objects.filter(sale__starts_at__lte=timezone.now()).first()
    now = timezone.now()
    lapsed = Reservation.objects.create(
        item=item, quantity=2, expires_at=now - timedelta(seconds=1)
    )
    live = Reservation.objects.create(
        item=item, quantity=1, expires_at=now + timedelta(minutes=10)
    )
    assert items_with_reserved().get(pk=item.pk).reserved == 3

    expire_reservations_task.delay()

    def lapsed_expired():
        lapsed.refresh_from_db()
        return lapsed.state == ReservationState.EXPIRED

    assert wait_until(lapsed_expired), "the worker did not run the expiry task"
    live.refresh_from_db()
    assert live.state == ReservationState.HELD
    assert items_with_reserved().get(pk=item.pk).reserved == 1
