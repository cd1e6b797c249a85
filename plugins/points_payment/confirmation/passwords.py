"""Payment passwords: set, check; 5 wrong in a row lock for 15 minutes.

Checks run under the password row's lock and a miss is committed before the
refusal is raised, so concurrent guesses are counted one by one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from plugins.channel_pricing.member_checkout import member_for_user_id

from ..models import PaymentPassword
from . import tokens
from .errors import ConfirmationError
from .quotes import CheckoutQuote
from .rules import (
    ConfirmationMethod,
    PasswordState,
    PointsPaymentErrorCode,
    password_problem,
)


def locked_error(until: datetime) -> ConfirmationError:
    return ConfirmationError(
        PointsPaymentErrorCode.PASSWORD_LOCKED,
        f"Too many wrong payment passwords; locked until {until:%H:%M:%S} UTC.",
        "password",
    )


def _check_locked_row(row: PaymentPassword, password: str, now: datetime):
    """``None`` when ``password`` is right (row reset), else the refusal to
    raise after the commit (the miss counted)."""
    state = PasswordState(row.failed_attempts, row.locked_until)
    if state.locked(now):
        return locked_error(row.locked_until)
    if check_password(password or "", row.password):
        row.failed_attempts, row.locked_until = 0, None
        row.save(update_fields=["failed_attempts", "locked_until"])
        return None
    state = state.after_miss(now)
    row.failed_attempts, row.locked_until = state.failed_attempts, state.locked_until
    row.save(update_fields=["failed_attempts", "locked_until"])
    if state.locked(now):
        return locked_error(state.locked_until)
    return ConfirmationError(
        PointsPaymentErrorCode.PASSWORD_INVALID, "Wrong payment password.", "password"
    )


def has_password(member_id: int) -> bool:
    return PaymentPassword.objects.filter(member_id=member_id).exists()


def set_password(
    member_id: int,
    password: str,
    current_password: Optional[str] = None,
    now: Optional[datetime] = None,
) -> None:
    """Set the member's payment password; changing one needs the current one
    (a wrong current password counts towards the lock)."""
    problem = password_problem(password)
    if problem:
        raise ConfirmationError(
            PointsPaymentErrorCode.PASSWORD_TOO_WEAK, problem, "password"
        )
    now = now or timezone.now()
    refusal = None
    with transaction.atomic():
        row = PaymentPassword.objects.select_for_update().filter(member_id=member_id)
        row = row.first()
        if row is None:
            PaymentPassword.objects.get_or_create(
                member_id=member_id,
                defaults={"password": make_password(password), "updated_at": now},
            )
            return
        refusal = _check_locked_row(row, current_password or "", now)
        if (
            refusal is not None
            and refusal.code == PointsPaymentErrorCode.PASSWORD_INVALID
        ):
            refusal.field = "current_password"
            refusal.message = "Wrong current payment password."
        if refusal is None:
            row.password = make_password(password)
            row.updated_at = now
            row.save(update_fields=["password", "updated_at"])
    if refusal is not None:
        raise refusal


def set_member_password(
    user_id: int, password: str, current_password: Optional[str] = None
) -> None:
    """``set_password`` for the signed-in user's membership."""
    member = member_for_user_id(user_id)
    if member is None:
        raise ConfirmationError(
            PointsPaymentErrorCode.NOT_A_MEMBER,
            "Only channel members have a payment password.",
        )
    set_password(member.pk, password, current_password)


def confirm_password(
    quote: CheckoutQuote, password: str, now: Optional[datetime] = None
) -> tokens.IssuedToken:
    """A token when ``password`` is the member's payment password."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            PaymentPassword.objects.select_for_update()
            .filter(member_id=quote.member_id)
            .first()
        )
        if row is None:
            raise ConfirmationError(
                PointsPaymentErrorCode.PASSWORD_NOT_SET,
                "Set a payment password first.",
                "password",
            )
        refusal = _check_locked_row(row, password, now)
        if refusal is None:
            issued = tokens.issue(quote, ConfirmationMethod.PAYMENT_PASSWORD.value, now)
    if refusal is not None:
        raise refusal
    return issued
