"""Herd-proof checkout for every item.

Saleor 2.10.1 oversells under a crowd and can charge a payment it has no order
for. This plugin reserves the units a checkout needs under a correct lock
before any payment is taken, and refunds or voids a payment whose order could
not be created.
"""

default_app_config = "plugins.checkout_guard.apps.CheckoutGuardConfig"
