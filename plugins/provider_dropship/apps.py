from django.apps import AppConfig


class ProviderDropshipConfig(AppConfig):
    name = "plugins.provider_dropship"
    label = "provider_dropship"
    verbose_name = "Providers and drop-ship"
