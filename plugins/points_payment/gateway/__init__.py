"""The points gateway ``flash.payments.points``, built like Saleor's own
(``saleor/payment/gateways/dummy``): functions taking ``PaymentData`` and a
``GatewayConfig`` and returning a ``GatewayResponse``; ``plugin.py`` only
builds the config and delegates.

- ``authorize``: the ``token`` is the single-use confirmation token of
  ``pointsPaymentConfirm``; it is consumed and the points are held (a
  pending ledger transfer that times out and gives the points back if no
  capture or void follows);
- ``capture`` posts the hold, ``void`` releases it;
- ``refund`` gives points back: always when the buyer did not ask for it
  (``plugins.core.payments.involuntary_refund``), otherwise per the
  channel's policy (``refuse`` answers with an error);
- ``process_payment`` (what ``checkoutComplete`` calls): authorise, and
  when the gateway's "Automatic payment capture" is on, capture too, in the
  same ledger transaction.

The transaction id Saleor records for every step is the hold's transfer id:
Saleor hands it back as the token of capture, void and refund.
"""

from __future__ import annotations

from typing import Callable

from saleor.payment import TransactionKind
from saleor.payment.interface import GatewayConfig, GatewayResponse, PaymentData

from plugins.core.payments import is_involuntary_refund

from . import redemptions
from .redemptions import GATEWAY_ID, GatewayRefusal

__all__ = [
    "GATEWAY_ID",
    "GATEWAY_NAME",
    "authorize",
    "capture",
    "process_payment",
    "refund",
    "void",
]

GATEWAY_NAME = "Points"


def _respond(
    kind: str,
    payment_information: PaymentData,
    step: Callable[[], redemptions.Moved],
) -> GatewayResponse:
    try:
        moved = step()
    except GatewayRefusal as refusal:
        return GatewayResponse(
            is_success=False,
            action_required=False,
            kind=kind,
            amount=payment_information.amount,
            currency=payment_information.currency,
            transaction_id=payment_information.token,
            error=str(refusal),
            raw_response={},
        )
    return GatewayResponse(
        is_success=True,
        action_required=False,
        kind=kind,
        amount=payment_information.amount,
        currency=payment_information.currency,
        transaction_id=moved.transaction_id,
        error=None,
        raw_response={"points": moved.points, "hold_id": moved.transaction_id},
    )


def authorize(
    payment_information: PaymentData, config: GatewayConfig
) -> GatewayResponse:
    return _respond(
        TransactionKind.AUTH,
        payment_information,
        lambda: redemptions.hold(payment_information.token, payment_information.amount),
    )


def capture(payment_information: PaymentData, config: GatewayConfig) -> GatewayResponse:
    return _respond(
        TransactionKind.CAPTURE,
        payment_information,
        lambda: redemptions.capture(
            payment_information.token, payment_information.amount
        ),
    )


def void(payment_information: PaymentData, config: GatewayConfig) -> GatewayResponse:
    return _respond(
        TransactionKind.VOID,
        payment_information,
        lambda: redemptions.void(payment_information.token),
    )


def refund(payment_information: PaymentData, config: GatewayConfig) -> GatewayResponse:
    involuntary = is_involuntary_refund()
    return _respond(
        TransactionKind.REFUND,
        payment_information,
        lambda: redemptions.refund(
            payment_information.token,
            payment_information.amount,
            involuntary=involuntary,
        ),
    )


def process_payment(
    payment_information: PaymentData, config: GatewayConfig
) -> GatewayResponse:
    """Authorise (hold), then capture (post) when auto-capture is on: with
    auto-capture both in one ledger transaction (a refused capture leaves
    nothing held), recorded by Saleor as the capture."""
    if not config.auto_capture:
        return authorize(payment_information, config)
    return _respond(
        TransactionKind.CAPTURE,
        payment_information,
        lambda: redemptions.hold_and_capture(
            payment_information.token, payment_information.amount
        ),
    )
