"""Flash-sale windows, unit caps, per-customer limits and reservation holds."""

default_app_config = "plugins.sale_windows.apps.SaleWindowsConfig"
