"""A pass-through member starting a points payment: the balance is refreshed
from the channel's balance URL (a real local HTTP server) before the code or
token is issued, and the purchase spends the refreshed balance; with the
endpoint down the token's balance is used and the mutation says why."""

from __future__ import annotations

import pytest

from plugins.points_payment import services
from plugins.points_payment.models import PointsProgram
from tests.channel_pricing.tokens import channel_token
from tests.sale_windows import factories

from .gateway_support import gql, make_shop, new_checkout, pay_and_complete
from .test_balance_refresh import ChannelBalances, _down_url

pytestmark = pytest.mark.usefixtures("committed_db", "products")

CONFIRM = """
mutation($checkoutId: ID!) {
  pointsPaymentConfirm(checkoutId: $checkoutId) {
    token points balanceRefreshError
    pointsPaymentErrors { field code message }
  }
}"""


@pytest.fixture(scope="module")
def products(committed_db):
    yield
    factories.delete_created()


@pytest.fixture
def endpoint():
    served = ChannelBalances()
    yield served
    served.close()


def test_on_the_test_database(db):
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")


def _shop_and_member(balance_url: str, claim: int):
    from plugins.channel_pricing.sign_in import sign_in

    shop = make_shop(mode="pass_through")
    services.enable_program(shop.channel_id, balance_url=balance_url)
    token = sign_in(
        shop.slug, channel_token(shop.secret, shop.slug, "m1", points=claim)
    ).saleor_token
    return shop, token


def _confirm(checkout, token):
    response = gql(CONFIRM, {"checkoutId": checkout["id"]}, token)
    assert "errors" not in response, response
    return response["data"]["pointsPaymentConfirm"]


def test_payment_spends_the_refreshed_balance(endpoint):
    shop, token = _shop_and_member(endpoint.url, claim=40)
    endpoint.secret = PointsProgram.objects.get(channel_id=shop.channel_id).api_secret
    endpoint.balances["m1"] = 40
    checkout = new_checkout(shop, token)
    confirmed = _confirm(checkout, token)
    points = confirmed["points"]
    assert points > 40 and confirmed["balanceRefreshError"] is None
    # The channel's balance now covers the checkout: the next start sees it.
    endpoint.balances["m1"] = points + 10
    confirmed = _confirm(checkout, token)
    assert confirmed["pointsPaymentErrors"] == [] and confirmed["token"]
    assert [r["signed"] for r in endpoint.requests] == [True, True]
    completed = pay_and_complete(checkout, token, confirmed["token"])
    assert not completed["checkoutErrors"] and completed["order"], completed
    assert services.balance(shop.channel_id, "m1").available == 10
    assert services.audit() == []


def test_payment_with_the_endpoint_down_uses_the_tokens_balance():
    shop, token = _shop_and_member(_down_url(), claim=40)
    checkout = new_checkout(shop, token)
    confirmed = _confirm(checkout, token)
    assert "refused" in confirmed["balanceRefreshError"].lower()
    completed = pay_and_complete(checkout, token, confirmed["token"])
    assert completed["order"] is None and completed["checkoutErrors"], completed
    assert services.balance(shop.channel_id, "m1").available == 40
    assert services.audit() == []
