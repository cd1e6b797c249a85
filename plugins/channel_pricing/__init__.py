"""Channels: entry links with single sign-on, channel product pools and price rules."""

default_app_config = "plugins.channel_pricing.apps.ChannelPricingConfig"
