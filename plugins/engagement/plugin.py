from plugins.core.plugin_base import FlashPlugin


class EngagementPlugin(FlashPlugin):
    PLUGIN_ID = "flash.engagement"
    PLUGIN_NAME = "Engagement"
    PLUGIN_DESCRIPTION = (
        "Not built yet (issue #13): storefront statistics, newsletter sign-up "
        "and customer feedback. Today it collects nothing."
    )
