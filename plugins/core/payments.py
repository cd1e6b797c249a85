"""Giving a customer's money back: one rule for every plugin.

A payment that captured money is refunded (what is left of the capture); one
that only authorised is voided; anything else took nothing. Used where an
order must not keep its payment: a checkout whose order was never created
(checkout_guard's rescue), a cancelled pre-order (sale_windows), lines a
provider cannot ship. All of these are refunds the buyer did not ask for:
they run inside ``involuntary_refund()``, which a gateway with a refund policy
reads (``is_involuntary_refund``).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterator, Optional

from saleor.payment import ChargeStatus, PaymentError, gateway

logger = logging.getLogger(__name__)

REFUNDABLE = (
    ChargeStatus.PARTIALLY_CHARGED,
    ChargeStatus.FULLY_CHARGED,
    ChargeStatus.PARTIALLY_REFUNDED,
)

REFUND = "refund"
VOID = "void"
FAILED = "failed"
NOTHING = "nothing"  # nothing was captured or authorised


@dataclass(frozen=True)
class PaymentReversal:
    """What ``reverse_payment`` did: ``action`` is REFUND, VOID, FAILED or NOTHING."""

    action: str
    error: Optional[str] = None  # the gateway's message when FAILED

    @property
    def failed(self) -> bool:
        return self.action == FAILED


# Set while our code gives money back for a reason the buyer did not ask for
# (an order never created, a pre-order that missed its minimum, a provider
# that cannot ship). A gateway with a refund policy (points: "not refunded by
# default") reads it: such a refund always goes through, whatever the policy.
_involuntary: ContextVar[bool] = ContextVar("flash_involuntary_refund", default=False)


@contextmanager
def involuntary_refund() -> Iterator[None]:
    """Mark the refunds and voids made inside as not asked for by the buyer."""
    token = _involuntary.set(True)
    try:
        yield
    finally:
        _involuntary.reset(token)


def is_involuntary_refund() -> bool:
    """True inside ``involuntary_refund()``: the buyer did not ask for it."""
    return _involuntary.get()


def reverse_payment(payment) -> PaymentReversal:
    """Refund a capture, else void an authorisation, through Saleor's gateway.

    A gateway refusal is returned as FAILED (and logged), never raised, so a
    caller reversing several payments goes on with the next one.
    """
    try:
        with involuntary_refund():
            if payment.charge_status in REFUNDABLE:
                gateway.refund(payment)
                return PaymentReversal(REFUND)
            if (
                payment.charge_status == ChargeStatus.NOT_CHARGED
                and payment.is_authorized
            ):
                gateway.void(payment)
                return PaymentReversal(VOID)
    except PaymentError as error:
        logger.error("could not reverse payment %s: %s", payment.pk, error)
        return PaymentReversal(FAILED, str(error))
    return PaymentReversal(NOTHING)


def refund_part(payment, amount: Decimal) -> PaymentReversal:
    """Give back ``amount`` of a captured payment, not asked for by the buyer.

    For lines an order loses without the buyer asking (a provider cancels
    them). A payment that captured nothing is left alone (NOTHING); a gateway
    refusal is returned as FAILED, never raised.
    """
    if payment.charge_status not in REFUNDABLE or amount <= 0:
        return PaymentReversal(NOTHING)
    amount = min(Decimal(amount), payment.captured_amount)
    try:
        with involuntary_refund():
            gateway.refund(payment, amount=amount)
    except PaymentError as error:
        logger.error("could not refund %s of payment %s: %s", amount, payment.pk, error)
        return PaymentReversal(FAILED, str(error))
    return PaymentReversal(REFUND)
