from django.apps import AppConfig


class CheckoutGuardConfig(AppConfig):
    name = "plugins.checkout_guard"
    label = "checkout_guard"
    verbose_name = "Checkout guard"
