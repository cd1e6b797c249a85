from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from plugins.core.choices import choices

from .domain import ChannelStatus, Rounding


def _pct_field():
    return models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("0"))


class Channel(models.Model):
    """A partner app whose members enter through a fixed entry link."""

    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=100, unique=True)
    contact_name = models.CharField(max_length=250, blank=True)
    contact_phone = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=16, choices=choices(ChannelStatus), default=ChannelStatus.ACTIVE
    )
    storefront_url = models.URLField(blank=True)
    # Two secrets are valid while a rotation is under way.
    sso_secret = models.CharField(max_length=128)
    sso_secret_previous = models.CharField(max_length=128, blank=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    # Default price rule for the channel's pool.
    payment_pct = _pct_field()
    platform_pct = _pct_field()
    channel_pct = _pct_field()
    fixed_markup = models.DecimalField(
        max_digits=12, decimal_places=3, default=Decimal("0")
    )
    rounding = models.CharField(
        max_length=16, choices=choices(Rounding), default=Rounding.CENT
    )
    # Points settings (used by the points plugin).
    points_quota = models.BigIntegerField(default=0)
    points_per_currency_unit = models.PositiveIntegerField(default=100)
    settlement_period_days = models.PositiveIntegerField(default=30)
    points_refundable = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("slug",)

    def __str__(self):
        return self.name


class ChannelMember(models.Model):
    """A person as known to one channel; one person in two channels is two members."""

    channel = models.ForeignKey(
        Channel, related_name="members", on_delete=models.CASCADE
    )
    external_id = models.CharField(max_length=128)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="channel_memberships",
        on_delete=models.CASCADE,
    )
    # Optional claims of the latest sign-in (Saleor's User has no phone field).
    name = models.CharField(max_length=250, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        unique_together = [("channel", "external_id")]
        ordering = ("pk",)
        constraints = [
            # One Saleor user is one member, so checkout.user names the channel.
            models.UniqueConstraint(fields=["user"], name="channel_member_one_per_user")
        ]


class UsedSignInToken(models.Model):
    """A sign-in token's ``jti`` once used: the unique key refuses a replay,
    whichever process sees it."""

    channel = models.ForeignKey(Channel, related_name="+", on_delete=models.CASCADE)
    jti = models.CharField(max_length=128)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "jti"], name="used_sign_in_token_once"
            )
        ]


def _override_pct_field():
    return models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)


class ChannelPoolEntry(models.Model):
    """A product (every variant) or one variant in a channel's pool.

    Price-rule override: a fixed price, or markup fields that replace the
    channel's default field by field (null = use the default). A variant entry
    overrides its product's entry.
    """

    channel = models.ForeignKey(Channel, related_name="pool", on_delete=models.CASCADE)
    product = models.ForeignKey(
        "product.Product", related_name="+", on_delete=models.CASCADE
    )
    variant = models.ForeignKey(
        "product.ProductVariant",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.CASCADE,
    )
    fixed_price_amount = models.DecimalField(
        max_digits=12, decimal_places=3, null=True, blank=True
    )
    payment_pct = _override_pct_field()
    platform_pct = _override_pct_field()
    channel_pct = _override_pct_field()
    fixed_markup = models.DecimalField(
        max_digits=12, decimal_places=3, null=True, blank=True
    )
    rounding = models.CharField(max_length=16, choices=choices(Rounding), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        unique_together = [("channel", "product", "variant")]
        ordering = ("pk",)
        constraints = [
            # unique_together lets NULL variants repeat in PostgreSQL.
            models.UniqueConstraint(
                fields=["channel", "product"],
                condition=models.Q(variant__isnull=True),
                name="channel_pool_one_product_entry",
            )
        ]


class BelowCostAcknowledgement(models.Model):
    """A staff user accepted selling one variant in one channel below cost.

    It covers exactly ``price_amount`` against ``settlement_amount``: when the
    channel price or the provider's settlement price changes, it no longer
    covers the item, which then stops selling until acknowledged again
    (``domain.cost_status``).
    """

    channel = models.ForeignKey(
        Channel, related_name="below_cost_acknowledgements", on_delete=models.CASCADE
    )
    variant = models.ForeignKey(
        "product.ProductVariant", related_name="+", on_delete=models.CASCADE
    )
    price_amount = models.DecimalField(max_digits=12, decimal_places=3)
    settlement_amount = models.DecimalField(max_digits=12, decimal_places=3)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "variant"], name="below_cost_ack_one_per_variant"
            )
        ]
