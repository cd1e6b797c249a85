"""Reads: a member's balance, the channel's quota, the transaction list and
``myPoints``. A member's read first releases their timed-out holds and
expires lapsed grants (lazily, under the same locks as a write)."""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from datetime import datetime
from typing import Dict, List, Optional, Tuple

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from . import errors, ledger, pass_through
from .allowances import (
    POSTED_KINDS,
    check_member,
    consumed,
    expire_lapsed,
    lots,
    release_timed_out,
)
from .balance_refresh import NOT_ATTEMPTED, refresh_balance
from .domain import (
    AccountKind,
    ProgramMode,
    TransferCode,
    TransferKind,
    TransferState,
    expiring_lots,
    lapsed_points,
)
from .models import PointsAccount, PointsProgram, PointsTransfer, SettlementPeriod
from .periods import current_period, period_view
from .programs import account, find_account, require_program
from .records import (
    ChannelOverview,
    MemberBalance,
    MemberPointsView,
    QuotaStatus,
    TransferView,
)

MAX_LIMIT = 100


def _held(channel_id: int, period: SettlementPeriod, member: Optional[str]) -> int:
    pending = PointsTransfer.objects.filter(
        channel_id=channel_id,
        period=period,
        kind=TransferKind.PENDING.value,
        state=TransferState.PENDING.value,
    )
    if member is not None:
        pending = pending.filter(member=member)
    return pending.aggregate(total=Sum("points"))["total"] or 0


def _needs_lazy_work(allowance, now) -> bool:
    """A timed-out hold to release or lapsed points to expire (unlocked look)."""
    timed_out = PointsTransfer.objects.filter(
        debit_account=allowance,
        kind=TransferKind.PENDING.value,
        state=TransferState.PENDING.value,
        timeout_at__lte=now,
    ).exists()
    return timed_out or lapsed_points(lots(allowance), consumed(allowance), now) > 0


def balance(channel_id: int, external_id: str) -> MemberBalance:
    """The member's points in the open period; ``MemberNotFound`` if we know
    no allowance (or, pass-through, no sign-in claim) of theirs."""
    check_member(external_id)
    with transaction.atomic():
        program = require_program(channel_id)
        period = current_period(channel_id)
        now = timezone.now()
        hold_account = account(channel_id, AccountKind.HOLD)
        if program.mode == ProgramMode.PASS_THROUGH.value:
            claim = pass_through.locked_claim(channel_id, external_id)
            quota = account(channel_id, AccountKind.QUOTA, period)
            timed_out = PointsTransfer.objects.filter(
                debit_account=quota,
                member=external_id,
                kind=TransferKind.PENDING.value,
                state=TransferState.PENDING.value,
                timeout_at__lte=now,
            ).exists()
            if timed_out:
                locked = ledger.lock_accounts([quota, hold_account])
                release_timed_out(
                    channel_id,
                    locked[quota.pk],
                    locked[hold_account.pk],
                    now,
                    member=external_id,
                )
            return MemberBalance(
                available=pass_through.available(claim),
                held=_held(channel_id, period, external_id),
                expiring=[],
                period=period_view(period),
            )
        allowance = find_account(channel_id, AccountKind.ALLOWANCE, period, external_id)
        if allowance is None:
            raise errors.MemberNotFound()
        if not _needs_lazy_work(allowance, now):
            # Nothing timed out or lapsed: a plain read, no locks.
            return MemberBalance(
                available=allowance.available,
                held=allowance.debits_pending,
                expiring=expiring_lots(lots(allowance), consumed(allowance), now),
                period=period_view(period),
            )
        expired = account(channel_id, AccountKind.EXPIRED)
        locked = ledger.lock_accounts([allowance, hold_account, expired])
        allowance = locked[allowance.pk]
        release_timed_out(channel_id, allowance, locked[hold_account.pk], now)
        expire_lapsed(program, allowance, locked[expired.pk], now)
        return MemberBalance(
            available=allowance.available,
            held=allowance.debits_pending,
            expiring=expiring_lots(lots(allowance), consumed(allowance), now),
            period=period_view(period),
        )


def quota_status(channel_id: int) -> QuotaStatus:
    """The open period's quota: ``quota = granted + remaining + closed``
    (``granted`` is the net outflow of the quota: grants minus revocations,
    or in pass-through mode what is held and redeemed from it)."""
    require_program(channel_id)
    period = current_period(channel_id)
    quota = account(channel_id, AccountKind.QUOTA, period)
    posted = PointsTransfer.objects.filter(period=period)
    redeemed = (
        posted.filter(
            kind=TransferKind.POST_PENDING.value, code=TransferCode.POST.value
        ).aggregate(total=Sum("points"))["total"]
        or 0
    )
    refunded = (
        posted.filter(code=TransferCode.REFUND.value).aggregate(total=Sum("points"))[
            "total"
        ]
        or 0
    )
    closed = (
        posted.filter(code=TransferCode.CLOSE.value, debit_account=quota).aggregate(
            total=Sum("points")
        )["total"]
        or 0
    )
    remaining = quota.available
    return QuotaStatus(
        period=period_view(period),
        quota=period.quota,
        granted=period.quota - remaining - closed,
        held=_held(channel_id, period, None),
        redeemed=redeemed - refunded,
        remaining=remaining,
    )


