"""Redemption, in two phases: a checkout's hold (a pending transfer with a
timeout), then posted (all or part; the rest released) or voided."""

from __future__ import annotations

from typing import Optional, Tuple

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
from .models import PointsAccount, PointsProgram, PointsTransfer, SettlementPeriod
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
    return _hold(
        channel_id,
        external_id,
        points,
        transfer_id=transfer_id,
        reference=reference,
        timeout_seconds=timeout_seconds,
    )[0]


def hold_and_post(
    channel_id: int,
    external_id: str,
    points: int,
    *,
    transfer_id: str,
    post_transfer_id: str,
    reference: str,
) -> Tuple[TransferView, TransferView]:
    """``hold`` then ``post_hold`` of all of it, in one transaction with one
    read of the program and one lock of the accounts (a checkout paid and
    captured at once). A retry replays both; ``(hold, post)``."""
    held, posted = _hold(
        channel_id,
        external_id,
        points,
        transfer_id=transfer_id,
        reference=reference,
        post_transfer_id=post_transfer_id,
    )
    if posted is None:  # the hold was a replay: so is the post, or it is new
        posted = post_hold(channel_id, held.id, transfer_id=post_transfer_id)
    return held, posted


def _hold(
    channel_id: int,
    external_id: str,
    points: int,
    *,
    transfer_id: str,
    reference: str,
    timeout_seconds: Optional[int] = None,
    post_transfer_id: Optional[str] = None,
) -> Tuple[TransferView, Optional[TransferView]]:
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
    if post_transfer_id is not None:
        ledger.check_transfer_id(post_transfer_id)
    # Posting at once also locks the redeemed account (with the others).
    posting = [(AccountKind.REDEEMED, None, "")] if post_transfer_id else []
    with transaction.atomic():
        program = require_program(channel_id)
        ledger.lock_transfer_id(channel_id, transfer_id)
        first = ledger.replay(channel_id, transfer_id, params)
        if first is not None:
            return first, None
        now = timezone.now()
        period = spendable_period(channel_id, now)
        if program.mode == ProgramMode.PASS_THROUGH.value:
            claim = pass_through.locked_claim(channel_id, external_id)
            source, hold_account, *redeemed = lock_by_keys(
                channel_id,
                [(AccountKind.QUOTA, period, ""), (AccountKind.HOLD, None, "")]
                + posting,
            )
            recheck_open(period, program.mode)
            release_timed_out(channel_id, source, hold_account, now, member=external_id)
            available = pass_through.available(claim)
        else:
            # Not the quota: grants bound what allowances can spend, so holds
            # and grants of one channel need not wait for each other.
            source, hold_account, expired, *redeemed = lock_by_keys(
                channel_id,
                [
                    (AccountKind.ALLOWANCE, period, external_id),
                    (AccountKind.HOLD, None, ""),
                    (AccountKind.EXPIRED, None, ""),
                ]
                + posting,
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
        if post_transfer_id is None:
            return ledger.view(row), None
        ledger.lock_transfer_id(channel_id, post_transfer_id)
        post_params = {"op": "post", "hold_id": transfer_id, "points": None}
        # A new hold has no post yet: a post_transfer_id used before fails on
        # the transfer id's unique key (all rolled back).
        rows = ledger.apply(
            channel_id,
            post_transfer_id,
            _post_legs(row, source, hold_account, redeemed[0], points),
            now,
            post_params,
        )
        rows[0].pending = row
        posted = ledger.view(rows[0])
        _emit_redeemed(program, posted, row, points, transfer_id)
        return ledger.view(row), posted


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
        # By id: the hold's accounts are read once, locked.
        locked = ledger.lock_accounts(
            [
                PointsAccount(pk=pending.debit_account_id),
                PointsAccount(pk=pending.credit_account_id),
                redeemed,
            ]
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
            legs = _post_legs(pending, debit, hold_account, locked[redeemed.pk], amount)
        rows = ledger.apply(channel_id, transfer_id, legs, now, params)
        rows[0].pending = pending
        result = ledger.view(rows[0])
        if post:
            _emit_redeemed(program, result, pending, amount, hold_id)
        return result


def _post_legs(pending, debit, hold_account, redeemed, amount: int):
    """Post ``amount`` of the pending hold to redeemed (the rest released)."""
    return [
        ledger.Leg(
            TransferCode.POST,
            TransferKind.POST_PENDING,
            debit,
            hold_account,
            amount,
            period=pending.period,
            member=pending.member,
            reference=pending.reference,
            pending=pending,
        ),
        ledger.Leg(
            TransferCode.POST,
            TransferKind.SINGLE,
            hold_account,
            redeemed,
            amount,
            pending.period,
            member=pending.member,
            reference=pending.reference,
        ),
    ]


def _emit_redeemed(program, posted: TransferView, pending, amount, hold_id) -> None:
    webhooks.emit(
        program,
        webhooks.REDEEMED,
        {
            "transfer": posted.as_api(),
            "member": pending.member,
            "points": amount,
            "held": pending.points,
            "hold_id": hold_id,
            "period_id": pending.period_id,
        },
    )


def post_hold(
    channel_id: int, hold_id: str, *, transfer_id: str, points: Optional[int] = None
) -> TransferView:
    """Capture a hold: post ``points`` (default: all) to redeemed, release the
    rest, and queue the channel's ``points.redeemed`` webhook."""
    return _resolve(channel_id, hold_id, transfer_id, points, post=True)


def void_hold(channel_id: int, hold_id: str, *, transfer_id: str) -> TransferView:
    """Release a hold in full."""
    return _resolve(channel_id, hold_id, transfer_id, None, post=False)
