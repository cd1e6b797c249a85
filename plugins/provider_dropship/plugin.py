"""Saleor hooks of the provider plugin: thin, checking ``self.active``."""

from plugins.core.plugin_base import FlashPlugin, when_active


class ProviderDropshipPlugin(FlashPlugin):
    PLUGIN_ID = "flash.provider_dropship"
    PLUGIN_NAME = "Provider drop-ship"
    PLUGIN_DESCRIPTION = (
        "Providers sign up (reviewed, decisions e-mailed) or are invited, "
        "manage stock in their own warehouses (audited, never below what "
        "flash sales set aside) and submit listings that staff review into "
        "the platform pool; suspension takes a provider's goods off sale. "
        "Splits each order into one drop-ship sub-order per provider (by the "
        "warehouse Saleor allocated), tells each provider through a signed "
        "webhook and an e-mail from the outbox, lets providers accept, ship "
        "with tracking, deliver or cancel lines (stock back, refund), keeps the "
        "order's Saleor fulfilments in step, and produces settlement "
        "statements."
    )

    @when_active
    def order_created(self, order, previous_value):
        # Inside the order's transaction (Saleor's create_order).
        from .order_split import split_order

        split_order(order)
        return previous_value
