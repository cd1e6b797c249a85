"""Allowance mode: grants from the period's quota to members, revocations
back into it, and the expiry of grants whose validity ended.

Spending uses the points that lapse first (FIFO by validity end), so what
lapsed unspent is the sum of the ended credits minus every debit so far
(``domain.lapsed_points``); it moves to the channel's expired account.
"""

from __future__ import annotations

from datetime import datetime
from typing import List, Optional, Tuple

from django.db import transaction
from django.utils import timezone

from . import errors, ledger, webhooks
from .domain import (
    AccountKind,
    ProgramMode,
    TransferCode,
    TransferKind,
    TransferState,
    expiry_for_grant,
    lapsed_points,
    valid_points,
)
from .models import PointsAccount, PointsProgram, PointsTransfer, SettlementPeriod
from .periods import recheck_open, spendable_period
from .programs import lock_by_keys, require_program
from .records import TransferView

POSTED_KINDS = (TransferKind.SINGLE.value, TransferKind.POST_PENDING.value)


def check_member(external_id) -> str:
    if not isinstance(external_id, str) or not 0 < len(external_id) <= 128:
        raise errors.MemberNotFound("A member id is 1 to 128 characters.")
    return external_id


def check_reference(reference) -> str:
    if not isinstance(reference, str) or len(reference) > 255:
        raise errors.InvalidReference()
    return reference


def check_moment(value, param: str = "expires_at") -> None:
    """An aware datetime (or None)."""
    if value is not None and (
        not isinstance(value, datetime) or value.utcoffset() is None
    ):
        raise errors.InvalidExpiresAt(
            "Give a date and time with its time zone.", param=param
        )


def check_points(points) -> int:
    if not valid_points(points):
        raise errors.InvalidPoints()
    return points


def lots(allowance: PointsAccount) -> List[Tuple[int, datetime]]:
    """The allowance's credits with their validity ends (grants, refunds)."""
    return [
        (points, expires_at)
        for points, expires_at in PointsTransfer.objects.filter(
            credit_account=allowance, kind__in=POSTED_KINDS, expires_at__isnull=False
        ).values_list("points", "expires_at")
    ]


def consumed(allowance: PointsAccount) -> int:
    return allowance.debits_posted + allowance.debits_pending


def validity_end(allowance: PointsAccount) -> Optional[datetime]:
    ends = [expires_at for _, expires_at in lots(allowance)]
    return max(ends) if ends else None


def expire_lapsed(
    program: PointsProgram,
    allowance: PointsAccount,
    expired: PointsAccount,
    now: datetime,
) -> int:
    """Move lapsed, unspent points to expired (both accounts locked)."""
    points = lapsed_points(lots(allowance), consumed(allowance), now)
    if points <= 0:
        return 0
    period = SettlementPeriod.objects.get(pk=allowance.period_id)
    ledger.apply(
        program.channel_id,
        ledger.system_transfer_id("expire"),
        [
            ledger.Leg(
                TransferCode.EXPIRE,
                TransferKind.SINGLE,
                allowance,
                expired,
                points,
                period,
                member=allowance.external_id,
                reference="validity ended",
            )
        ],
        now,
    )
    webhooks.emit(
        program,
        webhooks.EXPIRED,
        {
            "member": allowance.external_id,
            "points": points,
            "period_id": period.pk,
            "expired_at": now.isoformat(),
        },
    )
    return points


def release_timed_out(
    channel_id: int,
    debit_account: PointsAccount,
    hold_account: PointsAccount,
    now: datetime,
    member: Optional[str] = None,
) -> int:
    """Void the timed-out holds on ``debit_account`` (both accounts locked)."""
    timed_out = PointsTransfer.objects.select_related("period").filter(
        channel_id=channel_id,
        debit_account=debit_account,
        kind=TransferKind.PENDING.value,
        state=TransferState.PENDING.value,
        timeout_at__lte=now,
    )
    if member is not None:
        timed_out = timed_out.filter(member=member)
    released = 0
    for pending in timed_out.order_by("pk"):
        ledger.apply(
            channel_id,
            f"flash:timeout:{pending.pk}",
            [
                ledger.Leg(
                    TransferCode.VOID,
                    TransferKind.VOID_PENDING,
                    debit_account,
                    hold_account,
                    pending.points,
                    pending.period,
                    member=pending.member,
                    reference="hold timed out",
                    pending=pending,
                )
            ],
            now,
        )
        released += 1
    return released


