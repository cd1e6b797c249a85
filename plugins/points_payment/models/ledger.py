"""The ledger's tables: programs, settlement periods, accounts, transfers and
pass-through sign-in balances (docs/points.md)."""

import secrets
from decimal import Decimal

from django.contrib.postgres.fields import JSONField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from plugins.core.choices import choices

from ..domain import (
    AccountFlag,
    AccountKind,
    CodeSender,
    Confirmation,
    PeriodState,
    ProgramMode,
    RefundPolicy,
    TransferCode,
    TransferKind,
    TransferState,
)

__all__ = [
    "PointsProgram",
    "SettlementPeriod",
    "PointsAccount",
    "PointsTransfer",
    "SignInBalance",
]


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class PointsProgram(models.Model):
    """A channel's points settings (one row per channel with points)."""

    channel = models.OneToOneField(
        "channel_pricing.Channel",
        related_name="points_program",
        on_delete=models.CASCADE,
    )
    enabled = models.BooleanField(default=True)
    mode = models.CharField(
        max_length=16, choices=choices(ProgramMode), default=ProgramMode.ALLOWANCE.value
    )
    money_per_point = models.DecimalField(
        max_digits=12, decimal_places=6, default=Decimal("0.01")
    )
    refund_policy = models.CharField(
        max_length=24, choices=choices(RefundPolicy), default=RefundPolicy.REFUSE.value
    )
    confirmation = models.CharField(
        max_length=24, choices=choices(Confirmation), default=Confirmation.NONE.value
    )
    code_sender = models.CharField(
        max_length=16, choices=choices(CodeSender), default=CodeSender.LOG.value
    )
    member_cap_per_period = models.BigIntegerField(null=True, blank=True)
    hold_timeout_seconds = models.PositiveIntegerField(default=900)
    api_secret = models.CharField(max_length=128, default=new_secret)
    api_secret_previous = models.CharField(max_length=128, blank=True)
    api_secret_previous_until = models.DateTimeField(null=True, blank=True)
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=128, default=new_secret)
    balance_url = models.URLField(max_length=500, blank=True)
    # Roll-over: when the open period's end passes, the next period opens with
    # this length and quota (null quota: the ended period's); no length: the
    # channel opens each period itself.
    period_length_days = models.PositiveIntegerField(null=True, blank=True)
    period_quota = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("pk",)
        permissions = (("manage_points", "Manage channel points and quotas."),)
        constraints = [
            models.CheckConstraint(
                check=Q(money_per_point__gt=0), name="points_program_money_per_point"
            ),
            models.CheckConstraint(
                check=Q(member_cap_per_period__isnull=True)
                | Q(member_cap_per_period__gt=0),
                name="points_program_member_cap_gt_0",
            ),
            models.CheckConstraint(
                check=Q(period_length_days__isnull=True) | Q(period_length_days__gt=0),
                name="points_program_period_length_gt_0",
            ),
            models.CheckConstraint(
                check=Q(period_quota__isnull=True) | Q(period_quota__gte=0),
                name="points_program_period_quota_gte_0",
            ),
        ]


