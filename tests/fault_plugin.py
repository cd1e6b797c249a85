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
