"""Giving a customer's money back: one rule for every plugin.

A payment that captured money is refunded (what is left of the capture); one
that only authorised is voided; anything else took nothing. Used where an
order must not keep its payment: a checkout whose order was never created
(checkout_guard's rescue) and a cancelled pre-order (sale_windows).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional

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


def reverse_payment(payment) -> PaymentReversal:
    """Refund a capture, else void an authorisation, through Saleor's gateway.

    A gateway refusal is returned as FAILED (and logged), never raised, so a
    caller reversing several payments goes on with the next one.
    """
    try:
        if payment.charge_status in REFUNDABLE:
            gateway.refund(payment)
            return PaymentReversal(REFUND)
        if payment.charge_status == ChargeStatus.NOT_CHARGED and payment.is_authorized:
            gateway.void(payment)
            return PaymentReversal(VOID)
    except PaymentError as error:
        logger.error("could not reverse payment %s: %s", payment.pk, error)
        return PaymentReversal(FAILED, str(error))
    return PaymentReversal(NOTHING)
