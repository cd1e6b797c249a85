"""One-time codes: request (sent through the channel's sender) and check.

Attempts are counted under the code row's lock and committed even when the
answer is a refusal, so concurrent guesses cannot get past 5 tries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Optional

from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from ..models import PaymentCode
from . import senders, tokens
from .errors import ConfirmationError
from .quotes import CheckoutQuote
from .rules import (
    CODE_LIFETIME,
    CODE_REQUESTS_PER_WINDOW,
    ConfirmationMethod,
    PointsPaymentErrorCode,
    attempts_left_after_miss,
    code_refusal,
    code_window_start,
    new_code,
)

_HASH_SALT = "flash.points.payment_code"
_LOCK_NAMESPACE = 0x50C0  # advisory locks: (namespace, member id)


def refuse_too_many_codes(code_model, member_id: int, now: datetime) -> None:
    """At most CODE_REQUESTS_PER_WINDOW codes of this kind per member in the
    window (payment codes and password-reset codes are counted apart)."""
    recent = code_model.objects.filter(
        member_id=member_id, created_at__gte=code_window_start(now)
    ).count()
    if recent >= CODE_REQUESTS_PER_WINDOW:
        raise ConfirmationError(
            PointsPaymentErrorCode.TOO_MANY_CODES,
            "Too many codes requested; try again in 15 minutes.",
        )


@dataclass(frozen=True)
class CodeSent:
    sent_to: str
    expires_at: datetime
    points: int
    amount: Decimal
    currency: str


def code_hash(member_id: int, checkout_token, code: str) -> str:
    """Keyed with the site's secret: a leaked table does not give the codes."""
    return salted_hmac(_HASH_SALT, f"{member_id}:{checkout_token}:{code}").hexdigest()


def _lock_member(member_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, member_id]
        )


def request_code(quote: CheckoutQuote, now: Optional[datetime] = None) -> CodeSent:
    """A new code for the quote's member, checkout and amount, sent through
    the channel's sender; earlier open codes of this checkout stop working."""
    if quote.confirmation != ConfirmationMethod.ONE_TIME_CODE.value:
        raise ConfirmationError(
            PointsPaymentErrorCode.WRONG_METHOD,
            "Your channel confirms payments with a payment password, not a code.",
        )
    now = now or timezone.now()
    with transaction.atomic():
        _lock_member(quote.member_id)
        refuse_too_many_codes(PaymentCode, quote.member_id, now)
        PaymentCode.objects.filter(
            member_id=quote.member_id,
            checkout_token=quote.checkout_token,
            used_at__isnull=True,
        ).update(used_at=now)
        code = new_code()
        expires_at = now + CODE_LIFETIME
        PaymentCode.objects.create(
            member_id=quote.member_id,
            checkout_token=quote.checkout_token,
            amount=quote.amount,
            currency=quote.currency,
            points=quote.points,
            code_hash=code_hash(quote.member_id, quote.checkout_token, code),
            created_at=now,
            expires_at=expires_at,
        )
        sent_to = senders.send_code(
            quote.code_sender,
            senders.CodeMessage(
                program=quote.program,
                channel_slug=quote.channel_slug,
                external_id=quote.external_id,
                member_email=quote.member_email,
                code=code,
                expires_at=expires_at,
                amount=quote.amount,
                currency=quote.currency,
                points=quote.points,
            ),
        )
    return CodeSent(sent_to, expires_at, quote.points, quote.amount, quote.currency)


def confirm_code(
    quote: CheckoutQuote, code: str, now: Optional[datetime] = None
) -> tokens.IssuedToken:
    """Check ``code`` against the checkout's open code; a token if it matches.

    A miss is counted and committed before the refusal is raised; the 5th
    miss kills the code (a new one must be requested)."""
    now = now or timezone.now()
    refusal: Optional[ConfirmationError] = None
    with transaction.atomic():
        row = (
            PaymentCode.objects.select_for_update()
            .filter(
                member_id=quote.member_id,
                checkout_token=quote.checkout_token,
                used_at__isnull=True,
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None:
            raise ConfirmationError(
                PointsPaymentErrorCode.NO_CODE,
                "Request a payment code first.",
                "code",
            )
        reason = code_refusal(
            expires_at=row.expires_at, attempts=row.attempts, used=False, now=now
        )
        if reason == PointsPaymentErrorCode.CODE_LOCKED:
            raise ConfirmationError(
                reason, "Too many wrong codes; request a new one.", "code"
            )
        if reason == PointsPaymentErrorCode.CODE_EXPIRED:
            raise ConfirmationError(
                reason, "The code has expired; request a new one.", "code"
            )
        expected = code_hash(
            quote.member_id, quote.checkout_token, (code or "").strip()
        )
        if not constant_time_compare(expected, row.code_hash):
            left = attempts_left_after_miss(row.attempts)
            row.attempts += 1
            row.save(update_fields=["attempts"])
            if left == 0:
                refusal = ConfirmationError(
                    PointsPaymentErrorCode.CODE_LOCKED,
                    "Too many wrong codes; request a new one.",
                    "code",
                )
            else:
                refusal = tokens.refuse_code(
                    f"Wrong code; {left} attempt{'s' if left != 1 else ''} left."
                )
        elif row.amount != quote.amount or row.points != quote.points:
            row.used_at = now
            row.save(update_fields=["used_at"])
            refusal = ConfirmationError(
                PointsPaymentErrorCode.AMOUNT_CHANGED,
                "The checkout's total changed since the code was sent; "
                "request a new code.",
                "code",
            )
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            issued = tokens.issue(quote, ConfirmationMethod.ONE_TIME_CODE.value, now)
    if refusal is not None:
        raise refusal  # after the commit: the miss stays counted
    return issued
