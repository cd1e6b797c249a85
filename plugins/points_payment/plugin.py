"""The points plugin: Saleor's payment gateway ``flash.payments.points``.

Thin, as Saleor's own gateway plugins: it builds the ``GatewayConfig`` and
delegates to ``gateway/`` (methods defined on this class: Saleor's manager
looks for payment methods in the class ``__dict__``). Hooks of an inactive
plugin return the previous value (``when_active``).
"""

from __future__ import annotations

from saleor.payment.interface import GatewayConfig
from saleor.plugins.base_plugin import ConfigurationTypeField

from plugins.core.plugin_base import FlashPlugin, when_active

from . import gateway

AUTO_CAPTURE = "Automatic payment capture"


class PointsPaymentPlugin(FlashPlugin):
    PLUGIN_ID = gateway.GATEWAY_ID
    PLUGIN_NAME = gateway.GATEWAY_NAME
    PLUGIN_DESCRIPTION = (
        "Members pay with their channel's points: the payment is confirmed with "
        "a one-time code or a payment password (pointsPaymentConfirm), then "
        "held, posted, voided or refunded in the points ledger (refunds the "
        "buyer asks for follow the channel's policy). Offered in "
        "availablePaymentGateways only to members of channels with points."
    )
    DEFAULT_CONFIGURATION = [{"name": AUTO_CAPTURE, "value": True}]
    CONFIG_STRUCTURE = {
        AUTO_CAPTURE: {
            "type": ConfigurationTypeField.BOOLEAN,
            "help_text": (
                "Post the points when checkoutComplete pays. Off: the points "
                "stay held until staff capture the payment, at most the "
                "channel's hold timeout (then they go back to the member)."
            ),
            "label": AUTO_CAPTURE,
        }
    }

    def _config(self) -> GatewayConfig:
        configuration = {item["name"]: item["value"] for item in self.configuration}
        return GatewayConfig(
            gateway_name=gateway.GATEWAY_NAME,
            auto_capture=bool(configuration.get(AUTO_CAPTURE, True)),
            connection_params={},
        )

    @when_active
    def authorize_payment(self, payment_information, previous_value):
        return gateway.authorize(payment_information, self._config())

    @when_active
    def capture_payment(self, payment_information, previous_value):
        return gateway.capture(payment_information, self._config())

    @when_active
    def void_payment(self, payment_information, previous_value):
        return gateway.void(payment_information, self._config())

    @when_active
    def refund_payment(self, payment_information, previous_value):
        return gateway.refund(payment_information, self._config())

    @when_active
    def process_payment(self, payment_information, previous_value):
        return gateway.process_payment(payment_information, self._config())

    @when_active
    def get_payment_config(self, previous_value):
        return [{"field": "confirmation", "value": "pointsPaymentConfirm"}]
