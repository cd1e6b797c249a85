from django.apps import AppConfig


class DashboardExtConfig(AppConfig):
    name = "dashboard_ext"
    label = "dashboard_ext"
    verbose_name = "Merchandiser console"
