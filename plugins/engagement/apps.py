from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "plugins.engagement"
    label = "engagement"
    verbose_name = "Engagement, newsletter and feedback"