def grant(
    channel_id: int,
    external_id: str,
    points: int,
    *,
    transfer_id: str,
    expires_at: Optional[datetime] = None,
    reference: str = "",
) -> TransferView:
    """Grant points from the period's quota to a member (allowance mode).

    Creates the member's allowance account if new. ``expires_at`` defaults to
    the period's end and may not be later.
    """
    check_member(external_id)
    check_points(points)
    check_reference(reference)
    check_moment(expires_at)
    ledger.check_transfer_id(transfer_id)
    params = {
        "op": "grant",
        "member": external_id,
        "points": points,
        "expires_at": expires_at,
        "reference": reference,
    }
    with transaction.atomic():
        require_program(channel_id, ProgramMode.ALLOWANCE)
        ledger.lock_transfer_id(channel_id, transfer_id)
        first = ledger.replay(channel_id, transfer_id, params)
        if first is not None:
            return first
        now = timezone.now()
        period = spendable_period(channel_id, now)
        validity = expiry_for_grant(expires_at, now, period.ends_at)
        if validity is None:
            raise errors.InvalidExpiresAt()
        quota, allowance = lock_by_keys(
            channel_id,
            [
                (AccountKind.QUOTA, period, ""),
                (AccountKind.ALLOWANCE, period, external_id),
            ],
        )
        recheck_open(period)
        if quota.available < points:
            raise errors.QuotaExceeded(
                f"{points} points asked, {quota.available} left in the quota."
            )
        (row,) = ledger.apply(
            channel_id,
            transfer_id,
            [
                ledger.Leg(
                    TransferCode.GRANT,
                    TransferKind.SINGLE,
                    quota,
                    allowance,
                    points,
                    period,
                    member=external_id,
                    reference=reference,
                    expires_at=validity,
                )
            ],
            now,
            params,
        )
        return ledger.view(row)


def revoke(
    channel_id: int,
    external_id: str,
    points: int,
    *,
    transfer_id: str,
    reference: str = "",
) -> TransferView:
    """Take a member's unspent points back into the period's quota."""
    check_member(external_id)
    check_points(points)
    check_reference(reference)
    ledger.check_transfer_id(transfer_id)
    params = {
        "op": "revoke",
        "member": external_id,
        "points": points,
        "reference": reference,
    }
    with transaction.atomic():
        program = require_program(channel_id, ProgramMode.ALLOWANCE)
        ledger.lock_transfer_id(channel_id, transfer_id)
        first = ledger.replay(channel_id, transfer_id, params)
        if first is not None:
            return first
        now = timezone.now()
        period = spendable_period(channel_id, now)
        allowance, quota, hold_account, expired = lock_by_keys(
            channel_id,
            [
                (AccountKind.ALLOWANCE, period, external_id),
                (AccountKind.QUOTA, period, ""),
                (AccountKind.HOLD, None, ""),
                (AccountKind.EXPIRED, None, ""),
            ],
            create=False,
        )
        if allowance is None:
            raise errors.MemberNotFound()
        recheck_open(period)
        release_timed_out(channel_id, allowance, hold_account, now)
        expire_lapsed(program, allowance, expired, now)
        if allowance.available < points:
            raise errors.InsufficientPoints(
                f"{points} points asked, {allowance.available} unspent."
            )
        (row,) = ledger.apply(
            channel_id,
            transfer_id,
            [
                ledger.Leg(
                    TransferCode.REVOKE,
                    TransferKind.SINGLE,
                    allowance,
                    quota,
                    points,
                    period,
                    member=external_id,
                    reference=reference,
                )
            ],
            now,
            params,
        )
        return ledger.view(row)
