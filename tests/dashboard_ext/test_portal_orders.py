"""Portal sub-orders and statements, in-process: provider A's user works A's
sub-orders through the pages; every page and POST with B's ids is a 404 and
changes nothing; the pages show the buyer only what the provider needs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from saleor.order.models import Order

from plugins.provider_dropship import settlement
from plugins.provider_dropship.models import SettlementStatement, SubOrder, SubOrderLine
from tests.provider_dropship.world import make_supplier, place_order, store

pytestmark = pytest.mark.django_db

ACTIONS = ("accept", "tracking", "ship", "deliver", "cancel")


@pytest.fixture
def world():
    """Providers A and B with one order spanning both (one sub-order each)."""
    store()
    a, b = make_supplier(variants=2), make_supplier()
    placed = place_order(
        [(a.variants[0], 2), (a.variants[1], 1), (b.variants[0], 1)],
        email="buyer-secret@example.com",
    )
    order = Order.objects.get(token=placed["token"])
    return {
        "a": a,
        "b": b,
        "order": order,
        "sub_a": SubOrder.objects.get(order=order, provider=a.provider),
        "sub_b": SubOrder.objects.get(order=order, provider=b.provider),
    }


def portal(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def snapshot():
    return [
        list(SubOrder.objects.order_by("pk").values()),
        list(SubOrderLine.objects.order_by("pk").values()),
        list(SettlementStatement.objects.order_by("pk").values()),
    ]


def test_provider_works_its_sub_order_through_the_pages(world):
    client, sub = portal(world["a"].user), world["sub_a"]

    listing = client.get("/provider/orders/").content.decode()
    assert f"SO-{sub.pk}" in listing
    assert f"SO-{world['sub_b'].pk}" not in listing

    page = client.get(f"/provider/orders/{sub.pk}/").content.decode()
    # What the provider needs to ship: name, phone, address; not the e-mail.
    assert "+8613800138000" in page
    assert "buyer-secret@example.com" not in page
    assert world["b"].variants[0].sku not in page

    assert client.post(f"/provider/orders/{sub.pk}/accept/").status_code == 302
    refused = client.post(
        f"/provider/orders/{sub.pk}/ship/", {"carrier": "DHL", "tracking_number": ""}
    )
    assert refused.status_code == 400
    assert "tracking number" in refused.content.decode()
    response = client.post(
        f"/provider/orders/{sub.pk}/ship/",
        {"carrier": "DHL", "tracking_number": "JD0001"},
    )
    assert response.url == f"/provider/orders/{sub.pk}/?notice=shipped"
    sub.refresh_from_db()
    assert (sub.status, sub.carrier, sub.tracking_number) == (
        "shipped",
        "DHL",
        "JD0001",
    )

    client.post(f"/provider/orders/{sub.pk}/deliver/")
    sub.refresh_from_db()
    assert sub.status == "delivered"


def test_cancel_lines_with_a_reason(world):
    client, sub = portal(world["a"].user), world["sub_a"]
    line = sub.lines.order_by("pk").first()

    refused = client.post(
        f"/provider/orders/{sub.pk}/cancel/", {f"cancel-{line.pk}": "1"}
    )
    assert refused.status_code == 400
    assert SubOrderLine.objects.get(pk=line.pk).cancelled_quantity == 0

    client.post(
        f"/provider/orders/{sub.pk}/cancel/",
        {f"cancel-{line.pk}": "1", "reason": "Damaged in the warehouse"},
    )
    line.refresh_from_db()
    assert (line.cancelled_quantity, line.cancel_reason) == (
        1,
        "Damaged in the warehouse",
    )


def test_other_providers_sub_orders_are_404_and_unchanged(world):
    client, other = portal(world["a"].user), world["sub_b"]
    own_line = world["sub_a"].lines.first()
    other_line = other.lines.first()
    before = snapshot()

    assert client.get(f"/provider/orders/{other.pk}/").status_code == 404
    for action in ACTIONS:
        response = client.post(
            f"/provider/orders/{other.pk}/{action}/",
            {
                "carrier": "DHL",
                "tracking_number": "X1",
                "reason": "intrusion",
                f"cancel-{other_line.pk}": "1",
            },
        )
        assert response.status_code == 404, action
    # B's line id on A's own sub-order: refused as a line not in it.
    response = client.post(
        f"/provider/orders/{world['sub_a'].pk}/cancel/",
        {f"cancel-{other_line.pk}": "1", "reason": "intrusion"},
    )
    assert response.status_code == 400
    assert own_line.sub_order_id != other_line.sub_order_id
    assert snapshot() == before


def test_statements_only_the_providers_own(world):
    past = timezone.now() - timedelta(days=2)
    ends = timezone.now() - timedelta(days=1)
    own = settlement.produce_statement(world["a"].provider.pk, past, ends)
    other = settlement.produce_statement(world["b"].provider.pk, past, ends)
    client = portal(world["a"].user)

    page = client.get("/provider/statements/").content.decode()
    assert f"/provider/statements/{own.pk}.csv" in page
    assert f"/provider/statements/{other.pk}.csv" not in page
    csv = client.get(f"/provider/statements/{own.pk}.csv")
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    assert client.get(f"/provider/statements/{other.pk}.csv").status_code == 404
