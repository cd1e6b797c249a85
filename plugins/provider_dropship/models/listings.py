from django.conf import settings
from django.contrib.postgres.fields import JSONField
from django.db import models
from django.utils import timezone

from plugins.core.choices import choices

from ..domain import ListingStatus
from .providers import Provider

__all__ = ["SupplyListing", "ProviderAsset", "ListingReview"]


def asset_path(instance, filename):
    return f"provider-assets/{instance.provider_id}/{filename}"


class ProviderAsset(models.Model):
    """An advertising image a provider uploaded, kept for reuse across listings.

    Stored with Django's storage API (``default_storage``), so S3-style
    storage can replace the file system.
    """

    provider = models.ForeignKey(
        Provider, related_name="assets", on_delete=models.CASCADE
    )
    file = models.FileField(upload_to=asset_path, max_length=300)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    title = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-pk")


class SupplyListing(models.Model):
    """A variant a provider supplies, at the settlement price the platform pays.

    The settlement price includes shipping (the seed: 包邮价格).
    ``settlement_price_amount`` is the approved price (what the platform pays);
    a change the provider asks for waits in ``proposed_settlement_price_amount``
    until staff review it.
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
    proposed_settlement_price_amount = models.DecimalField(
        max_digits=12, decimal_places=3, null=True, blank=True
    )
    status = models.CharField(
        max_length=20, choices=choices(ListingStatus), default=ListingStatus.APPROVED
    )
    title = models.CharField(max_length=250, blank=True)
    description = models.TextField(blank=True)
    links = JSONField(default=list, blank=True)
    assets = models.ManyToManyField(ProviderAsset, blank=True, related_name="listings")
    review_note = models.TextField(blank=True)  # the latest decision's note
    submitted_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.CheckConstraint(
                check=models.Q(settlement_price_amount__gt=0),
                name="settlement_price_gt_0",
            ),
            models.CheckConstraint(
                check=models.Q(proposed_settlement_price_amount__gt=0)
                | models.Q(proposed_settlement_price_amount__isnull=True),
                name="proposed_settlement_price_gt_0",
            ),
        ]


class ListingReview(models.Model):
    """One staff decision on a listing (or on its new settlement price)."""

    listing = models.ForeignKey(
        SupplyListing, related_name="reviews", on_delete=models.CASCADE
    )
    decision = models.CharField(max_length=20, choices=choices(ListingStatus))
    note = models.TextField(blank=True)
    settlement_price_amount = models.DecimalField(
        max_digits=12, decimal_places=3, null=True, blank=True
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "pk")
