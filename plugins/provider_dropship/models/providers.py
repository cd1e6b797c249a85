from django.conf import settings
from django.db import models
from django.utils import timezone

from plugins.core.choices import choices

from ..domain import Onboarding, ProviderStatus

__all__ = ["Provider", "ProviderWarehouse", "SupplyListing"]


class Provider(models.Model):
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=100, unique=True)
    legal_name = models.CharField(max_length=250, blank=True)
    tax_id = models.CharField(max_length=64, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=16, choices=choices(ProviderStatus), default=ProviderStatus.PENDING
    )
    onboarding = models.CharField(
        max_length=16, choices=choices(Onboarding), default=Onboarding.SIGN_UP
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="providers"
    )
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("slug",)

    def __str__(self):
        return self.name


class ProviderWarehouse(models.Model):
    """A Saleor warehouse owned by a provider."""

    provider = models.ForeignKey(
        Provider, related_name="warehouses", on_delete=models.CASCADE
    )
    warehouse = models.OneToOneField(
        "warehouse.Warehouse", related_name="provider_link", on_delete=models.CASCADE
    )


class SupplyListing(models.Model):
    """A variant a provider supplies, at the settlement price the platform pays.

    The settlement price includes shipping (the seed: 包邮价格).
    """

    provider = models.ForeignKey(
        Provider, related_name="listings", on_delete=models.PROTECT
    )
    variant = models.OneToOneField(
        "product.ProductVariant",
        related_name="supply_listing",
        on_delete=models.CASCADE,
    )
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    settlement_price_amount = models.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.CheckConstraint(
                check=models.Q(settlement_price_amount__gt=0),
                name="settlement_price_gt_0",
            )
        ]
