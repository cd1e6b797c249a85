from django.apps import AppConfig


class PointsPaymentConfig(AppConfig):
    name = "plugins.points_payment"
    label = "points_payment"
    verbose_name = "Points payments"

    def ready(self):
        from plugins.channel_pricing.sign_in_listeners import (
            register_sign_in_claim_listener,
        )
        from plugins.core.errors import register_error_codes

        from .confirmation.rules import PointsPaymentErrorCode
        from .errors import PointsErrorCode
        from .program_rules import ProgramErrorCode
        from .sign_in import record_points_claim

        register_error_codes(PointsErrorCode, PointsPaymentErrorCode, ProgramErrorCode)
        register_sign_in_claim_listener(record_points_claim)
