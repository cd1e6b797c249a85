"""The split through Saleor's real checkoutComplete (in-process GraphQL):
one sub-order per provider by the warehouse Saleor allocated, settlement
amounts from the listings, the providers told through the outbox with only
what they need, a second split changing nothing, a fixed number of queries."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from saleor.order.models import Order

from plugins.core.models import OutboxMessage
from plugins.provider_dropship.models import SubOrder, SubOrderLine
from plugins.provider_dropship.order_split import split_order

from .world import make_supplier, place_order, store

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shop():
    store()


def order_of(placed) -> Order:
    return Order.objects.get(token=placed["token"])


@pytest.mark.parametrize("providers", [1, 2, 3, 5])
def test_one_sub_order_per_provider(providers):
    suppliers = [
        make_supplier(variants=2, settlement=Decimal(10 + n)) for n in range(providers)
    ]
    lines = [(v, n + 1) for s in suppliers for n, v in enumerate(s.variants)]
    order = order_of(place_order(lines))

    sub_orders = list(SubOrder.objects.filter(order=order).order_by("provider_id"))
    assert [s.provider_id for s in sub_orders] == sorted(
        s.provider.pk for s in suppliers
    )
    for sub_order, supplier in zip(
        sub_orders, sorted(suppliers, key=lambda s: s.provider.pk)
    ):
        got = sorted(
            (line.order_line.variant_id, line.quantity, line.warehouse_id)
            for line in sub_order.lines.select_related("order_line")
        )
        assert got == [
            (supplier.variants[0].pk, 1, supplier.warehouse.pk),
            (supplier.variants[1].pk, 2, supplier.warehouse.pk),
        ]
        price = supplier.variants and sub_order.lines.first().settlement_price_amount
        assert sub_order.settlement_amount == price * 3
        assert sub_order.status == "new"


def test_provider_is_told_only_what_it_needs():
    supplier = make_supplier(webhook_url="https://hooks.provider.test/flash")
    placed = place_order([(supplier.variants[0], 2)], email="private@buyer.test")
    sub_order = SubOrder.objects.get(order=order_of(placed))

    webhook = OutboxMessage.objects.get(
        kind="webhook", event_type="sub_order.created", url__contains="provider.test"
    )
    body = json.loads(webhook.body)
    assert body["event_type"] == "sub_order.created" and body["event_id"]
    assert body["sub_order"]["id"] == sub_order.pk
    assert body["items"] == [
        {
            "sku": supplier.variants[0].sku,
            "product": supplier.variants[0].product.name,
            "variant": supplier.variants[0].name,
            "quantity": 2,
        }
    ]
    assert body["ship_to"]["name"] == "Ada Buyer"
    assert body["ship_to"]["phone"] == "+8613800138000"
    assert body["ship_to"]["street_address_1"] == "1 Main Street"
    text = webhook.body
    # Nothing else about the buyer or the order: no e-mail, prices, order id.
    assert "private@buyer.test" not in text
    assert "20.00" not in text and "price" not in text and "total" not in text
    assert set(body) == {"event_id", "event_type", "sub_order", "items", "ship_to"}

    email = OutboxMessage.objects.get(
        kind="email",
        event_type="sub_order.created",
        recipients=[supplier.provider.contact_email],
    )
    assert "Ada Buyer" in email.body and "+8613800138000" in email.body
    assert "private@buyer.test" not in email.body


def test_split_twice_changes_nothing():
    a, b = make_supplier(), make_supplier()
    order = order_of(place_order([(a.variants[0], 1), (b.variants[0], 1)]))
    first = sorted(SubOrder.objects.filter(order=order).values_list("pk", flat=True))
    lines = SubOrderLine.objects.filter(sub_order__order=order).count()
    messages = OutboxMessage.objects.count()

    again = split_order(order)

    assert sorted(s.pk for s in again) == first
    assert SubOrderLine.objects.filter(sub_order__order=order).count() == lines
    assert OutboxMessage.objects.count() == messages


def test_lines_of_no_provider_stay_with_the_platform():
    from saleor.warehouse.models import Stock

    supplier = make_supplier()
    platform = make_supplier()  # its warehouse is then made the platform's own
    platform.warehouse.provider_link.delete()
    Stock.objects.filter(warehouse=platform.warehouse).update(quantity=10)
    order = order_of(
        place_order([(supplier.variants[0], 1), (platform.variants[0], 1)])
    )
    (sub_order,) = SubOrder.objects.filter(order=order)
    assert sub_order.provider_id == supplier.provider.pk
    assert [line.order_line.variant_id for line in sub_order.lines.all()] == [
        supplier.variants[0].pk
    ]


def test_a_fixed_number_of_queries_whatever_the_lines():
    def queries_for(lines_per_provider):
        suppliers = [make_supplier(variants=lines_per_provider) for _ in range(5)]
        order = order_of(place_order([(v, 1) for s in suppliers for v in s.variants]))
        SubOrder.objects.filter(order=order).delete()
        with CaptureQueriesContext(connection) as captured:
            split_order(order)
        assert SubOrder.objects.filter(order=order).count() == 5
        return len(captured)

    assert queries_for(1) == queries_for(4)
