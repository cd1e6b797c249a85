"""Refunds of redemptions, after the channel's policy.

A refund the buyer asked for (``involuntary=False``) follows the program's
``refund_policy``: ``refuse`` raises ``RefundRefused``. One the buyer did not
ask for (a provider cannot ship, a pre-order misses its minimum, the
checkout guard's rescue) always gives the points back. Where they go:

- allowance mode: back to the member's allowance of the redemption's period,
  valid until the allowance's latest validity end; if that has passed (or
  the period is closed), to the channel's expired account instead;
- pass-through mode: back into the period's quota while the period is open
  and valid, else to the channel's refunded account; the channel re-credits
  its member on the ``points.refunded`` webhook.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from . import errors, ledger, webhooks
from .allowances import check_points, validity_end
from .domain import (
    AccountKind,
    PeriodState,
    ProgramMode,
    RefundPolicy,
    TransferCode,
    TransferKind,
)
from .models import PointsTransfer, SettlementPeriod
from .programs import account, find_account, require_program
from .records import TransferView


def _find_redemption(channel_id: int, redemption_id: str) -> PointsTransfer:
    """The post leg of a redemption, by the post's transfer id or the hold's."""
    posts = PointsTransfer.objects.select_related("period", "pending").filter(
        channel_id=channel_id,
        kind=TransferKind.POST_PENDING.value,
        code=TransferCode.POST.value,
    )
    found = posts.filter(transfer_id=redemption_id, leg=0).first()
    if found is None:
        found = posts.filter(pending__transfer_id=redemption_id).first()
    if found is None:
        raise errors.RedemptionNotFound()
    return found


def refund(
    channel_id: int,
    redemption_id: str,
    points: int,
    *,
    transfer_id: str,
    involuntary: bool,
) -> TransferView:
    """Give back (part of) a redemption; queue ``points.refunded``."""
    check_points(points)
    ledger.check_transfer_id(transfer_id)
    params = {
        "op": "refund",
        "redemption_id": redemption_id,
        "points": points,
        "involuntary": bool(involuntary),
    }
    with transaction.atomic():
        program = require_program(channel_id)
        if not involuntary and program.refund_policy == RefundPolicy.REFUSE.value:
            raise errors.RefundRefused()
        ledger.lock_transfer_id(channel_id, transfer_id)
        first = ledger.replay(channel_id, transfer_id, params)
        if first is not None:
            return first
        now = timezone.now()
        redemption = _find_redemption(channel_id, redemption_id)
        period = redemption.period
        redeemed = account(channel_id, AccountKind.REDEEMED)
        expired = account(channel_id, AccountKind.EXPIRED)
        refunded = account(channel_id, AccountKind.REFUNDED)
        quota = account(channel_id, AccountKind.QUOTA, period)
        allowance = None
        if program.mode == ProgramMode.ALLOWANCE.value:
            allowance = find_account(
                channel_id, AccountKind.ALLOWANCE, period, redemption.member
            )
        locked = ledger.lock_accounts(
            [a for a in (redeemed, expired, refunded, quota, allowance) if a]
        )
        already = (
            PointsTransfer.objects.filter(
                pending=redemption, code=TransferCode.REFUND.value
            ).aggregate(total=Sum("points"))["total"]
            or 0
        )
        if points > redemption.points - already:
            raise errors.InvalidPoints(
                f"{redemption.points - already} points of this redemption are "
                "left to refund."
            )
        period_state = (
            SettlementPeriod.objects.filter(pk=period.pk)
            .values_list("state", flat=True)
            .first()
        )
        open_now = period_state == PeriodState.OPEN.value and now < period.ends_at
        expires_at = None
        if allowance is not None:
            valid_until = validity_end(locked[allowance.pk])
            if open_now and valid_until is not None and valid_until > now:
                destination, expires_at = locked[allowance.pk], valid_until
            else:
                destination = locked[expired.pk]
        else:
            destination = locked[quota.pk] if open_now else locked[refunded.pk]
        (row,) = ledger.apply(
            channel_id,
            transfer_id,
            [
                ledger.Leg(
                    TransferCode.REFUND,
                    TransferKind.SINGLE,
                    locked[redeemed.pk],
                    destination,
                    points,
                    period,
                    member=redemption.member,
                    reference=redemption.reference,
                    pending=redemption,
                    expires_at=expires_at,
                )
            ],
            now,
            params,
        )
        result = ledger.view(row)
        webhooks.emit(
            program,
            webhooks.REFUNDED,
            {
                "transfer": result.as_api(),
                "member": redemption.member,
                "points": points,
                "redemption_id": redemption.transfer_id,
                "hold_id": redemption.pending.transfer_id,
                "involuntary": bool(involuntary),
                "returned_to": destination.kind,
                "period_id": period.pk,
            },
        )
        return result
