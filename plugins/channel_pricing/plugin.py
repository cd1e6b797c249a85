"""Saleor hooks of the channel plugin: thin, checking ``self.active`` (through
``when_active``) and calling ``member_checkout``, which prices every line of
a checkout from one strategy per buyer (``strategy.py``)."""

from django.core.exceptions import ValidationError
from saleor.checkout.error_codes import CheckoutErrorCode

from plugins.core.plugin_base import FlashPlugin, when_active


class ChannelPricingPlugin(FlashPlugin):
    PLUGIN_ID = "flash.channel_pricing"
    PLUGIN_NAME = "Channel pricing"
    PLUGIN_DESCRIPTION = (
        "Partner channels: entry links with single sign-on, channel product pools "
        "and prices built on settlement cost."
    )

    @when_active
    def calculate_checkout_line_total(self, checkout_line, discounts, previous_value):
        from .member_checkout import checkout_line_total

        return checkout_line_total(checkout_line, previous_value)

    @when_active
    def calculate_order_line_unit(self, order_line, previous_value):
        from .member_checkout import order_line_unit

        if order_line.variant_id is None or order_line.order_id is None:
            return previous_value
        return order_line_unit(order_line, previous_value)

    @when_active
    def preprocess_order_creation(self, checkout, discounts, previous_value):
        from .member_checkout import checkout_refusal

        # The lines Saleor loaded and makes the order of (the checkout's
        # prefetched list), not a fresh read: a line changed since then would
        # be checked but not ordered.
        lines = [
            (line.variant_id, line.variant.product_id, str(line.variant.product))
            for line in checkout
        ]
        refusal = checkout_refusal(checkout, lines)
        if refusal:
            # Saleor's own code: this runs inside Saleor's checkoutComplete.
            raise ValidationError(
                {
                    "lines": ValidationError(
                        refusal, code=CheckoutErrorCode.PRODUCT_NOT_PUBLISHED
                    )
                }
            )
        return previous_value
