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
from saleor.payment import ChargeStatus, TransactionKind, gateway
from saleor.payment.models import Payment

from plugins.core import payments

from .models import PaymentRescue

CHARGED = (ChargeStatus.FULLY_CHARGED, ChargeStatus.PARTIALLY_CHARGED)


def lock_key(checkout_token) -> int:
    """The advisory-lock key of a checkout: the low 63 bits of its token."""
    return UUID(str(checkout_token)).int & 0x7FFFFFFFFFFFFFFF


def lock_key_sql(column: str) -> str:
    """``lock_key`` in SQL, for a uuid column (the same key as in Python)."""
    return (
        f"(('x' || right(replace({column}::text, '-', ''), 16))::bit(64)::bigint"
        " & 9223372036854775807)"
    )


def not_completing_sql(column: str) -> str:
    """A SQL condition true for rows whose checkout (uuid ``column``) no other
    session is completing or changing: it takes the checkout's lock until the
    end of the transaction if it is free, and never waits. Rows without a
    checkout pass."""
    return (
        f"(CASE WHEN {column} IS NULL THEN true "
        f"ELSE pg_try_advisory_xact_lock({lock_key_sql(column)}) END)"
    )


class checkout_lock:
    """Serialise work on one checkout across processes (PostgreSQL advisory lock).

    Two concurrent completes of the same checkout must not see each other's
    payment as orphaned, and nothing may change what a checkout holds while
    it is completed. Session-level, so it is held outside transactions and
    released when the connection dies with a killed worker; re-entrant within
    one session (each acquire needs its release).
    """

    def __init__(self, checkout_token: UUID):
        self.key = lock_key(checkout_token)

    def acquire(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [self.key])

    def try_acquire(self) -> bool:
        """Take the lock if it is free (or already ours); never waits."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.key])
            return bool(cursor.fetchone()[0])

    def release(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [self.key])

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc_info):
        self.release()
        return False


def orphaned_payments(checkout_token: UUID) -> List[Payment]:
    """Active payments of the checkout that took money but have no order."""
    if Order.objects.filter(checkout_token=str(checkout_token)).exists():
        return []
    payments = Payment.objects.filter(
        checkout_id=checkout_token, order__isnull=True, is_active=True
    )
    return [payment for payment in payments if _took_money(payment)]


TAKING_KINDS = (TransactionKind.CAPTURE, TransactionKind.AUTH, TransactionKind.CONFIRM)


def _took_money(payment: Payment) -> bool:
    if payment.charge_status in CHARGED:
        return True
    if payment.charge_status != ChargeStatus.NOT_CHARGED:
        return False
    # A successful capture the payment's status does not show (Saleor failed
    # between recording the transaction and updating the payment) took money.
    return (
        payment.is_authorized
        or payment.transactions.filter(kind__in=TAKING_KINDS, is_success=True).exists()
    )


def outcome_unknown(payment: Payment, since: datetime) -> bool:
    """Since ``since`` the gateway was called for this payment and did not
    answer (Saleor records a failed transaction with its generic error and no
    gateway response when the gateway raised): it may have charged."""
    return payment.transactions.filter(
        created__gte=since,
        kind__in=TAKING_KINDS,
        is_success=False,
        error=gateway.ERROR_MSG,
        gateway_response={},
    ).exists()


def gateway_called(checkout_token: UUID, since: datetime) -> bool:
    """Whether any payment of the checkout went to the gateway since ``since``."""
    return Payment.objects.filter(
        checkout_id=checkout_token, transactions__created__gte=since
    ).exists()


def record_unknown_outcomes(
    checkout_token: UUID, since: datetime, reason: str
) -> List[PaymentRescue]:
    """Record for staff each payment of the checkout whose gateway call since
    ``since`` ended without an answer (RECONCILE: check with the provider
    whether money was taken, refund it if so)."""
    payments = Payment.objects.filter(
        checkout_id=checkout_token, order__isnull=True, is_active=True
    )
    return [
        PaymentRescue.objects.create(
            payment=payment,
            checkout_token=checkout_token,
            action=PaymentRescue.RECONCILE,
            amount=payment.total or Decimal(0),
            reason=f"{reason}; the gateway gave no answer, it may have charged"[:2000],
        )
        for payment in payments
        if outcome_unknown(payment, since)
    ]


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
