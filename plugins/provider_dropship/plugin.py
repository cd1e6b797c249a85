from plugins.core.plugin_base import FlashPlugin


class ProviderDropshipPlugin(FlashPlugin):
    PLUGIN_ID = "flash.provider_dropship"
    PLUGIN_NAME = "Provider drop-ship"
    PLUGIN_DESCRIPTION = (
        "Providers sign up (reviewed, decisions e-mailed) or are invited, "
        "manage stock in their own warehouses (audited, never below what "
        "flash sales set aside) and submit listings that staff review into "
        "the platform pool; suspension takes a provider's goods off sale. "
        "Orders are not split into sub-orders in this part."
    )
