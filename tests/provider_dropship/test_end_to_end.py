"""End to end over HTTP against the multi-process server: a signed-in
buyer's order spans two providers; both are notified; one ships and the
order is partially shipped; the other ships and it is fulfilled; after
delivery each provider's settlement statement shows its units."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from saleor.account.models import User

from plugins.core.models import OutboxMessage

from .world import (
    ACCEPT,
    DELIVER,
    SHIP,
    SHIPMENTS,
    SUB_ORDERS,
    gid,
    make_supplier,
    place_order,
    store,
    token_for,
)

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

ORDER = "query($order: UUID!) { orderByToken(token: $order) { id status } }"
STATEMENT = """
mutation($provider: ID!, $start: DateTime!, $end: DateTime!) {
  settlementStatementCreate(
    providerId: $provider, periodStart: $start, periodEnd: $end
  ) {
    statement { total { amount } document csv }
    settlementErrors { code message }
  }
}"""


def test_two_providers_ship_one_order(api_server):
    def call(query, auth=None, **variables):
        response = api_server.gql(query, variables, auth)
        assert "errors" not in response, response
        return response["data"]

    store()
    a, b = make_supplier(variants=2), make_supplier()
    buyer = User.objects.create_user("e2e@buyer.test", "buyer-password")
    buyer_token = token_for(buyer)
    placed = place_order(
        [(a.variants[0], 2), (a.variants[1], 1), (b.variants[0], 3)],
        email=buyer.email,
        token=buyer_token,
        gql=lambda q, v=None, t=None: api_server.gql(q, v, t),
    )
    order_gid = placed["id"]
    created = OutboxMessage.objects.filter(event_type="sub_order.created")
    assert sorted(m.recipients[0] for m in created) == sorted(
        [a.provider.contact_email, b.provider.contact_email]
    )

    def sub_order_id(supplier):
        token = token_for(supplier.user)
        (edge,) = call(SUB_ORDERS, token)["providerSubOrders"]["edges"]
        return token, edge["node"]["id"]

    token_a, id_a = sub_order_id(a)
    token_b, id_b = sub_order_id(b)
    assert call(ACCEPT, token_a, id=id_a)["subOrderAccept"]["subOrderErrors"] == []
    shipped = call(SHIP, token_a, id=id_a, carrier="SF", tracking="SF1")
    assert shipped["subOrderShip"]["subOrder"]["status"] == "SHIPPED"

    seen = call(SHIPMENTS, buyer_token, orderId=order_gid)
    assert seen["orderShipmentState"] == "PARTIALLY_SHIPPED"
    assert sorted(s["trackingNumber"] for s in seen["orderShipments"]) == ["", "SF1"]
    token = placed["token"]
    assert call(ORDER, buyer_token, order=token)["orderByToken"]["status"] == (
        "PARTIALLY_FULFILLED"
    )

    call(ACCEPT, token_b, id=id_b)
    call(SHIP, token_b, id=id_b, carrier="UPS", tracking="1Z2")
    assert call(ORDER, buyer_token, order=token)["orderByToken"]["status"] == (
        "FULFILLED"
    )
    call(DELIVER, token_a, id=id_a)
    call(DELIVER, token_b, id=id_b)
    assert call(SHIPMENTS, buyer_token, orderId=order_gid)["orderShipmentState"] == (
        "DELIVERED"
    )
    mails = OutboxMessage.objects.filter(recipients=[buyer.email])
    assert sorted(m.event_type for m in mails) == [
        "shipment.delivered",
        "shipment.delivered",
        "shipment.shipped",
        "shipment.shipped",
    ]

    staff = User.objects.create_user("finance@example.com", "staff-password")
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(Permission.objects.get(codename="manage_providers"))
    staff_token = token_for(staff)
    start = (timezone.now() - timedelta(days=1)).isoformat()
    end = timezone.now().isoformat()
    for supplier, units in ((a, 3), (b, 3)):
        made = call(
            STATEMENT,
            staff_token,
            provider=gid("Provider", supplier.provider.pk),
            start=start,
            end=end,
        )["settlementStatementCreate"]
        assert made["settlementErrors"] == []
        document = made["statement"]["document"]
        document = json.loads(document) if isinstance(document, str) else document
        assert document["delivered_units"] == units
        assert made["statement"]["total"]["amount"] == 12.0 * units
