"""Providers (suppliers): onboarding, warehouses, settlement prices and sub-orders."""

default_app_config = "plugins.provider_dropship.apps.ProviderDropshipConfig"
