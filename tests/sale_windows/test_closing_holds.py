"""Holds that must not sell and what a cancelled order leaves behind (#10
low items), against real PostgreSQL: a cancelled sale's holds, a lapsed hold
over the customer's limit, a cancelled voucher-sale order's vouchers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from plugins.sale_windows import reservations, sale_admin, storefront
from plugins.sale_windows.models import FlashSaleItem, IssuedVoucher, Reservation

from .factories import (
    _track,
    make_checkout,
    make_item,
    make_user,
    on_the_test_database,
    sell_as_checkout_complete,
)

pytestmark = pytest.mark.usefixtures("committed_db")


@pytest.mark.django_db
def test_on_the_test_database():
    on_the_test_database()


def hold(item, user=None, email=None):
    checkout = make_checkout(email=email, user=user)
    storefront.reserve_for_checkout(item.pk, 1, checkout.token, user)
    return checkout


def order_for(item, checkout, email="buyer@example.com"):
    """Saleor's order for the checkout; our hook service sells its holds."""
    from saleor.order.models import Order

    with transaction.atomic():
        order = _track(
            Order.objects.create(user_email=email, checkout_token=str(checkout.token))
        )
        sold = sell_as_checkout_complete(order.pk, checkout.token, {item.variant_id: 1})
    return order, sold


def test_cancelling_a_sale_releases_its_holds():
    item = make_item(cap=5)
    checkout = hold(item)
    sale_admin.cancel_sale(item.sale_id)

    assert Reservation.objects.get(checkout_token=checkout.token).state == "released"
    _order, sold = order_for(item, checkout)
    assert sold == 0
    assert FlashSaleItem.objects.get(pk=item.pk).sold == 0


def test_a_lapsed_hold_sold_at_order_time_respects_the_customer_limit(redis_client):
    item = make_item(cap=5, per_customer_limit=1)
    buyer = make_user("lapsed-limit@example.com")
    first = hold(item, user=buyer)
    Reservation.objects.filter(checkout_token=first.token).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    reservations.expire_lapsed_holds()
    redis_client.flushdb()  # the gate's word aside: PostgreSQL decides
    second = hold(item, user=buyer)  # allowed: the first hold lapsed
    order_for(item, second, buyer.email)

    with pytest.raises(reservations.HoldLost):
        order_for(item, first, buyer.email)  # would make 2 of a limit of 1
    assert FlashSaleItem.objects.get(pk=item.pk).sold == 1


def test_cancelling_a_voucher_sale_order_revokes_its_vouchers():
    from saleor.discount.models import Voucher
    from saleor.order.actions import cancel_order

    from plugins.sale_windows.vouchers import issue_for_order

    item = make_item(cap=5, kind="voucher")
    checkout = hold(item, email="voucher-buyer@example.com")
    order, _sold = order_for(item, checkout, "voucher-buyer@example.com")
    with transaction.atomic():
        issued = issue_for_order(order)
    voucher_ids = [row.voucher_id for row in issued]
    assert Voucher.objects.active(date=timezone.now()).filter(pk__in=voucher_ids)

    with transaction.atomic():
        cancel_order(order, None)  # Saleor's, which calls our order_cancelled

    assert not Voucher.objects.active(date=timezone.now()).filter(pk__in=voucher_ids)
    assert all(row.revoked_at for row in IssuedVoucher.objects.filter(order=order))
    Voucher.objects.filter(pk__in=voucher_ids).delete()
