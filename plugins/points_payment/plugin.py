from plugins.core.plugin_base import FlashPlugin


class PointsPaymentPlugin(FlashPlugin):
    """Registers the points ledger.

    The payment methods of gateway ``flash.payments.points`` (process, capture,
    void, refund) arrive with the points issue; until then the plugin takes no
    payments, so it is not offered in ``availablePaymentGateways``.
    """

    PLUGIN_ID = "flash.payments.points"
    PLUGIN_NAME = "Points"
    PLUGIN_DESCRIPTION = (
        "Not built yet (issue #11): members will pay with channel-issued points. "
        "Today it keeps the points accounts behind the myPoints query and takes "
        "no payments."
    )