def channel_expiring(
    period: SettlementPeriod, now: datetime
) -> List[Tuple[int, datetime]]:
    """The period's allowances: unspent, unheld points per validity end,
    earliest first (each member's FIFO rule, summed; two queries)."""
    accounts = {
        row.pk: row
        for row in PointsAccount.objects.filter(
            period=period, kind=AccountKind.ALLOWANCE.value
        )
        if row.available > 0
    }
    credits: Dict[int, List[Tuple[int, datetime]]] = defaultdict(list)
    for account_id, points, expires_at in PointsTransfer.objects.filter(
        credit_account_id__in=list(accounts),
        kind__in=POSTED_KINDS,
        expires_at__isnull=False,
    ).values_list("credit_account_id", "points", "expires_at"):
        credits[account_id].append((points, expires_at))
    by_end: Dict[datetime, int] = defaultdict(int)
    for account_id, allowance in accounts.items():
        left = expiring_lots(credits[account_id], consumed(allowance), now)
        for points, expires_at in left:
            by_end[expires_at] += points
    return [(by_end[at], at) for at in sorted(by_end)]


def channel_overviews(slug: Optional[str] = None) -> List[ChannelOverview]:
    """Every channel with a points program (or the one ``slug``): the open
    period's quota figures and what expires when (staff views)."""
    programs = PointsProgram.objects.select_related("channel").order_by(
        "channel__name", "pk"
    )
    if slug is not None:
        programs = programs.filter(channel__slug=slug)
    overviews = []
    for program in programs:
        try:
            status = quota_status(program.channel_id)
        except (errors.PeriodClosed, errors.PointsNotEnabled):
            status = None
        expiring = []
        if status is not None and program.mode == ProgramMode.ALLOWANCE.value:
            period = SettlementPeriod.objects.get(pk=status.period.id)
            expiring = channel_expiring(period, timezone.now())
        overviews.append(
            ChannelOverview(
                channel=program.channel.slug,
                mode=program.mode,
                enabled=program.enabled,
                quota=status,
                expiring=expiring,
            )
        )
    return overviews


def _encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"t{pk}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("t"):
            raise ValueError(cursor)
        return int(text[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise errors.InvalidCursor() from None


def transactions(
    channel_id: int,
    *,
    member: Optional[str] = None,
    limit: int = 20,
    cursor: Optional[str] = None,
) -> Tuple[List[TransferView], Optional[str]]:
    """The channel's transfers, newest first, ``limit`` (1..100) a page;
    the second value is the cursor of the next page (None: no more).
    The internal second leg of a post (hold -> redeemed) is not listed."""
    require_program(channel_id)
    if (
        not isinstance(limit, int)
        or isinstance(limit, bool)
        or not (1 <= limit <= MAX_LIMIT)
    ):
        raise errors.InvalidLimit()
    rows = (
        PointsTransfer.objects.select_related("pending")
        .filter(channel_id=channel_id)
        .exclude(Q(code=TransferCode.POST.value) & Q(kind=TransferKind.SINGLE.value))
        .exclude(code=TransferCode.ISSUE.value)
        .order_by("-pk")
    )
    if member is not None:
        rows = rows.filter(member=member)
    if cursor:
        rows = rows.filter(pk__lt=_decode_cursor(cursor))
    page = list(rows[: limit + 1])
    next_cursor = _encode_cursor(page[limit - 1].pk) if len(page) > limit else None
    return [ledger.view(row) for row in page[:limit]], next_cursor


def member_points(user_id: int) -> List[MemberPointsView]:
    """``myPoints``: one entry per channel membership with points enabled;
    a pass-through balance is first refreshed from the channel's balance
    URL, if it has one (outside any transaction: call this outside one)."""
    from plugins.channel_pricing.services import memberships_of

    views = []
    for channel_id, slug, external_id in memberships_of(user_id):
        try:
            program = require_program(channel_id)
        except errors.PointsNotEnabled:
            continue
        refreshed = NOT_ATTEMPTED
        if program.mode == ProgramMode.PASS_THROUGH.value:
            refreshed = refresh_balance(channel_id, external_id)
        try:
            found = balance(channel_id, external_id)
            available, held, expiring, period = (
                found.available,
                found.held,
                found.expiring,
                found.period,
            )
        except (errors.MemberNotFound, errors.PeriodClosed):
            available, held, expiring, period = 0, 0, [], None
        history, _ = transactions(channel_id, member=external_id, limit=20)
        views.append(
            MemberPointsView(
                channel=slug,
                external_id=external_id,
                available=available,
                held=held,
                expiring=expiring,
                period=period,
                history=history,
                balance_refreshed_at=refreshed.at,
                balance_refresh_error=refreshed.error,
            )
        )
    return views
