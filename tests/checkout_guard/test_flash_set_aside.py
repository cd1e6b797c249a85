"""A flash item's cap is backed by stock: regular buyers cannot take the units
a live sale still has to sell, while its hold-holders can."""

import io
import uuid
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone
from saleor.core.exceptions import InsufficientStock
from saleor.warehouse.models import Allocation, Stock

from plugins.checkout_guard import holds
from plugins.sale_windows.models import FlashSaleItem, Reservation
from saleor_flash.demo import seed_demo

pytestmark = [pytest.mark.django_db]
TTL = timedelta(minutes=5)


def test_set_aside_units_are_kept_for_flash_buyers():
    seed_demo(io.StringIO())
    now = timezone.now()
    item = FlashSaleItem.objects.filter(
        sale__starts_at__lte=now, sale__ends_at__gt=now, sold=0
    ).first()
    variant_id = item.variant_id
    # Two free units beyond the cap, whatever the demo's orders allocated.
    allocated = (
        Allocation.objects.filter(stock__product_variant_id=variant_id).aggregate(
            units=Sum("quantity_allocated")
        )["units"]
        or 0
    )
    Stock.objects.filter(product_variant_id=variant_id).update(
        quantity=item.cap + 2 + allocated
    )
    for other in FlashSaleItem.objects.filter(variant_id=variant_id).exclude(
        pk=item.pk
    ):
        other.delete()

    with pytest.raises(InsufficientStock):
        holds.hold_stock(uuid.uuid4(), {variant_id: 3}, "US", TTL)
    holds.hold_stock(uuid.uuid4(), {variant_id: 2}, "US", TTL)
    with pytest.raises(InsufficientStock):  # the free units are gone
        holds.hold_stock(uuid.uuid4(), {variant_id: 1}, "US", TTL)

    flash_buyer = uuid.uuid4()
    Reservation.objects.create(
        item=item, checkout_token=flash_buyer, quantity=2, expires_at=now + TTL
    )
    holds.hold_stock(flash_buyer, {variant_id: 2}, "US", TTL)
    with pytest.raises(InsufficientStock):  # not beyond what it holds
        holds.hold_stock(flash_buyer, {variant_id: 3}, "US", TTL)
    # Its stock hold now covers 2 of the set-aside: the rest stays kept.
    with pytest.raises(InsufficientStock):
        holds.hold_stock(uuid.uuid4(), {variant_id: 1}, "US", TTL)
