from django.apps import AppConfig


class PointsPaymentConfig(AppConfig):
    name = "plugins.points_payment"
    label = "points_payment"
    verbose_name = "Points payments"
