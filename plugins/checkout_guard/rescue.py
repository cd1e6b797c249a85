"""No payment without an order: reverse payments whose order was never created.

``checkoutComplete`` takes the payment before it creates the order. When the
order then fails (any cause), the payment is voided (authorised only) or
refunded (captured), and the rescue is recorded.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import List, Optional
from uuid import UUID

from django.db import connection
from django.utils import timezone
from saleor.order.models import Order
from saleor.payment import ChargeStatus, TransactionKind
from saleor.payment.models import Payment

from plugins.core import payments

from .models import PaymentRescue

CHARGED = (ChargeStatus.FULLY_CHARGED, ChargeStatus.PARTIALLY_CHARGED)


class checkout_lock:
    """Serialise work on one checkout across processes (PostgreSQL advisory lock).

    Two concurrent completes of the same checkout must not see each other's
    payment as orphaned. Session-level, so it is held outside transactions and
    released when the connection dies with a killed worker.
    """

    def __init__(self, checkout_token: UUID):
        self.key = UUID(str(checkout_token)).int & 0x7FFFFFFFFFFFFFFF

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [self.key])
        return self

    def __exit__(self, *exc_info):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [self.key])
        return False


def orphaned_payments(checkout_token: UUID) -> List[Payment]:
    """Active payments of the checkout that took money but have no order."""
    if Order.objects.filter(checkout_token=str(checkout_token)).exists():
        return []
    payments = Payment.objects.filter(
        checkout_id=checkout_token, order__isnull=True, is_active=True
    )
    return [payment for payment in payments if _took_money(payment)]


def _took_money(payment: Payment) -> bool:
    if payment.charge_status in CHARGED:
        return True
    return payment.charge_status == ChargeStatus.NOT_CHARGED and payment.is_authorized


_RECORDED_AS = {
    payments.REFUND: PaymentRescue.REFUND,
    payments.VOID: PaymentRescue.VOID,
    payments.FAILED: PaymentRescue.FAILED,
}


def reverse_payment(
    payment: Payment, checkout_token: UUID, reason: str
) -> PaymentRescue:
    """Void an authorisation or refund a capture (``plugins.core.payments``);
    record the outcome either way."""
    amount = payment.captured_amount or payment.total or Decimal(0)
    reversal = payments.reverse_payment(payment)
    action = _RECORDED_AS.get(reversal.action, PaymentRescue.FAILED)
    if reversal.failed:
        reason = f"{reason}; reversal failed: {reversal.error}"
    elif reversal.action == payments.NOTHING:
        reason = f"{reason}; nothing to reverse ({payment.charge_status})"
    return PaymentRescue.objects.create(
        payment=payment,
        checkout_token=checkout_token,
        action=action,
        amount=amount,
        reason=reason[:2000],
    )


def rescue_checkout_payments(checkout_token: UUID, reason: str) -> List[PaymentRescue]:
    """Reverse every payment the checkout took without getting an order."""
    return [
        reverse_payment(payment, checkout_token, reason)
        for payment in orphaned_payments(checkout_token)
    ]


def rescue_stale_payments(older_than: timedelta, now: Optional[datetime] = None) -> int:
    """Sweep for payments left charged without an order by a killed process.

    A payment is taken and its order created within one request; one still
    without an order after ``older_than`` lost its request.
    """
    now = now or timezone.now()
    stale = (
        Payment.objects.filter(
            order__isnull=True,
            checkout__isnull=False,
            is_active=True,
            modified__lte=now - older_than,
        )
        .filter(transactions__kind__in=[TransactionKind.CAPTURE, TransactionKind.AUTH])
        .values_list("checkout_id", flat=True)
        .distinct()
    )
    rescued = 0
    for checkout_token in stale:
        with checkout_lock(checkout_token):
            rescued += len(
                rescue_checkout_payments(
                    checkout_token, "no order after the grace period"
                )
            )
    return rescued
