"""Redemption, in two phases: a checkout's hold (a pending transfer with a
timeout), then posted (all or part; the rest released) or voided."""

from __future__ import annotations

from typing import Optional

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from . import errors, ledger, pass_through, webhooks
from .allowances import (
    check_member,
    check_points,
    check_reference,
    expire_lapsed,
    release_timed_out,
)
from .domain import (
    AccountKind,
    ProgramMode,
    TransferCode,
    TransferKind,
    TransferState,
    hold_deadline,
)
from .models import PointsProgram, PointsTransfer, SettlementPeriod
from .periods import recheck_open, spendable_period
from .programs import account, lock_by_keys, require_program
from .records import TransferView


def spent_in_period(channel_id: int, period: SettlementPeriod, member: str) -> int:
    """What the member holds or redeemed in the period (the per-member cap)."""
    total = (
        PointsTransfer.objects.filter(
            channel_id=channel_id, period=period, member=member
        )
        .filter(
            Q(kind=TransferKind.PENDING.value, state=TransferState.PENDING.value)
            | Q(kind=TransferKind.POST_PENDING.value)
        )
        .aggregate(total=Sum("points"))["total"]
    )
    return total or 0


def _check_cap(program: PointsProgram, period, member: str, points: int) -> None:
    cap = program.member_cap_per_period
    if cap is None:
        return
    spent = spent_in_period(program.channel_id, period, member)
    if spent + points > cap:
        raise errors.AllowanceCapExceeded(
            f"{points} points asked; {spent} of the member's {cap} used this period."
        )


def hold(
    channel_id: int,
    external_id: str,
    points: int,
    *,
    transfer_id: str,
    reference: str,
    timeout_seconds: Optional[int] = None,
) -> TransferView:
    """Hold a member's points for a checkout (pending transfer to the
    channel's hold account). Checks the period, the member's balance and
    cap, and the channel's quota. Times out after ``timeout_seconds``
    (default: the program's) and never after the period's end."""
    check_member(external_id)
    check_points(points)
    check_reference(reference)
    ledger.check_transfer_id(transfer_id)
    if timeout_seconds is not None and (
        not isinstance(timeout_seconds, int) or timeout_seconds <= 0
    ):
        raise errors.PointsError("timeout_seconds must be > 0.", "timeout_seconds")
    params = {
        "op": "hold",
        "member": external_id,
        "points": points,
        "reference": reference,
        "timeout_seconds": timeout_seconds,
    }
    with transaction.atomic():
        program = require_program(channel_id)
        ledger.lock_transfer_id(channel_id, transfer_id)
        first = ledger.replay(channel_id, transfer_id, params)
        if first is not None:
            return first
        now = timezone.now()
        period = spendable_period(channel_id, now)
        if program.mode == ProgramMode.PASS_THROUGH.value:
            claim = pass_through.locked_claim(channel_id, external_id)
            source, hold_account = lock_by_keys(
                channel_id,
                [(AccountKind.QUOTA, period, ""), (AccountKind.HOLD, None, "")],
            )
            recheck_open(period, program.mode)
            release_timed_out(channel_id, source, hold_account, now, member=external_id)
            available = pass_through.available(claim)
        else:
            # Not the quota: grants bound what allowances can spend, so holds
            # and grants of one channel need not wait for each other.
            source, hold_account, expired = lock_by_keys(
                channel_id,
                [
                    (AccountKind.ALLOWANCE, period, external_id),
                    (AccountKind.HOLD, None, ""),
                    (AccountKind.EXPIRED, None, ""),
                ],
                create=False,
            )
            if source is None:
                raise errors.MemberNotFound()
            recheck_open(period, program.mode)
            release_timed_out(channel_id, source, hold_account, now)
            expire_lapsed(program, source, expired, now)
            available = source.available
        if available < points:
            raise errors.InsufficientPoints(
                f"{points} points asked, {available} available."
            )
        _check_cap(program, period, external_id, points)
        if source.kind == AccountKind.QUOTA.value and source.available < points:
            raise errors.QuotaExceeded(
                f"{points} points asked, {source.available} left in the quota."
            )
        timeout = hold_deadline(
            now, timeout_seconds or program.hold_timeout_seconds, period.ends_at
        )
        (row,) = ledger.apply(
            channel_id,
            transfer_id,
            [
                ledger.Leg(
                    TransferCode.HOLD,
                    TransferKind.PENDING,
                    source,
                    hold_account,
                    points,
                    period,
                    member=external_id,
                    reference=reference,
                    timeout_at=timeout,
                )
            ],
            now,
            params,
        )
        return ledger.view(row)


