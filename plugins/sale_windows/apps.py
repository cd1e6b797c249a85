from django.apps import AppConfig


class SaleWindowsConfig(AppConfig):
    name = "plugins.sale_windows"
    label = "sale_windows"
    verbose_name = "Flash sales"

    def ready(self):
        from plugins.channel_pricing.flash_offers import register_flash_offer_provider
        from plugins.checkout_guard.sale_set_aside import (
            SetAsideSource,
            register_set_aside_source,
        )
        from plugins.core.errors import register_error_codes
        from plugins.provider_dropship.line_cancellation import (
            register_line_cancellation_listener,
        )
        from plugins.provider_dropship.stock_floor import register_stock_floor_source

        from . import reservations, sale_admin, services
        from .error_codes import FlashSaleErrorCode

        register_error_codes(FlashSaleErrorCode)
        # The lower plugins show what flash sales do through these providers
        # (they may not import sale_windows): offers in the channel catalog,
        # stock kept aside from regular checkouts.
        register_flash_offer_provider(services.offers_for_variants)
        register_set_aside_source(
            SetAsideSource(
                set_aside_units=sale_admin.set_aside_units,
                held_units=services.flash_held_units,
            )
        )
        # A provider cancelling some lines of an order gives their flash
        # units and the customer's allowance back, as a cancelled order does.
        register_line_cancellation_listener(reservations.give_back_units_of_order)
        # Providers may not lower stock below what flash sales set aside.
        register_stock_floor_source(sale_admin.set_aside_units)
