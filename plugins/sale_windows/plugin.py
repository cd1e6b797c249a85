"""Saleor hooks of the flash-sale plugin: thin, checking ``self.active``
(through ``when_active``) and calling the checkout services."""

from django.core.exceptions import ValidationError
from saleor.checkout.error_codes import CheckoutErrorCode

from plugins.core.plugin_base import FlashPlugin, when_active


class SaleWindowsPlugin(FlashPlugin):
    PLUGIN_ID = "flash.sale_windows"
    PLUGIN_NAME = "Flash sale windows"
    PLUGIN_DESCRIPTION = (
        "Time-boxed flash sales with hard unit caps, per-customer limits and "
        "short reservation holds."
    )

    @when_active
    def calculate_checkout_line_total(self, checkout_line, discounts, previous_value):
        from .checkout_pricing import checkout_line_total

        return checkout_line_total(checkout_line, previous_value)

    @when_active
    def calculate_order_line_unit(self, order_line, previous_value):
        from .checkout_pricing import order_line_unit

        if not order_line.order_id or not order_line.variant_id:
            return previous_value
        return order_line_unit(
            order_line.order_id,
            order_line.variant_id,
            order_line.quantity,
            previous_value,
        )

    @when_active
    def preprocess_order_creation(self, checkout, discounts, previous_value):
        # In checkoutComplete's first transaction, before payment. The lines
        # checked are the checkout's own (prefetched) list, the very lines
        # Saleor makes the order of.
        from .checkout_flow import (
            HoldsLapsed,
            PackageIncomplete,
            accept_priced_units,
            check_holds_before_payment,
            checkout_units_by_variant,
        )

        try:
            check_holds_before_payment(
                checkout.token, checkout_units_by_variant(checkout)
            )
            accept_priced_units(checkout)
        except HoldsLapsed as error:
            raise ValidationError(
                {
                    "lines": ValidationError(
                        str(error), code=CheckoutErrorCode.INSUFFICIENT_STOCK
                    )
                }
            ) from error
        except PackageIncomplete as error:
            raise ValidationError(
                {"lines": ValidationError(str(error), code=CheckoutErrorCode.INVALID)}
            ) from error
        return previous_value

    @when_active
    def order_created(self, order, previous_value):
        from .checkout_flow import FlashUnitsChanged, HoldLost, SaleClosed, sell_holds

        try:
            sell_holds(order)
        except SaleClosed as error:
            raise ValidationError(
                {
                    "lines": ValidationError(
                        f"The flash sale of {error} ended (or was cancelled) "
                        "before the order was placed; its units no longer sell.",
                        code=CheckoutErrorCode.INSUFFICIENT_STOCK,
                    )
                }
            ) from error
        except FlashUnitsChanged as error:
            # Saleor's code: this runs inside Saleor's checkoutComplete. The
            # order rolls back and the checkout guard reverses the payment.
            raise ValidationError(
                {
                    "lines": ValidationError(
                        f"Your flash-sale holds on {error} changed after the "
                        "checkout was priced and paid; the order was not placed.",
                        code=CheckoutErrorCode.INVALID,
                    )
                }
            ) from error
        except HoldLost as error:
            raise ValidationError(
                {
                    "lines": ValidationError(
                        f"Your flash-sale hold on {error} expired during payment "
                        "and its units are gone (or the per-customer limit "
                        "is reached).",
                        code=CheckoutErrorCode.INSUFFICIENT_STOCK,
                    )
                }
            ) from error
        return previous_value

    @when_active
    def order_cancelled(self, order, previous_value):
        from .checkout_flow import give_back

        give_back(order)
        return previous_value