def _find_hold(channel_id: int, hold_id: str) -> PointsTransfer:
    found = (
        PointsTransfer.objects.select_related("period")
        .filter(
            channel_id=channel_id,
            transfer_id=hold_id,
            leg=0,
            kind=TransferKind.PENDING.value,
        )
        .first()
    )
    if found is None:
        raise errors.HoldNotFound()
    return found


def _resolve(
    channel_id: int,
    hold_id: str,
    transfer_id: str,
    points: Optional[int],
    post: bool,
) -> TransferView:
    ledger.check_transfer_id(transfer_id)
    if points is not None:
        check_points(points)
    params = {"op": "post" if post else "void", "hold_id": hold_id, "points": points}
    with transaction.atomic():
        program = require_program(channel_id)
        ledger.lock_transfer_id(channel_id, transfer_id)
        first = ledger.replay(channel_id, transfer_id, params)
        if first is not None:
            return first
        now = timezone.now()
        pending = _find_hold(channel_id, hold_id)
        redeemed = account(channel_id, AccountKind.REDEEMED)
        locked = ledger.lock_accounts(
            [pending.debit_account, pending.credit_account, redeemed]
        )
        pending.refresh_from_db(fields=["state"])
        if pending.state != TransferState.PENDING.value:
            raise errors.HoldNotPending()
        if post and pending.timeout_at is not None and pending.timeout_at <= now:
            raise errors.HoldNotPending("The hold timed out.")
        debit = locked[pending.debit_account_id]
        hold_account = locked[pending.credit_account_id]
        common = dict(
            period=pending.period,
            member=pending.member,
            reference=pending.reference,
            pending=pending,
        )
        if not post:
            legs = [
                ledger.Leg(
                    TransferCode.VOID,
                    TransferKind.VOID_PENDING,
                    debit,
                    hold_account,
                    pending.points,
                    **common,
                )
            ]
        else:
            amount = pending.points if points is None else points
            if amount > pending.points:
                raise errors.InvalidPoints(
                    f"The hold is for {pending.points} points; {amount} asked."
                )
            legs = [
                ledger.Leg(
                    TransferCode.POST,
                    TransferKind.POST_PENDING,
                    debit,
                    hold_account,
                    amount,
                    **common,
                ),
                ledger.Leg(
                    TransferCode.POST,
                    TransferKind.SINGLE,
                    hold_account,
                    locked[redeemed.pk],
                    amount,
                    pending.period,
                    member=pending.member,
                    reference=pending.reference,
                ),
            ]
        rows = ledger.apply(channel_id, transfer_id, legs, now, params)
        rows[0].pending = pending
        result = ledger.view(rows[0])
        if post:
            webhooks.emit(
                program,
                webhooks.REDEEMED,
                {
                    "transfer": result.as_api(),
                    "member": pending.member,
                    "points": amount,
                    "held": pending.points,
                    "hold_id": hold_id,
                    "period_id": pending.period_id,
                },
            )
        return result


def post_hold(
    channel_id: int, hold_id: str, *, transfer_id: str, points: Optional[int] = None
) -> TransferView:
    """Capture a hold: post ``points`` (default: all) to redeemed, release the
    rest, and queue the channel's ``points.redeemed`` webhook."""
    return _resolve(channel_id, hold_id, transfer_id, points, post=True)


def void_hold(channel_id: int, hold_id: str, *, transfer_id: str) -> TransferView:
    """Release a hold in full."""
    return _resolve(channel_id, hold_id, transfer_id, None, post=False)
