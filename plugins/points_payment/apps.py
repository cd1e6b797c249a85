from django.apps import AppConfig


class PointsPaymentConfig(AppConfig):
    name = "plugins.points_payment"
    label = "points_payment"
    verbose_name = "Points payments"

    def ready(self):
        from plugins.core.errors import register_error_codes

        from .confirmation.rules import PointsPaymentErrorCode

        register_error_codes(PointsPaymentErrorCode)
