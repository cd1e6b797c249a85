"""Single-use confirmation tokens: issued by a confirmation, consumed by the
gateway's authorisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Optional
from uuid import UUID

from django.utils import timezone

from ..models import PaymentConfirmation
from .errors import ConfirmationError
from .quotes import CheckoutQuote
from .rules import PointsPaymentErrorCode, token_and_expiry


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    points: int
    amount: Decimal
    currency: str


def issue(quote: CheckoutQuote, method: str, now: datetime) -> IssuedToken:
    """A token bound to the quote's member, checkout and amount (call inside
    the transaction that accepted the code or password)."""
    token, expires_at = token_and_expiry(now)
    PaymentConfirmation.objects.create(
        token=token,
        member_id=quote.member_id,
        channel_id=quote.channel_id,
        external_id=quote.external_id,
        checkout_token=quote.checkout_token,
        amount=quote.amount,
        currency=quote.currency,
        points=quote.points,
        method=method,
        created_at=now,
        expires_at=expires_at,
    )
    return IssuedToken(token, expires_at, quote.points, quote.amount, quote.currency)


class TokenRefused(Exception):
    """The gateway refuses a token; ``message`` is shown to the buyer."""


def consume(
    token: Optional[str],
    *,
    amount: Decimal,
    checkout_token: Optional[UUID],
    checkout_user_id: Optional[int],
    now: Optional[datetime] = None,
) -> PaymentConfirmation:
    """Lock and use up the token for a payment of ``amount`` on the checkout
    (inside the caller's transaction: if the hold fails, it is not used up)."""
    now = now or timezone.now()
    confirmation = (
        PaymentConfirmation.objects.select_for_update()
        .select_related("member")
        .filter(token=token or "")
        .first()
    )
    if confirmation is None:
        raise TokenRefused("Confirm the points payment first (no such confirmation).")
    if confirmation.used_at is not None:
        raise TokenRefused("This payment confirmation was already used.")
    if now >= confirmation.expires_at:
        raise TokenRefused("This payment confirmation has expired; confirm again.")
    if (
        checkout_token is None
        or confirmation.checkout_token != checkout_token
        or checkout_user_id != confirmation.member.user_id
    ):
        raise TokenRefused("This payment confirmation is for another checkout.")
    if Decimal(amount) != confirmation.amount:
        raise TokenRefused(
            "The amount changed since the payment was confirmed; confirm again."
        )
    confirmation.used_at = now
    confirmation.save(update_fields=["used_at"])
    return confirmation


def refuse_code(message: str) -> ConfirmationError:
    return ConfirmationError(PointsPaymentErrorCode.CODE_INVALID, message, "code")
