"""The whole points purchase over HTTP against the multi-process gunicorn
server: the gateway listed, a one-time code requested and confirmed, the
payment created and checkoutComplete paid with points."""

from __future__ import annotations

import pytest
from saleor.order.models import Order
from saleor.payment import ChargeStatus
from saleor.payment.models import Payment

from plugins.points_payment import services
from tests.sale_windows import factories
from tests.support import post_graphql

from . import gateway_support as shop_steps

pytestmark = [pytest.mark.server, pytest.mark.usefixtures("committed_db")]


@pytest.fixture
def over_http(api_server, monkeypatch):
    monkeypatch.setattr(
        shop_steps,
        "gql",
        lambda query, variables=None, token=None: post_graphql(
            api_server.graphql_url, query, variables, token, timeout=60
        ),
    )
    yield
    factories.delete_created()


def test_on_the_test_database(db):
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")


def test_points_purchase_over_http(over_http):
    shop = shop_steps.make_shop(confirmation="one_time_code", code_sender="webhook")
    token = shop_steps.member_token(shop, "http-1", 50_000)
    checkout = shop_steps.new_checkout(shop, token)
    assert "flash.payments.points" in shop_steps.gateway_ids(checkout["token"], token)
    sent = shop_steps.ok(
        shop_steps.gql(shop_steps.CODE_REQUEST, {"checkoutId": checkout["id"]}, token),
        "pointsPaymentCodeRequest",
        "pointsPaymentErrors",
    )
    confirmed = shop_steps.ok(
        shop_steps.confirm(checkout, token, code=shop_steps.last_code(shop)),
        "pointsPaymentConfirm",
        "pointsPaymentErrors",
    )
    completed = shop_steps.pay_and_complete(checkout, token, confirmed["token"])
    assert not completed["checkoutErrors"], completed
    order = Order.objects.get(token=completed["order"]["token"])
    assert Payment.objects.get(order=order).charge_status == ChargeStatus.FULLY_CHARGED
    assert shop_steps.available(shop, "http-1") == 50_000 - sent["points"]
    assert services.audit() == []
