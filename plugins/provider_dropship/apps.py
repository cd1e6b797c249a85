from django.apps import AppConfig


class ProviderDropshipConfig(AppConfig):
    name = "plugins.provider_dropship"
    label = "provider_dropship"
    verbose_name = "Providers and drop-ship"

    def ready(self):
        from plugins.core.errors import register_error_codes

        from .error_codes import (
            ProviderErrorCode,
            SettlementErrorCode,
            SubOrderErrorCode,
        )

        register_error_codes(ProviderErrorCode, SubOrderErrorCode, SettlementErrorCode)
