"""Closing a settlement period, and its statement (what the channel pays).

``close_period`` stops spending in the period (its open holds are voided),
moves what is left of the quota and of every allowance to the channel's
expired account (code ``close``), stores the statement and queues
``points.period_closed``. Closing a closed period returns its statement.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Dict

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from . import errors, ledger, webhooks
from .domain import (
    AccountKind,
    PeriodState,
    TransferCode,
    TransferKind,
    TransferState,
)
from .models import PointsAccount, PointsTransfer, SettlementPeriod
from .periods import period_view
from .programs import account, require_program
from .records import Statement, StatementLine

# Statement column of each code (the post's second leg is not counted twice).
COLUMNS = {
    TransferCode.GRANT.value: "granted",
    TransferCode.REVOKE.value: "revoked",
    TransferCode.REFUND.value: "refunded",
    TransferCode.EXPIRE.value: "expired",
    TransferCode.CLOSE.value: "expired",
}


def _period(channel_id: int, period_id, lock: bool = False) -> SettlementPeriod:
    try:
        period_id = int(period_id)
    except (TypeError, ValueError):
        raise errors.PeriodNotFound() from None
    if lock:
        # NO KEY UPDATE, not FOR UPDATE: holds and grants racing with the
        # close insert transfers whose foreign-key check takes KEY SHARE on
        # this row while they hold account locks the close waits for (a
        # deadlock with FOR UPDATE, seen in test_races).
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {SettlementPeriod._meta.db_table} "
                "WHERE id = %s AND channel_id = %s FOR NO KEY UPDATE",
                [period_id, channel_id],
            )
    periods = SettlementPeriod.objects.select_related("channel")
    try:
        return periods.get(pk=period_id, channel_id=channel_id)
    except SettlementPeriod.DoesNotExist:
        raise errors.PeriodNotFound() from None


def build_statement(period: SettlementPeriod, mode: str) -> Statement:
    totals: Dict[str, int] = defaultdict(int)
    members: Dict[str, Dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sums = (
        PointsTransfer.objects.filter(period=period)
        .exclude(kind=TransferKind.PENDING.value)
        .exclude(kind=TransferKind.VOID_PENDING.value)
        .order_by()
        .values("code", "kind", "member")
        .annotate(points=Sum("points"))
    )
    for row in sums:
        if row["code"] == TransferCode.POST.value:
            if row["kind"] != TransferKind.POST_PENDING.value:
                continue
            column = "redeemed"
        else:
            column = COLUMNS.get(row["code"])
        if column is None:
            continue
        totals[column] += row["points"]
        if row["member"]:
            members[row["member"]][column] += row["points"]
    quota = PointsAccount.objects.filter(
        period=period, kind=AccountKind.QUOTA.value
    ).first()
    lines = [
        StatementLine(
            member=member,
            granted=figures["granted"],
            revoked=figures["revoked"],
            redeemed=figures["redeemed"],
            refunded=figures["refunded"],
            expired=figures["expired"],
        )
        for member, figures in sorted(members.items())
    ]
    return Statement(
        channel=period.channel.slug,
        period=period_view(period),
        mode=mode,
        quota=period.quota,
        granted=totals["granted"],
        revoked=totals["revoked"],
        redeemed=totals["redeemed"],
        refunded=totals["refunded"],
        expired=totals["expired"],
        remaining=quota.available if quota else 0,
        closed_at=period.closed_at,
        lines=lines,
    )


def statement(channel_id: int, period_id: int) -> Statement:
    """The period's statement, from its transfers (a closed period's figures
    change only if a redemption of it is refunded later)."""
    program = require_program(channel_id)
    return build_statement(_period(channel_id, period_id), program.mode)


def close_period(channel_id: int, period_id: int) -> Statement:
    with transaction.atomic():
        program = require_program(channel_id)
        period = _period(channel_id, period_id, lock=True)
        if period.state == PeriodState.CLOSED.value:
            return build_statement(period, program.mode)
        accounts = list(PointsAccount.objects.filter(period=period))
        expired = account(channel_id, AccountKind.EXPIRED)
        hold_account = account(channel_id, AccountKind.HOLD)
        locked = ledger.lock_accounts(accounts + [expired, hold_account])
        expired, hold_account = locked[expired.pk], locked[hold_account.pk]
        # The close's time is when it holds every lock: nothing it did not
        # see can commit in the period after it.
        now = timezone.now()
        legs = []
        pending_holds = PointsTransfer.objects.filter(
            period=period,
            kind=TransferKind.PENDING.value,
            state=TransferState.PENDING.value,
        ).order_by("pk")
        for pending in pending_holds:
            legs.append(
                ledger.Leg(
                    TransferCode.VOID,
                    TransferKind.VOID_PENDING,
                    locked[pending.debit_account_id],
                    hold_account,
                    pending.points,
                    period,
                    member=pending.member,
                    reference="period closed",
                    pending=pending,
                )
            )
        # Void first: the released points are then moved out too.
        if legs:
            ledger.apply(channel_id, f"flash:period-close-void:{period.pk}", legs, now)
        legs = []
        for source in sorted((locked[a.pk] for a in accounts), key=lambda a: a.pk):
            left = source.available
            if left > 0:
                legs.append(
                    ledger.Leg(
                        TransferCode.CLOSE,
                        TransferKind.SINGLE,
                        source,
                        expired,
                        left,
                        period,
                        member=source.external_id,
                        reference="period closed",
                    )
                )
        if legs:
            ledger.apply(channel_id, f"flash:period-close:{period.pk}", legs, now)
        period.state = PeriodState.CLOSED.value
        period.closed_at = now
        result = build_statement(period, program.mode)
        period.statement = result.as_api()
        period.save(update_fields=["state", "closed_at", "statement"])
        summary = {k: v for k, v in result.as_api().items() if k != "lines"}
        webhooks.emit(program, webhooks.PERIOD_CLOSED, {"statement": summary})
        return result
