from django.apps import AppConfig


class ChannelPricingConfig(AppConfig):
    name = "plugins.channel_pricing"
    label = "channel_pricing"
    verbose_name = "Channels and channel pricing"

    def ready(self):
        from plugins.core.errors import register_error_codes

        from .error_codes import ChannelErrorCode

        register_error_codes(ChannelErrorCode)
