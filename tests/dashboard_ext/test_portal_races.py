"""The portal under real concurrency (gunicorn, several processes): a
double-clicked "Mark shipped" (many identical POSTs at once, one session)
ships the sub-order once: one Saleor fulfilment, one buyer e-mail, every
other request refused with nothing changed."""

from __future__ import annotations

import re
import threading

import pytest
import requests
from saleor.order.models import Fulfillment, Order

from plugins.core.models import OutboxMessage
from plugins.provider_dropship import sub_order_workflow
from plugins.provider_dropship.models import SubOrder
from tests.provider_dropship.world import make_supplier, place_order, store

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

CLICKS = 6


def portal_session(base_url: str, email: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base_url}/provider/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    response = session.post(
        f"{base_url}/provider/login/",
        data={
            "email": email,
            "password": password,
            "csrfmiddlewaretoken": token.group(1),
        },
        headers={"Referer": f"{base_url}/provider/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def test_double_clicked_ship_ships_once(api_server):
    store()
    a, b = make_supplier(), make_supplier()
    placed = place_order([(a.variants[0], 2), (b.variants[0], 1)])
    order = Order.objects.get(token=placed["token"])
    sub = SubOrder.objects.get(order=order, provider=a.provider)
    sub_order_workflow.accept(a.user, sub.pk)
    base = api_server.base_url
    session = portal_session(base, a.user.email, "provider-password")
    detail = session.get(f"{base}/provider/orders/{sub.pk}/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', detail).group(1)

    statuses = []
    start = threading.Barrier(CLICKS)

    def click():
        start.wait()
        response = session.post(
            f"{base}/provider/orders/{sub.pk}/ship/",
            data={
                "carrier": "SF Express",
                "tracking_number": "SF42",
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": f"{base}/provider/orders/{sub.pk}/"},
            allow_redirects=False,
            timeout=60,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=click) for _ in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [302] + [400] * (CLICKS - 1), statuses
    sub.refresh_from_db()
    assert sub.status == "shipped"
    assert Fulfillment.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    assert sum(line.quantity_fulfilled for line in order.lines.all()) == 2
    assert OutboxMessage.objects.filter(event_type="shipment.shipped").count() == 1
