"""Beat work: release timed-out holds, expire lapsed grants, roll settlement
periods over, audit.

Each hold or account is handled in its own short transaction with the same
locks as a request, so a sweep never blocks the channel for long and a
request that already released a hold (lazily) leaves the sweep nothing to do.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Dict, List, Optional, Tuple

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from . import ledger
from .allowances import expire_lapsed, release_timed_out
from .domain import (
    ACCOUNT_FLAGS,
    AccountKind,
    PeriodState,
    TransferKind,
    TransferState,
    within_flags,
)
from .models import PointsAccount, PointsProgram, PointsTransfer, SettlementPeriod
from .periods import roll_over
from .programs import account

logger = logging.getLogger(__name__)
BATCH = 500


def roll_over_periods(now: Optional[datetime] = None) -> int:
    """Close every ended open period of a program that rolls over and open
    its next one (each channel in its own transaction); returns how many."""
    now = now or timezone.now()
    due = SettlementPeriod.objects.filter(
        state=PeriodState.OPEN.value,
        ends_at__lte=now,
        channel__points_program__enabled=True,
        channel__points_program__period_length_days__isnull=False,
    ).values_list("channel_id", flat=True)
    rolled = 0
    for channel_id in list(due):
        try:
            rolled += roll_over(channel_id, now) is not None
        except Exception:  # one channel's failure must not stop the others
            logger.exception("points roll-over failed for channel %s", channel_id)
    return rolled


def release_timed_out_holds(now: Optional[datetime] = None, limit: int = BATCH) -> int:
    """Void every hold whose timeout passed; returns how many."""
    now = now or timezone.now()
    due = (
        PointsTransfer.objects.filter(
            kind=TransferKind.PENDING.value,
            state=TransferState.PENDING.value,
            timeout_at__lte=now,
        )
        .order_by()
        .values_list("channel_id", "debit_account_id", "credit_account_id", "member")
        .distinct()[:limit]
    )
    released = 0
    for channel_id, debit_id, hold_id, member in list(due):
        with transaction.atomic():
            locked = ledger.lock_accounts(
                PointsAccount.objects.filter(pk__in=[debit_id, hold_id])
            )
            debit = locked[debit_id]
            released += release_timed_out(
                channel_id,
                debit,
                locked[hold_id],
                now,
                member=member if debit.kind == AccountKind.QUOTA.value else None,
            )
    return released


def expire_lapsed_grants(now: Optional[datetime] = None, limit: int = BATCH) -> int:
    """Move the lapsed, unspent points of every allowance to expired;
    returns how many allowances had points expire."""
    now = now or timezone.now()
    # Accounts whose ended credits exceed everything debited (FIFO: the
    # lapsed, unspent points), in one query.
    candidates = (
        PointsAccount.objects.filter(kind=AccountKind.ALLOWANCE.value)
        .annotate(
            ended=Sum(
                "credits__points",
                filter=Q(
                    credits__expires_at__lte=now,
                    credits__kind__in=(
                        TransferKind.SINGLE.value,
                        TransferKind.POST_PENDING.value,
                    ),
                ),
            )
        )
        .filter(ended__gt=F("debits_posted") + F("debits_pending"))
        .order_by("pk")
        .values_list("pk", "channel_id")[:limit]
    )
    expired_accounts = 0
    for account_id, channel_id in list(candidates):
        program = (
            PointsProgram.objects.select_related("channel")
            .filter(channel_id=channel_id)
            .first()
        )
        if program is None:
            continue
        with transaction.atomic():
            expired = account(channel_id, AccountKind.EXPIRED)
            locked = ledger.lock_accounts(
                PointsAccount.objects.filter(pk__in=[account_id, expired.pk])
            )
            if expire_lapsed(program, locked[account_id], locked[expired.pk], now):
                expired_accounts += 1
    return expired_accounts


def _sums(field: str, kinds, state: Optional[str] = None) -> Dict[int, int]:
    rows = PointsTransfer.objects.filter(kind__in=kinds).order_by()
    if state is not None:
        rows = rows.filter(state=state)
    return dict(
        rows.values(field).annotate(total=Sum("points")).values_list(field, "total")
    )


def audit() -> List[str]:
    """Every difference between an account's cached sums and its transfers,
    every broken flag, every pending transfer resolved twice; must be empty."""
    posted = (TransferKind.SINGLE.value, TransferKind.POST_PENDING.value)
    pending = (TransferKind.PENDING.value,)
    expected: Dict[str, Dict[int, int]] = {
        "credits_posted": _sums("credit_account_id", posted),
        "debits_posted": _sums("debit_account_id", posted),
        "credits_pending": _sums(
            "credit_account_id", pending, TransferState.PENDING.value
        ),
        "debits_pending": _sums(
            "debit_account_id", pending, TransferState.PENDING.value
        ),
    }
    problems: List[str] = []
    for acct in PointsAccount.objects.order_by("pk").iterator():
        for field, sums in expected.items():
            cached, recomputed = getattr(acct, field), sums.get(acct.pk, 0)
            if cached != recomputed:
                problems.append(
                    f"account {acct.pk} ({acct.kind} {acct.external_id}): "
                    f"{field} cached {cached}, transfers say {recomputed}"
                )
        if not within_flags(
            ACCOUNT_FLAGS[AccountKind(acct.kind)], ledger.balance_of(acct)
        ):
            problems.append(f"account {acct.pk} ({acct.kind}): breaks its flag")
    resolutions: Dict[int, List[Tuple[str, int]]] = defaultdict(list)
    for pending_id, kind, points in PointsTransfer.objects.filter(
        kind__in=(TransferKind.POST_PENDING.value, TransferKind.VOID_PENDING.value)
    ).values_list("pending_id", "kind", "points"):
        resolutions[pending_id].append((kind, points))
    for hold in PointsTransfer.objects.filter(kind=TransferKind.PENDING.value).values(
        "pk", "state", "points"
    ):
        found = resolutions.get(hold["pk"], [])
        if len(found) > 1:
            problems.append(f"hold {hold['pk']} resolved {len(found)} times")
        if (hold["state"] == TransferState.PENDING.value) != (not found):
            problems.append(f"hold {hold['pk']} state {hold['state']} vs {found}")
        if found and found[0][0] == TransferKind.POST_PENDING.value:
            if found[0][1] > hold["points"]:
                problems.append(f"hold {hold['pk']} posted more than held")
    for problem in problems:
        logger.error("points ledger audit: %s", problem)
    return problems
