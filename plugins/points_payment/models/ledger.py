from django.db import models
from django.utils import timezone

from plugins.core.choices import choices

from ..domain import AccountKind, TransferState

__all__ = ["PointsAccount", "PointsTransfer"]


class PointsAccount(models.Model):
    kind = models.CharField(max_length=16, choices=choices(AccountKind))
    channel = models.ForeignKey(
        "channel_pricing.Channel",
        related_name="points_accounts",
        on_delete=models.PROTECT,
    )
    member = models.OneToOneField(
        "channel_pricing.ChannelMember",
        null=True,
        blank=True,
        related_name="points_account",
        on_delete=models.PROTECT,
    )
    debits_must_not_exceed_credits = models.BooleanField(default=True)
    credits_posted = models.BigIntegerField(default=0)
    debits_posted = models.BigIntegerField(default=0)
    debits_pending = models.BigIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.CheckConstraint(
                check=models.Q(debits_must_not_exceed_credits=False)
                | models.Q(
                    credits_posted__gte=models.F("debits_posted")
                    + models.F("debits_pending")
                ),
                name="points_account_not_overdrawn",
            )
        ]


class PointsTransfer(models.Model):
    """One balanced movement: debited from one account, credited to another."""

    idempotency_key = models.CharField(max_length=128, unique=True)
    debit_account = models.ForeignKey(
        PointsAccount, related_name="debits", on_delete=models.PROTECT
    )
    credit_account = models.ForeignKey(
        PointsAccount, related_name="credits", on_delete=models.PROTECT
    )
    amount = models.BigIntegerField()
    state = models.CharField(max_length=16, choices=choices(TransferState))
    description = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    timeout_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [
            models.CheckConstraint(
                check=models.Q(amount__gt=0), name="transfer_amount_gt_0"
            )
        ]
