"""Settlement: a ledger of what the platform owes each provider, and the
closed statements that gather its entries by period."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from plugins.core.choices import choices

from ..settlement_rules import EntryKind
from .providers import Provider
from .sub_orders import SubOrderLine

__all__ = ["SettlementEntry", "SettlementStatement"]


class SettlementStatement(models.Model):
    """A provider's closed statement for ``[period_start, period_end)``.

    Written once; its entries never change afterwards. Entries that arrive
    later (a return of units it paid for) go into the next statement as
    adjustments.
    """

    provider = models.ForeignKey(
        Provider, related_name="statements", on_delete=models.PROTECT
    )
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    total_amount = models.DecimalField(max_digits=14, decimal_places=3)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("provider", "period_start")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "period_start"], name="one_statement_per_period"
            ),
            models.CheckConstraint(
                check=models.Q(period_end__gt=models.F("period_start")),
                name="statement_period_not_empty",
            ),
        ]


class SettlementEntry(models.Model):
    """One movement owed to (or taken back from) a provider: delivered units
    (+), units returned or cancelled after delivery (−), units cancelled
    before shipping (0, shown for the record)."""

    provider = models.ForeignKey(
        Provider, related_name="settlement_entries", on_delete=models.PROTECT
    )
    sub_order_line = models.ForeignKey(
        SubOrderLine, related_name="settlement_entries", on_delete=models.PROTECT
    )
    kind = models.CharField(max_length=16, choices=choices(EntryKind))
    units = models.PositiveIntegerField()
    settlement_price_amount = models.DecimalField(max_digits=12, decimal_places=3)
    amount = models.DecimalField(max_digits=14, decimal_places=3)  # signed
    reason = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    statement = models.ForeignKey(
        SettlementStatement,
        null=True,
        blank=True,
        related_name="entries",
        on_delete=models.PROTECT,
    )
    # True when it corrects a line already paid in an earlier statement.
    adjustment = models.BooleanField(default=False)

    class Meta:
        ordering = ("occurred_at", "pk")
        indexes = [models.Index(fields=["provider", "statement", "occurred_at"])]
