"""Confirm a points payment by the channel's method; the entry point the
GraphQL mutations call."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from django.db import transaction
from django.utils import timezone

from . import codes, passwords, tokens
from .errors import ConfirmationError
from .quotes import CheckoutQuote
from .rules import ConfirmationMethod, PointsPaymentErrorCode


def confirm(
    quote: CheckoutQuote,
    *,
    code: Optional[str] = None,
    password: Optional[str] = None,
    now: Optional[datetime] = None,
) -> tokens.IssuedToken:
    """A single-use token for the quote, once the member proved it is them."""
    now = now or timezone.now()
    method = quote.confirmation
    if method == ConfirmationMethod.ONE_TIME_CODE.value:
        if not code:
            raise ConfirmationError(
                PointsPaymentErrorCode.REQUIRED, "Enter the payment code.", "code"
            )
        return codes.confirm_code(quote, code, now)
    if method == ConfirmationMethod.PAYMENT_PASSWORD.value:
        if not password:
            raise ConfirmationError(
                PointsPaymentErrorCode.REQUIRED,
                "Enter your payment password.",
                "password",
            )
        return passwords.confirm_password(quote, password, now)
    with transaction.atomic():
        return tokens.issue(quote, ConfirmationMethod.NONE.value, now)
