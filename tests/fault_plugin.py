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


# --- a payment gateway that can stall or break (in-process tests only) -------

import threading  # noqa: E402

from saleor.payment.gateways.dummy.plugin import DummyGatewayPlugin  # noqa: E402

SLOW_GATEWAY = "tests.slow_gateway"
STALL = "stall"  # payment token: wait in the gateway call until released
RAISE_AFTER_CAPTURE = "raise-after-capture"  # token: "capture", then raise


class GatewayWindow:
    """Opens a window inside the gateway call: ``entered`` is set when a
    payment with the STALL token reaches the gateway; it proceeds (as the
    dummy gateway) once ``proceed`` is set."""

    entered = threading.Event()
    proceed = threading.Event()

    @classmethod
    def reset(cls) -> None:
        cls.entered.clear()
        cls.proceed.clear()


class GatewayFailedAfterCapture(RuntimeError):
    pass


class SlowGatewayPlugin(DummyGatewayPlugin):
    """Saleor's dummy gateway under its own id, with two faults chosen by the
    payment token: STALL holds the call open (GatewayWindow), and
    RAISE_AFTER_CAPTURE raises as a real gateway does when it fails after the
    provider took the money (Saleor then records a failed transaction with
    no gateway response)."""

    PLUGIN_ID = SLOW_GATEWAY
    PLUGIN_NAME = "Test: slow gateway"

    def process_payment(self, payment_information, previous_value):
        token = payment_information.token
        if token == STALL:
            GatewayWindow.entered.set()
            if not GatewayWindow.proceed.wait(30):
                raise GatewayFailedAfterCapture("the test never released the gateway")
        if token == RAISE_AFTER_CAPTURE:
            raise GatewayFailedAfterCapture("provider captured, then the call broke")
        return super().process_payment(payment_information, previous_value)
