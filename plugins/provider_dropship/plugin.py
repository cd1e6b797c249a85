"""Saleor hooks of the provider plugin: thin, checking ``self.active``."""

from django.core.exceptions import ValidationError
from saleor.checkout.error_codes import CheckoutErrorCode

from plugins.core.plugin_base import FlashPlugin, when_active


class ProviderDropshipPlugin(FlashPlugin):
    PLUGIN_ID = "flash.provider_dropship"
    PLUGIN_NAME = "Provider drop-ship"
    PLUGIN_DESCRIPTION = (
        "Providers sign up (reviewed, decisions e-mailed) or are invited, "
        "manage stock in their own warehouses (audited, never below what "
        "flash sales set aside) and submit listings that staff review into "
        "the platform pool; suspension takes a provider's goods off sale, "
        "and a checkout holding them is refused before payment. "
        "Splits each order into one drop-ship sub-order per provider (by the "
        "warehouse Saleor allocated), tells each provider through a signed "
        "webhook and an e-mail from the outbox, lets providers accept, ship "
        "with tracking, deliver or cancel lines (stock back, refund), keeps the "
        "order's Saleor fulfilments in step, and produces settlement "
        "statements."
    )

    @when_active
    def preprocess_order_creation(self, checkout, discounts, previous_value):
        """Before payment: refuse goods whose provider is suspended (or whose
        listing is off sale), whatever the way they reached the checkout."""
        from .pool import withdrawn_variant_names

        # The lines Saleor loaded and makes the order of.
        names = withdrawn_variant_names(
            {line.variant_id: str(line.variant.product) for line in checkout}
        )
        if names:
            # Saleor's own code: this runs inside Saleor's checkoutComplete.
            raise ValidationError(
                {
                    "lines": ValidationError(
                        "No longer on sale (its provider is not selling): "
                        + ", ".join(sorted(names))
                        + ". Remove it from the checkout.",
                        code=CheckoutErrorCode.PRODUCT_NOT_PUBLISHED,
                    )
                }
            )
        return previous_value

    @when_active
    def order_created(self, order, previous_value):
        # Inside the order's transaction (Saleor's create_order).
        from .order_split import split_order

        split_order(order)
        return previous_value
