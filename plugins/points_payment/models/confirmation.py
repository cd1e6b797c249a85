"""Payment confirmation: one-time codes, payment passwords and the
single-use tokens a confirmation yields (``confirmation/``).

No code or password is stored in clear: codes as a keyed hash
(``salted_hmac`` with the site's secret key), passwords with Django's
password hashers. Nothing of them goes into Saleor's Payment rows.
"""

from django.db import models
from django.utils import timezone

from plugins.core.choices import choices

from ..confirmation.rules import ConfirmationMethod

__all__ = [
    "PaymentCode",
    "PaymentConfirmation",
    "PaymentPassword",
    "PaymentPasswordResetCode",
]


class PaymentCode(models.Model):
    """A one-time code sent to a member for one checkout and amount."""

    member = models.ForeignKey(
        "channel_pricing.ChannelMember",
        related_name="points_payment_codes",
        on_delete=models.CASCADE,
    )
    checkout_token = models.UUIDField()
    amount = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3)
    points = models.BigIntegerField()
    code_hash = models.CharField(max_length=128)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Set when the code was confirmed, or replaced by a newer code.
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = [models.Index(fields=["member", "created_at"])]


class PaymentPassword(models.Model):
    """A member's payment password (a Django password hash) and its lock."""

    member = models.OneToOneField(
        "channel_pricing.ChannelMember",
        related_name="points_payment_password",
        on_delete=models.CASCADE,
    )
    password = models.CharField(max_length=128)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)


class PaymentPasswordResetCode(models.Model):
    """A one-time code that lets a member who forgot their payment password
    set a new one; wrong codes count towards the password's lock."""

    member = models.ForeignKey(
        "channel_pricing.ChannelMember",
        related_name="points_password_reset_codes",
        on_delete=models.CASCADE,
    )
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Set when the code was used, replaced by a newer one or killed by the lock.
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = [models.Index(fields=["member", "created_at"])]


class PaymentConfirmation(models.Model):
    """A confirmed points payment: the token the storefront passes as the
    ``token`` of ``checkoutPaymentCreate``, single use, bound to the member,
    the checkout and the amount; the gateway's authorisation consumes it and
    records the ledger transfers it made."""

    token = models.CharField(max_length=64, unique=True)
    member = models.ForeignKey(
        "channel_pricing.ChannelMember",
        related_name="points_payment_confirmations",
        on_delete=models.CASCADE,
    )
    channel_id = models.IntegerField()
    external_id = models.CharField(max_length=128)
    checkout_token = models.UUIDField()
    amount = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3)
    points = models.BigIntegerField()
    method = models.CharField(max_length=20, choices=choices(ConfirmationMethod))
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # The ledger's transfers for this payment (ids chosen by the gateway).
    hold_id = models.CharField(max_length=128, blank=True, db_index=True)
    redemption_id = models.CharField(max_length=128, blank=True)
    points_captured = models.BigIntegerField(default=0)
    points_refunded = models.BigIntegerField(default=0)
    refunds = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-created_at", "-pk")
