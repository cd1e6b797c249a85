from django.apps import AppConfig


class SaleWindowsConfig(AppConfig):
    name = "plugins.sale_windows"
    label = "sale_windows"
    verbose_name = "Flash sales"

    def ready(self):
        from plugins.core.errors import register_error_codes

        from .error_codes import FlashSaleErrorCode

        register_error_codes(FlashSaleErrorCode)
