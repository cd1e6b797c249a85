from plugins.core.plugin_base import FlashPlugin


class ProviderDropshipPlugin(FlashPlugin):
    PLUGIN_ID = "flash.provider_dropship"
    PLUGIN_NAME = "Provider drop-ship"
    PLUGIN_DESCRIPTION = (
        "Suppliers with their own warehouses and settlement prices; orders split "
        "into one drop-ship sub-order per provider."
    )
