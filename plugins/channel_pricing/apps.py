from django.apps import AppConfig


class ChannelPricingConfig(AppConfig):
    name = "plugins.channel_pricing"
    label = "channel_pricing"
    verbose_name = "Channels and channel pricing"
