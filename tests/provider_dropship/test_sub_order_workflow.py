"""Providers work their sub-orders over GraphQL (in-process): accept, ship
with tracking (a Saleor fulfilment; the parent order partially shipped, then
fulfilled), deliver, cancel single lines (stock back, refund, flash-sale
units and allowance back); refusals are typed and change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from saleor.order import OrderStatus
from saleor.order.models import Fulfillment, Order
from saleor.payment.models import Payment
from saleor.warehouse.models import Allocation, Stock

from plugins.core.models import OutboxMessage
from plugins.provider_dropship.models import SettlementEntry, SubOrder
from tests.support import gql_in_process as gql

from .world import (
    ACCEPT,
    CANCEL,
    DELIVER,
    SHIP,
    SHIPMENTS,
    SUB_ORDERS,
    TRACKING,
    gid,
    make_supplier,
    place_order,
    store,
    token_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shop():
    store()


def act(query, token, **variables):
    response = gql(query, variables, token)
    assert "errors" not in response, response
    (payload,) = response["data"].values()
    return payload


def done(query, token, **variables):
    payload = act(query, token, **variables)
    assert payload["subOrderErrors"] == [], payload
    return payload["subOrder"]


def sub_order_of(order: Order, supplier) -> SubOrder:
    return SubOrder.objects.get(order=order, provider=supplier.provider)


def two_provider_order(email="buyer@example.com", quantities=(2, 1)):
    a, b = make_supplier(variants=2), make_supplier()
    placed = place_order(
        [
            (a.variants[0], quantities[0]),
            (a.variants[1], 1),
            (b.variants[0], quantities[1]),
        ],
        email=email,
    )
    return a, b, Order.objects.get(token=placed["token"])


def test_one_ships_partially_shipped_then_both_fulfilled_then_delivered():
    a, b, order = two_provider_order()
    token_a, token_b = token_for(a.user), token_for(b.user)
    sub_a, sub_b = sub_order_of(order, a), sub_order_of(order, b)
    stock_before = Stock.objects.get(
        warehouse=a.warehouse, product_variant=a.variants[0]
    ).quantity

    done(ACCEPT, token_a, id=gid("ProviderSubOrder", sub_a.pk))
    shipped = done(
        SHIP,
        token_a,
        id=gid("ProviderSubOrder", sub_a.pk),
        carrier="SF Express",
        tracking="SF123456789CN",
    )
    assert shipped["status"] == "SHIPPED"
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
    fulfillment = Fulfillment.objects.get(order=order)
    assert fulfillment.tracking_number == "SF123456789CN"
    assert sorted(
        (line.order_line.variant_id, line.quantity) for line in fulfillment.lines.all()
    ) == sorted([(a.variants[0].pk, 2), (a.variants[1].pk, 1)])
    stock = Stock.objects.get(warehouse=a.warehouse, product_variant=a.variants[0])
    assert stock.quantity == stock_before - 2
    assert act(SUB_ORDERS, token_a)["edges"][0]["node"]["orderShipmentState"] == (
        "PARTIALLY_SHIPPED"
    )
    shipped_mail = OutboxMessage.objects.get(
        event_type="shipment.shipped", recipients=["buyer@example.com"]
    )
    assert "SF123456789CN" in shipped_mail.body and "1 of 2" in shipped_mail.body

    # The buyer (staff here) sees two shipments, one shipped with tracking.
    staff_view = gql_as_staff(SHIPMENTS, orderId=gid("Order", order.pk))
    assert staff_view["orderShipmentState"] == "PARTIALLY_SHIPPED"
    assert sorted(
        (s["status"], s["trackingNumber"]) for s in staff_view["orderShipments"]
    ) == [("NEW", ""), ("SHIPPED", "SF123456789CN")]

    done(ACCEPT, token_b, id=gid("ProviderSubOrder", sub_b.pk))
    done(
        TRACKING,
        token_b,
        id=gid("ProviderSubOrder", sub_b.pk),
        carrier="UPS",
        tracking="1Z999",
    )
    done(SHIP, token_b, id=gid("ProviderSubOrder", sub_b.pk))
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert Fulfillment.objects.filter(order=order).count() == 2

    done(DELIVER, token_a, id=gid("ProviderSubOrder", sub_a.pk))
    entries = SettlementEntry.objects.filter(provider=a.provider)
    assert sorted((e.kind, e.units, e.amount) for e in entries) == [
        ("delivered", 1, Decimal("12.000")),
        ("delivered", 2, Decimal("24.000")),
    ]
    assert OutboxMessage.objects.filter(
        event_type="shipment.delivered", recipients=["buyer@example.com"]
    ).exists()
    assert (
        gql_as_staff(SHIPMENTS, orderId=gid("Order", order.pk))["orderShipmentState"]
        == "SHIPPED"
    )


def gql_as_staff(query, **variables):
    from django.contrib.auth.models import Permission
    from saleor.account.models import User

    staff, _ = User.objects.get_or_create(
        email="orders-staff@example.com", defaults={"is_staff": True}
    )
    staff.user_permissions.add(Permission.objects.get(codename="manage_orders"))
    response = gql(query, variables, token_for(staff))
    assert "errors" not in response, response
    return response["data"]


@pytest.mark.parametrize(
    "query, variables, code, field",
    [
        (SHIP, {"carrier": "UPS", "tracking": "1Z"}, "INVALID_STATUS", None),
        (DELIVER, {}, "INVALID_STATUS", None),
        (TRACKING, {"carrier": " ", "tracking": "1Z"}, "REQUIRED", "carrier"),
    ],
)
def test_moves_out_of_order_are_refused_and_change_nothing(
    query, variables, code, field
):
    supplier = make_supplier()
    order = Order.objects.get(token=place_order([(supplier.variants[0], 1)])["token"])
    sub_order = sub_order_of(order, supplier)
    payload = act(
        query,
        token_for(supplier.user),
        id=gid("ProviderSubOrder", sub_order.pk),
        **variables,
    )
    assert [(e["code"], e["field"]) for e in payload["subOrderErrors"]] == [
        (code, field)
    ]
    sub_order.refresh_from_db()
    assert (sub_order.status, sub_order.carrier) == ("new", "")
    assert not Fulfillment.objects.filter(order=order).exists()


def test_ship_needs_a_tracking_number():
    supplier = make_supplier()
    order = Order.objects.get(token=place_order([(supplier.variants[0], 1)])["token"])
    sub_id = gid("ProviderSubOrder", sub_order_of(order, supplier).pk)
    token = token_for(supplier.user)
    done(ACCEPT, token, id=sub_id)
    payload = act(SHIP, token, id=sub_id)
    assert payload["subOrderErrors"][0]["code"] == "REQUIRED"
    assert not Fulfillment.objects.filter(order=order).exists()


def available(supplier, variant) -> int:
    stock = Stock.objects.get(warehouse=supplier.warehouse, product_variant=variant)
    allocated = sum(
        Allocation.objects.filter(stock=stock).values_list(
            "quantity_allocated", flat=True
        )
    )
    return stock.quantity - allocated


def test_cancelling_one_line_gives_stock_back_and_refunds_it():
    a, b, order = two_provider_order(quantities=(3, 1))
    token_a = token_for(a.user)
    sub_a = sub_order_of(order, a)
    line = sub_a.lines.get(order_line__variant=a.variants[0])
    payment = Payment.objects.get(order=order)
    captured = payment.captured_amount
    free_before = available(a, a.variants[0])

    cancelled = done(
        CANCEL,
        token_a,
        id=gid("ProviderSubOrder", sub_a.pk),
        lines=[{"lineId": gid("ProviderSubOrderLine", line.pk), "quantity": 2}],
        reason="Two units damaged in the warehouse",
    )
    assert cancelled["status"] == "NEW"  # one unit of that line and another line left
    assert available(a, a.variants[0]) == free_before + 2
    line.refresh_from_db()
    assert (line.cancelled_quantity, line.open_quantity) == (2, 1)
    assert line.order_line.quantity == 1
    payment.refresh_from_db()
    unit = line.order_line.unit_price_gross_amount
    assert payment.captured_amount == captured - 2 * unit
    assert payment.charge_status == "partially-refunded"
    mail = OutboxMessage.objects.get(event_type="shipment.lines_cancelled")
    assert "damaged" in mail.body

    # Too many units now: refused, nothing changed.
    refused = act(
        CANCEL,
        token_a,
        id=gid("ProviderSubOrder", sub_a.pk),
        lines=[{"lineId": gid("ProviderSubOrderLine", line.pk), "quantity": 2}],
        reason="again",
    )
    assert refused["subOrderErrors"][0]["code"] == "INVALID_QUANTITY"
    line.refresh_from_db()
    assert line.cancelled_quantity == 2

    # The rest ships: what is left of the order is fulfilled.
    done(ACCEPT, token_a, id=gid("ProviderSubOrder", sub_a.pk))
    done(
        SHIP,
        token_a,
        id=gid("ProviderSubOrder", sub_a.pk),
        carrier="EMS",
        tracking="EE1",
    )
    sub_b = sub_order_of(order, b)
    token_b = token_for(b.user)
    done(ACCEPT, token_b, id=gid("ProviderSubOrder", sub_b.pk))
    done(
        SHIP,
        token_b,
        id=gid("ProviderSubOrder", sub_b.pk),
        carrier="EMS",
        tracking="EE2",
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED


def test_cancelling_every_line_cancels_the_sub_order():
    a, b, order = two_provider_order()
    sub_b = sub_order_of(order, b)
    (line,) = sub_b.lines.all()
    done(
        CANCEL,
        token_for(b.user),
        id=gid("ProviderSubOrder", sub_b.pk),
        lines=[{"lineId": gid("ProviderSubOrderLine", line.pk), "quantity": 1}],
        reason="Out of production",
    )
    sub_b.refresh_from_db()
    assert sub_b.status == "cancelled"
    assert SettlementEntry.objects.get(sub_order_line=line).amount == 0


def test_a_flash_sale_line_gives_units_and_allowance_back(redis_client):
    from plugins.sale_windows import gate
    from plugins.sale_windows.models import FlashSaleItem, Reservation
    from tests.sale_windows.factories import make_item

    redis_client.flushdb()
    gate.reset()
    a, b = make_supplier(), make_supplier()
    item = make_item(
        cap=5, per_customer_limit=2, variant=a.variants[0], sale_price=Decimal("9.00")
    )
    reserve = """
    mutation($item: ID!, $qty: Int!, $checkout: ID!) {
      flashSaleReserve(itemId: $item, quantity: $qty, checkoutId: $checkout) {
        reservation { id } flashSaleErrors { code message }
      }
    }"""

    def hold_two(checkout):
        response = gql(
            reserve,
            {
                "item": gid("FlashSaleItem", item.pk),
                "qty": 2,
                "checkout": checkout["id"],
            },
        )
        assert not response["data"]["flashSaleReserve"]["flashSaleErrors"], response

    placed = place_order(
        [(a.variants[0], 2), (b.variants[0], 1)],
        email="flash@example.com",
        before_payment=hold_two,
    )
    order = Order.objects.get(token=placed["token"])
    item.refresh_from_db()
    assert item.sold == 2
    sub_a = sub_order_of(order, a)
    (line,) = sub_a.lines.all()
    assert line.order_line.unit_price_gross_amount == Decimal("9.00")

    done(
        CANCEL,
        token_for(a.user),
        id=gid("ProviderSubOrder", sub_a.pk),
        lines=[{"lineId": gid("ProviderSubOrderLine", line.pk), "quantity": 1}],
        reason="One unit missing",
    )
    item = FlashSaleItem.objects.get(pk=item.pk)
    assert item.sold == 1
    (held,) = Reservation.objects.filter(item=item, state="committed")
    assert held.quantity == 1  # the customer's allowance has one unit back
    payment = Payment.objects.get(order=order)
    assert payment.total - payment.captured_amount == Decimal("9.00")
