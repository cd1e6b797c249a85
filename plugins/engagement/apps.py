from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "plugins.engagement"
    label = "engagement"
    verbose_name = "Engagement, newsletter and feedback"

    def ready(self):
        from plugins.core.errors import register_error_codes

        from .newsletter.error_codes import NewsletterErrorCode
        from .support.error_codes import SupportErrorCode

        register_error_codes(NewsletterErrorCode, SupportErrorCode)
