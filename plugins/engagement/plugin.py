from plugins.core.plugin_base import FlashPlugin


class EngagementPlugin(FlashPlugin):
    PLUGIN_ID = "flash.engagement"
    PLUGIN_NAME = "Engagement"
    PLUGIN_DESCRIPTION = (
        "Newsletter sign-up with double opt-in, buyers' order feedback and "
        "support requests with a staff inbox and an optional help-desk "
        "hand-off (docs/engagement.md). Storefront statistics: issue #13, "
        "built separately."
    )
