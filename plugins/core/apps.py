from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "plugins.core"
    label = "flash_core"
    verbose_name = "Saleor Flash core"
