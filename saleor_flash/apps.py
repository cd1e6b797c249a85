from django.apps import AppConfig


class HostConfig(AppConfig):
    name = "saleor_flash"
    verbose_name = "Saleor Flash host"

    def ready(self):
        from . import site_cache

        site_cache.install()
