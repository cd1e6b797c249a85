from django.conf import settings
from django.db import models
from django.utils import timezone

from .providers import Provider

__all__ = ["StockAudit"]


class StockAudit(models.Model):
    """One stock change in a provider's warehouse: who, when, before → after, why."""

    provider = models.ForeignKey(
        Provider, related_name="stock_audits", on_delete=models.CASCADE
    )
    warehouse = models.ForeignKey(
        "warehouse.Warehouse", related_name="+", on_delete=models.CASCADE
    )
    variant = models.ForeignKey(
        "product.ProductVariant", related_name="+", on_delete=models.CASCADE
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    quantity_before = models.IntegerField()
    quantity_after = models.IntegerField()
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = [models.Index(fields=["provider", "-created_at"])]
