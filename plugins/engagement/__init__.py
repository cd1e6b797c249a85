"""Engagement: storefront event collection and statistics, newsletter
sign-up, customer feedback and support requests with a help-desk hand-off."""

default_app_config = "plugins.engagement.apps.EngagementConfig"
