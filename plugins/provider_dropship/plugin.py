from plugins.core.plugin_base import FlashPlugin


class ProviderDropshipPlugin(FlashPlugin):
    PLUGIN_ID = "flash.provider_dropship"
    PLUGIN_NAME = "Provider drop-ship"
    PLUGIN_DESCRIPTION = (
        "Not built yet (issue #12): providers will sign up, list goods and "
        "fulfil drop-ship sub-orders. Today it keeps the demo's provider, "
        "warehouse and listing rows behind the staff providers query; orders "
        "are not split."
    )
