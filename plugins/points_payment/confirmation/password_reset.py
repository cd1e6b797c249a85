"""Resetting a forgotten payment password with a one-time code.

1. ``request_reset``: a 6-digit code, valid 5 minutes, goes to the member
   through the channel's code sender (the same pluggable senders as payment
   codes: event ``points.password_reset_code`` on the webhook, an e-mail, or
   the log). A new code replaces the member's earlier open one; at most 5
   reset codes per member per 15 minutes.
2. ``reset_with_code``: the right code sets the new password and clears the
   lock. A wrong code counts towards the payment password's lock (the same
   5-in-a-row, 15-minute lock as wrong passwords; the 5th also kills the
   code), and no code is accepted, or sent, while the password is locked.

Misses are counted under the password row's lock and committed before the
refusal is raised, so concurrent guesses are counted one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Optional

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from plugins.channel_pricing.member_checkout import member_for_user_id

from ..models import PaymentPassword, PaymentPasswordResetCode
from . import senders
from .codes import refuse_too_many_codes
from .errors import ConfirmationError
from .passwords import locked_error
from .quotes import program_or_refuse
from .rules import (
    CODE_LIFETIME,
    PasswordState,
    PointsPaymentErrorCode,
    new_code,
    password_problem,
)

_HASH_SALT = "flash.points.password_reset_code"


@dataclass(frozen=True)
class ResetCodeSent:
    sent_to: str
    expires_at: datetime


def reset_code_hash(member_id: int, code: str) -> str:
    return salted_hmac(_HASH_SALT, f"{member_id}:{code}").hexdigest()


def _member(user_id: int):
    member = member_for_user_id(user_id)
    if member is None:
        raise ConfirmationError(
            PointsPaymentErrorCode.NOT_A_MEMBER,
            "Only channel members have a payment password.",
        )
    return member


def _locked_password_row(member_id: int) -> PaymentPassword:
    row = PaymentPassword.objects.select_for_update().filter(member_id=member_id)
    row = row.first()
    if row is None:
        raise ConfirmationError(
            PointsPaymentErrorCode.PASSWORD_NOT_SET,
            "You have no payment password yet; set one instead.",
        )
    return row


def request_reset(user_id: int, now: Optional[datetime] = None) -> ResetCodeSent:
    """Send the signed-in member a code to set a new payment password."""
    member = _member(user_id)
    program = program_or_refuse(member.channel_id)
    now = now or timezone.now()
    with transaction.atomic():
        row = _locked_password_row(member.pk)  # serialises the member's requests
        if PasswordState(row.failed_attempts, row.locked_until).locked(now):
            raise locked_error(row.locked_until)
        refuse_too_many_codes(PaymentPasswordResetCode, member.pk, now)
        PaymentPasswordResetCode.objects.filter(
            member_id=member.pk, used_at__isnull=True
        ).update(used_at=now)
        code = new_code()
        expires_at = now + CODE_LIFETIME
        PaymentPasswordResetCode.objects.create(
            member_id=member.pk,
            code_hash=reset_code_hash(member.pk, code),
            created_at=now,
            expires_at=expires_at,
        )
        sent_to = senders.send_code(
            program.code_sender,
            senders.CodeMessage(
                program=program,
                channel_slug=member.channel.slug,
                external_id=member.external_id,
                member_email=member.email,
                code=code,
                expires_at=expires_at,
                amount=Decimal(0),
                currency="",
                points=0,
                purpose=senders.PASSWORD_RESET,
            ),
        )
    return ResetCodeSent(sent_to, expires_at)


def reset_with_code(
    user_id: int, code: str, password: str, now: Optional[datetime] = None
) -> None:
    """Set a new payment password with a reset code; a wrong code counts
    towards the password's lock (committed before the refusal)."""
    problem = password_problem(password)
    if problem:
        raise ConfirmationError(
            PointsPaymentErrorCode.PASSWORD_TOO_WEAK, problem, "password"
        )
    member = _member(user_id)
    now = now or timezone.now()
    refusal: Optional[ConfirmationError] = None
    with transaction.atomic():
        row = _locked_password_row(member.pk)
        state = PasswordState(row.failed_attempts, row.locked_until)
        if state.locked(now):
            raise locked_error(row.locked_until)
        reset = (
            PaymentPasswordResetCode.objects.select_for_update()
            .filter(member_id=member.pk, used_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if reset is None:
            raise ConfirmationError(
                PointsPaymentErrorCode.NO_CODE, "Request a reset code first.", "code"
            )
        if now >= reset.expires_at:
            raise ConfirmationError(
                PointsPaymentErrorCode.CODE_EXPIRED,
                "The code has expired; request a new one.",
                "code",
            )
        expected = reset_code_hash(member.pk, (code or "").strip())
        if constant_time_compare(expected, reset.code_hash):
            row.password = make_password(password)
            row.failed_attempts, row.locked_until = 0, None
            row.updated_at = now
            row.save(
                update_fields=[
                    "password",
                    "failed_attempts",
                    "locked_until",
                    "updated_at",
                ]
            )
            reset.used_at = now
            reset.save(update_fields=["used_at"])
            return
        state = state.after_miss(now)
        row.failed_attempts = state.failed_attempts
        row.locked_until = state.locked_until
        row.save(update_fields=["failed_attempts", "locked_until"])
        if state.locked(now):
            reset.used_at = now  # the lock also kills the code
            reset.save(update_fields=["used_at"])
            refusal = locked_error(state.locked_until)
        else:
            refusal = ConfirmationError(
                PointsPaymentErrorCode.CODE_INVALID, "Wrong code.", "code"
            )
    raise refusal  # after the commit: the miss stays counted
