"""The merchandiser's console: server-rendered pages behind Saleor staff sign-in."""

default_app_config = "dashboard_ext.apps.DashboardExtConfig"
