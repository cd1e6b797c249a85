from saleor_flash.plugin_base import FlashPlugin


class SaleWindowsPlugin(FlashPlugin):
    PLUGIN_ID = "flash.sale_windows"
    PLUGIN_NAME = "Flash sale windows"
    PLUGIN_DESCRIPTION = (
        "Time-boxed flash sales with hard unit caps, per-customer limits and "
        "short reservation holds."
    )
