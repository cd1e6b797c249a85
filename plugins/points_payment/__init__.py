"""Points: a double-entry ledger of channel-issued points and a payment gateway."""

default_app_config = "plugins.points_payment.apps.PointsPaymentConfig"
