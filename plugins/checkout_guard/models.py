from django.db import models
from django.utils import timezone


class StockHold(models.Model):
    """Units of one stock row set aside for one checkout until ``expires_at``.

    The order's allocation consumes the hold (it is deleted in the order's
    transaction); a checkout that never pays lets it lapse.
    """

    checkout_token = models.UUIDField(db_index=True)
    stock = models.ForeignKey(
        "warehouse.Stock", related_name="checkout_holds", on_delete=models.CASCADE
    )
    quantity = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        unique_together = [("checkout_token", "stock")]
        constraints = [
            models.CheckConstraint(
                check=models.Q(quantity__gt=0), name="stock_hold_quantity_gt_0"
            )
        ]


class PaymentRescue(models.Model):
    """A payment taken for a checkout whose order could not be created, and
    what was done about it. FAILED and RECONCILE rows are staff's to settle:
    money was (or may have been) taken and is not back."""

    VOID = "void"
    REFUND = "refund"
    FAILED = "failed"
    RECONCILE = "reconcile"
    ACTIONS = [
        (VOID, "Voided"),
        (REFUND, "Refunded"),
        (FAILED, "Could not reverse"),
        (RECONCILE, "Outcome unknown: reconcile with the gateway"),
    ]
    TO_SETTLE = (FAILED, RECONCILE)

    payment = models.ForeignKey(
        "payment.Payment", related_name="rescues", on_delete=models.PROTECT
    )
    checkout_token = models.UUIDField(db_index=True)
    action = models.CharField(max_length=16, choices=ACTIONS)
    amount = models.DecimalField(max_digits=12, decimal_places=3)
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at",)
