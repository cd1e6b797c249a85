"""A test-only Saleor plugin that makes order creation fail after payment.

Listed in PLUGINS by saleor_flash.test_settings. It fails only for buyers whose
email ends with FAIL_DOMAIN, so it stays out of every other test's way. It uses
Saleor's own extension point: ``order_created`` runs inside the order's
transaction, after the payment was taken.
"""

from saleor.plugins.base_plugin import BasePlugin

FAIL_DOMAIN = "@fail-after-payment.test"


class OrderCreationFailed(RuntimeError):
    pass


class FailAfterPaymentPlugin(BasePlugin):
    PLUGIN_ID = "tests.fail_after_payment"
    PLUGIN_NAME = "Test: fail order creation after payment"
    DEFAULT_ACTIVE = True

    def order_created(self, order, previous_value=None):
        if self.active and order.user_email.endswith(FAIL_DOMAIN):
            raise OrderCreationFailed("injected failure after payment")
        return previous_value


REFUND_FAILS_DOMAIN = "@refund-fails.test"
REFUND_HANGS_DOMAIN = "@refund-hangs.test"


class FlakyRefundsGatewayPlugin(BasePlugin):
    """A test-only payment gateway (Saleor's dummy gateway underneath) whose
    refunds and voids fail (the gateway answers an error) for payments billed
    to REFUND_FAILS_DOMAIN, and hang for REFUND_HANGS_DOMAIN (a process
    killed mid-refund). Tests point a payment's ``gateway`` at it."""

    PLUGIN_ID = "tests.flaky_refunds"
    PLUGIN_NAME = "Test: flaky refunds"
    DEFAULT_ACTIVE = True

    def _reverse(self, payment_information, reverse):
        from saleor.payment.gateways.dummy import GatewayConfig

        email = payment_information.customer_email or ""
        if email.endswith(REFUND_HANGS_DOMAIN):
            import time

            time.sleep(600)
        response = reverse(
            payment_information,
            GatewayConfig(
                gateway_name="flaky", auto_capture=True, connection_params={}
            ),
        )
        if email.endswith(REFUND_FAILS_DOMAIN):
            response.is_success = False
            response.error = "injected gateway failure"
        return response

    def refund_payment(self, payment_information, previous_value):
        from saleor.payment.gateways.dummy import refund

        if not self.active:
            return previous_value
        return self._reverse(payment_information, refund)

    def void_payment(self, payment_information, previous_value):
        from saleor.payment.gateways.dummy import void

        if not self.active:
            return previous_value
        return self._reverse(payment_information, void)
