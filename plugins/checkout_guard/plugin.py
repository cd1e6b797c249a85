from plugins.core.plugin_base import FlashPlugin, when_active

from . import services


class CheckoutGuardPlugin(FlashPlugin):
    """Holds stock before payment; the order's allocation consumes the hold."""

    PLUGIN_ID = services.PLUGIN_ID
    PLUGIN_NAME = "Checkout guard"
    PLUGIN_DESCRIPTION = (
        "No oversell and no payment without an order: units are held under a "
        "correct lock before payment; failed orders get their payment reversed."
    )

    @when_active
    def preprocess_order_creation(self, checkout, discounts, previous_value=None):
        # Runs inside checkoutComplete's transaction, before payment. Saleor
        # turns InsufficientStock into an INSUFFICIENT_STOCK checkout error.
        # Hold for the lines Saleor loaded (prefetched) and makes the order of,
        # not a fresh read: the order allocates exactly what is held.
        services.hold_checkout(checkout, for_payment=True, lines=list(checkout))
        return previous_value

    @when_active
    def order_created(self, order, previous_value=None):
        # Inside the order's transaction, after Saleor allocated the stock.
        if order.checkout_token:
            services.order_took_units(order.checkout_token)
        return previous_value
