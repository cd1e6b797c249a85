"""Pass-through mode: the member's balance lives in the channel's system and
reaches us as the ``points`` claim of each SSO sign-in token.

We keep the latest claim per member (``SignInBalance``: points, token id,
``iat``) and no balance of our own. What the member may spend now is

    available = claim - (points held now, whenever placed)
                      - (points redeemed at or after iat - SETTLE_SECONDS)

so one sign-in's balance is never spent twice: a second sign-in with an
older or equal balance cannot add points we already held or redeemed, and
an older token arriving late never replaces a newer claim. Redemptions
posted before ``iat - SETTLE_SECONDS`` are taken as already deducted by the
channel (it learns of each one through the ``points.redeemed`` webhook).
Refunds are not added back to a claim: the channel re-credits its member
(``points.refunded``) and the next sign-in's claim shows it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from . import errors
from .domain import ProgramMode, TransferCode, TransferKind, TransferState
from .models import PointsTransfer, SignInBalance
from .programs import program_for_channel


def settle_seconds() -> int:
    return int(getattr(settings, "FLASH_POINTS_PASS_THROUGH_SETTLE_SECONDS", 300))


def record_sign_in_balance(
    channel_id: int,
    external_id: str,
    points: int,
    *,
    token_id: str,
    issued_at: datetime,
) -> bool:
    """Keep a sign-in's ``points`` claim if it is newer than the one we have.

    Returns whether it was recorded (False: not a pass-through channel, or
    an older token). Runs inside the sign-in's transaction.
    """
    program = program_for_channel(channel_id)
    if program is None or program.mode != ProgramMode.PASS_THROUGH.value:
        return False
    if not isinstance(points, int) or isinstance(points, bool) or points < 0:
        raise errors.InvalidPoints("The points claim must be a whole number >= 0.")
    with transaction.atomic():
        claim = _locked_claim(channel_id, external_id)
        if claim is None:
            try:
                with transaction.atomic():
                    SignInBalance.objects.create(
                        channel_id=channel_id,
                        external_id=external_id,
                        points=points,
                        token_id=token_id,
                        issued_at=issued_at,
                    )
                return True
            except IntegrityError:  # a concurrent first sign-in
                claim = _locked_claim(channel_id, external_id)
        if issued_at <= claim.issued_at:
            return False
        claim.points, claim.token_id, claim.issued_at = points, token_id, issued_at
        claim.save(update_fields=["points", "token_id", "issued_at"])
        return True


def _locked_claim(channel_id: int, external_id: str) -> Optional[SignInBalance]:
    return (
        SignInBalance.objects.select_for_update()
        .filter(channel_id=channel_id, external_id=external_id)
        .first()
    )


def locked_claim(channel_id: int, external_id: str) -> SignInBalance:
    """The member's claim, locked (taken before any account lock)."""
    claim = _locked_claim(channel_id, external_id)
    if claim is None:
        raise errors.MemberNotFound(
            "No sign-in with a points claim for this member yet."
        )
    return claim


def spent_against(claim: SignInBalance) -> int:
    since = claim.issued_at - timedelta(seconds=settle_seconds())
    member = PointsTransfer.objects.filter(
        channel_id=claim.channel_id, member=claim.external_id
    )
    total = member.filter(
        Q(kind=TransferKind.PENDING.value, state=TransferState.PENDING.value)
        | Q(
            kind=TransferKind.POST_PENDING.value,
            code=TransferCode.POST.value,
            created_at__gte=since,
        )
    ).aggregate(total=Sum("points"))["total"]
    return total or 0


def available(claim: SignInBalance) -> int:
    return max(0, claim.points - spent_against(claim))
