"""No payment without an order: a payment taken before order creation failed is
reversed, recorded, and the buyer gets a typed checkout error."""

import pytest
from saleor.order.models import Order
from saleor.payment import ChargeStatus
from saleor.payment.models import Payment
from saleor.plugins.models import PluginConfiguration

from plugins.checkout_guard import rescue
from plugins.checkout_guard.models import PaymentRescue, StockHold
from tests.checkout_guard.conftest import variant_gid
from tests.fault_plugin import FAIL_DOMAIN
from tests.storefront import buy

pytestmark = [pytest.mark.server]


def test_failed_order_after_payment_is_refunded_with_a_typed_error(
    api_server, demo_stocks
):
    stock = demo_stocks[0]
    purchase = buy(api_server.graphql_url, variant_gid(stock), f"ada{FAIL_DOMAIN}")

    assert not purchase.won
    assert purchase.failed_step == "checkoutComplete", purchase.error_message
    assert not purchase.top_level_error, purchase.error_message
    assert purchase.error_code == "PAYMENT_ERROR"
    assert "Your payment was refunded" in purchase.error_message
    assert not Order.objects.filter(checkout_token=purchase.checkout_token).exists()
    payment = Payment.objects.get(checkout_id=purchase.checkout_token)
    assert payment.charge_status == ChargeStatus.FULLY_REFUNDED
    recorded = PaymentRescue.objects.get(payment=payment)
    assert recorded.action == PaymentRescue.REFUND
    assert "injected failure after payment" in recorded.reason
    assert not StockHold.objects.filter(checkout_token=purchase.checkout_token).exists()


def test_without_the_guard_saleor_keeps_the_money_and_the_sweep_returns_it(
    api_server, demo_stocks
):
    """The baseline really is plain Saleor: with the plugin switched off in
    Saleor's plugin configuration, the buyer gets a top-level error and stays
    charged. The periodic sweep (for API processes killed mid-request) then
    refunds the orphaned payment."""
    PluginConfiguration.objects.create(
        identifier="flash.checkout_guard", name="Checkout guard", active=False
    )
    stock = demo_stocks[1]
    purchase = buy(api_server.graphql_url, variant_gid(stock), f"bob{FAIL_DOMAIN}")

    assert purchase.top_level_error
    payment = Payment.objects.get(checkout_id=purchase.checkout_token)
    assert payment.charge_status == ChargeStatus.FULLY_CHARGED
    assert payment.order is None

    from datetime import timedelta

    assert rescue.rescue_stale_payments(older_than=timedelta(0)) == 1
    payment.refresh_from_db()
    assert payment.charge_status == ChargeStatus.FULLY_REFUNDED
    assert PaymentRescue.objects.get(payment=payment).action == PaymentRescue.REFUND
    assert rescue.rescue_stale_payments(older_than=timedelta(0)) == 0
