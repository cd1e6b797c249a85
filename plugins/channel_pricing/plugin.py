from saleor_flash.plugin_base import FlashPlugin


class ChannelPricingPlugin(FlashPlugin):
    PLUGIN_ID = "flash.channel_pricing"
    PLUGIN_NAME = "Channel pricing"
    PLUGIN_DESCRIPTION = (
        "Partner channels: entry links with single sign-on, channel product pools "
        "and prices built on settlement cost."
    )
