"""Drop-ship sub-orders: one per provider and order, made in the order's
transaction (``order_split``). The provider hears of them at its
``webhook_url`` (signed with ``webhook_secret``) and ``contact_email``."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from plugins.core.choices import choices

from ..shipping_rules import SubOrderStatus
from .providers import Provider

__all__ = ["SubOrder", "SubOrderLine"]


class SubOrder(models.Model):
    """The part of a Saleor order one provider ships."""

    order = models.ForeignKey(
        "order.Order", related_name="sub_orders", on_delete=models.CASCADE
    )
    provider = models.ForeignKey(
        Provider, related_name="sub_orders", on_delete=models.PROTECT
    )
    status = models.CharField(
        max_length=16,
        choices=choices(SubOrderStatus),
        default=SubOrderStatus.NEW,
        db_index=True,
    )
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    # Σ settlement price × quantity ordered, from the listings at order time.
    settlement_amount = models.DecimalField(max_digits=12, decimal_places=3)
    carrier = models.CharField(max_length=255, blank=True)
    tracking_number = models.CharField(max_length=255, blank=True)
    # The Saleor fulfilment made when it shipped.
    fulfillment = models.OneToOneField(
        "order.Fulfillment",
        null=True,
        blank=True,
        related_name="sub_order",
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            # The split runs once per order: a retried hook cannot add a second.
            models.UniqueConstraint(
                fields=["order", "provider"], name="one_sub_order_per_provider"
            )
        ]

    def __str__(self) -> str:
        return f"Sub-order {self.pk} of order {self.order_id} ({self.provider_id})"


class SubOrderLine(models.Model):
    """Units of one order line a provider ships from one of its warehouses."""

    sub_order = models.ForeignKey(
        SubOrder, related_name="lines", on_delete=models.CASCADE
    )
    order_line = models.ForeignKey(
        "order.OrderLine", related_name="sub_order_lines", on_delete=models.PROTECT
    )
    # The warehouse Saleor allocated the units in (None: untracked variant).
    warehouse = models.ForeignKey(
        "warehouse.Warehouse",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    quantity = models.PositiveIntegerField()  # as ordered
    cancelled_quantity = models.PositiveIntegerField(default=0)
    cancel_reason = models.TextField(blank=True)
    settlement_price_amount = models.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(
                fields=["sub_order", "order_line", "warehouse"],
                name="one_sub_order_line_per_warehouse",
            ),
            models.CheckConstraint(
                check=models.Q(cancelled_quantity__lte=models.F("quantity")),
                name="cancelled_at_most_ordered",
            ),
        ]

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.cancelled_quantity
