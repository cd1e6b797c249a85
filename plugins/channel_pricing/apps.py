from django.apps import AppConfig


class ChannelPricingConfig(AppConfig):
    name = "plugins.channel_pricing"
    label = "channel_pricing"
    verbose_name = "Channels and channel pricing"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from plugins.core.errors import register_error_codes

        from .error_codes import ChannelErrorCode
        from .member_accounts import guard_member_domain

        register_error_codes(ChannelErrorCode)
        # Only our member accounts may live in the members.local domain.
        pre_save.connect(
            guard_member_domain,
            sender=get_user_model(),
            dispatch_uid="flash.channel_pricing.member_domain",
        )