class SettlementPeriod(models.Model):
    """A channel's period: its quota, its validity end and, once closed, the
    statement the channel pays against."""

    channel = models.ForeignKey(
        "channel_pricing.Channel",
        related_name="settlement_periods",
        on_delete=models.PROTECT,
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    quota = models.BigIntegerField()
    state = models.CharField(
        max_length=8, choices=choices(PeriodState), default=PeriodState.OPEN.value
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    statement = JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-starts_at", "-pk")
        constraints = [
            models.CheckConstraint(check=Q(quota__gte=0), name="period_quota_gte_0"),
            models.CheckConstraint(
                check=Q(ends_at__gt=F("starts_at")), name="period_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["channel"],
                condition=Q(state="open"),
                name="period_one_open_per_channel",
            ),
        ]


class PointsAccount(models.Model):
    """One ledger account with its cached sums (checked by PostgreSQL)."""

    channel = models.ForeignKey(
        "channel_pricing.Channel",
        related_name="points_accounts",
        on_delete=models.PROTECT,
    )
    kind = models.CharField(max_length=16, choices=choices(AccountKind))
    # Quota and allowance accounts belong to one period; the others to none.
    period = models.ForeignKey(
        SettlementPeriod,
        null=True,
        blank=True,
        related_name="accounts",
        on_delete=models.PROTECT,
    )
    # Allowance accounts: the member's id in the channel's system (a grant may
    # reach a member who never signed in, so no link to ChannelMember).
    external_id = models.CharField(max_length=128, blank=True)
    flag = models.CharField(max_length=40, choices=choices(AccountFlag))
    credits_posted = models.BigIntegerField(default=0)
    credits_pending = models.BigIntegerField(default=0)
    debits_posted = models.BigIntegerField(default=0)
    debits_pending = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.CheckConstraint(
                check=Q(credits_posted__gte=0)
                & Q(credits_pending__gte=0)
                & Q(debits_posted__gte=0)
                & Q(debits_pending__gte=0),
                name="points_account_sums_gte_0",
            ),
            models.CheckConstraint(
                check=~Q(flag=AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS.value)
                | Q(credits_posted__gte=F("debits_posted") + F("debits_pending")),
                name="points_account_debits_within_credits",
            ),
            models.CheckConstraint(
                check=~Q(flag=AccountFlag.CREDITS_MUST_NOT_EXCEED_DEBITS.value)
                | Q(debits_posted__gte=F("credits_posted") + F("credits_pending")),
                name="points_account_credits_within_debits",
            ),
            models.UniqueConstraint(
                fields=["channel", "kind", "period", "external_id"],
                name="points_account_one_per_owner",
            ),
            models.UniqueConstraint(
                fields=["channel", "kind"],
                condition=Q(period__isnull=True),
                name="points_account_one_channel_account",
            ),
        ]

    @property
    def available(self) -> int:
        return self.credits_posted - self.debits_posted - self.debits_pending


class PointsTransfer(models.Model):
    """One leg: points debited from one account and credited to another.

    ``transfer_id`` is the caller's id (unique per channel: the idempotency
    key); a call with linked legs writes legs 0..n under the same id. Posted
    legs never change; a pending leg changes only its ``state`` when a
    post/void leg resolves it.
    """

    # Indexed first in the unique key and the listing indexes below.
    channel = models.ForeignKey(
        "channel_pricing.Channel",
        related_name="points_transfers",
        on_delete=models.PROTECT,
        db_index=False,
    )
    transfer_id = models.CharField(max_length=255)
    leg = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(max_length=8, choices=choices(TransferCode))
    kind = models.CharField(max_length=16, choices=choices(TransferKind))
    state = models.CharField(max_length=8, choices=choices(TransferState))
    debit_account = models.ForeignKey(
        PointsAccount, related_name="debits", on_delete=models.PROTECT
    )
    credit_account = models.ForeignKey(
        PointsAccount, related_name="credits", on_delete=models.PROTECT
    )
    points = models.BigIntegerField()
    period = models.ForeignKey(
        SettlementPeriod, related_name="transfers", on_delete=models.PROTECT
    )
    member = models.CharField(max_length=128, blank=True)  # external id
    reference = models.CharField(max_length=255, blank=True)
    # post/void legs: the pending transfer; refunds: the redemption (post leg)
    pending = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        related_name="resolutions",
        on_delete=models.PROTECT,
        db_index=False,  # the partial index below: most legs have none
    )
    # Grants and refunds into an allowance: the points' validity end.
    expires_at = models.DateTimeField(null=True, blank=True)
    # Pending legs: when the hold times out.
    timeout_at = models.DateTimeField(null=True, blank=True)
    # The first call's parameters, to tell a retry from a reuse of the id.
    params = JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [
            models.CheckConstraint(check=Q(points__gt=0), name="transfer_points_gt_0"),
            models.CheckConstraint(
                check=~Q(debit_account=F("credit_account")),
                name="transfer_two_accounts",
            ),
            models.UniqueConstraint(
                fields=["channel", "transfer_id", "leg"],
                name="transfer_id_unique_per_channel",
            ),
        ]
        indexes = [
            models.Index(fields=["channel", "member", "-id"]),
            models.Index(fields=["channel", "-id"]),
            models.Index(
                fields=["pending"],
                name="transfer_resolutions",
                condition=Q(pending__isnull=False),
            ),
            models.Index(
                fields=["timeout_at"],
                name="transfer_pending_timeout",
                condition=Q(state="pending"),
            ),
        ]


class SignInBalance(models.Model):
    """Pass-through mode: the latest ``points`` claim of a member's sign-in
    token; what was held or redeemed against it is counted from transfers."""

    channel = models.ForeignKey(
        "channel_pricing.Channel", related_name="+", on_delete=models.CASCADE
    )
    external_id = models.CharField(max_length=128)
    points = models.BigIntegerField()
    token_id = models.CharField(max_length=128)
    issued_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="sign_in_balance_one_per_member"
            ),
            models.CheckConstraint(
                check=Q(points__gte=0), name="sign_in_balance_points_gte_0"
            ),
        ]
