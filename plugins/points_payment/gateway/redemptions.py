"""The gateway's use cases on the ledger: a payment's hold, its capture,
void and refunds. Every ledger call has a transfer id derived from the
payment's confirmation, so a retried call has one effect.

The ledger knows nothing of Saleor's Payment: the confirmation row links a
payment (through its token) to the ledger's transfers, so a later payment
mixing points and a card can use the same ledger calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Optional

from django.db import transaction
from saleor.payment.models import Payment

from .. import services as ledger
from ..confirmation import tokens
from ..domain import points_for_amount
from ..errors import PointsError, RefundRefused
from ..models import PaymentConfirmation

GATEWAY_ID = "flash.payments.points"


class GatewayRefusal(Exception):
    """The gateway answers "no"; the message is shown to the buyer or staff."""


@dataclass(frozen=True)
class Moved:
    """What a gateway call did: points moved and the transaction id to record."""

    transaction_id: str
    points: int


def _transfer_id(confirmation: PaymentConfirmation, step: str) -> str:
    return f"checkout-payment-{confirmation.pk}:{step}"


def _checkout_of_payment_token(token: str):
    """``(checkout token, checkout user id)`` of the payment carrying ``token``
    (None when no single checkout payment of ours carries it); one query."""
    rows = set(
        Payment.objects.filter(token=token, gateway=GATEWAY_ID).values_list(
            "checkout_id", "checkout__user_id"
        )
    )
    if len(rows) != 1:
        return None, None
    ((checkout_token, user_id),) = rows
    if checkout_token is None:
        return None, None
    return checkout_token, user_id


def _refusal(error: PointsError) -> GatewayRefusal:
    return GatewayRefusal(getattr(error, "message", None) or str(error))


def _consume(token: Optional[str], amount: Decimal) -> PaymentConfirmation:
    """Lock and use up the token (inside the caller's transaction)."""
    checkout_token, user_id = _checkout_of_payment_token(token or "")
    return tokens.consume(
        token,
        amount=amount,
        checkout_token=checkout_token,
        checkout_user_id=user_id,
    )


def _reference(confirmation: PaymentConfirmation) -> str:
    return f"checkout {confirmation.checkout_token}"


def hold(token: Optional[str], amount: Decimal) -> Moved:
    """Authorise: consume the confirmation token and hold its points (a
    pending transfer that times out after the program's hold timeout; the
    ledger refuses a disabled program)."""
    try:
        with transaction.atomic():
            confirmation = _consume(token, amount)
            held = ledger.hold(
                confirmation.channel_id,
                confirmation.external_id,
                confirmation.points,
                transfer_id=_transfer_id(confirmation, "hold"),
                reference=_reference(confirmation),
            )
            confirmation.hold_id = held.id
            confirmation.save(update_fields=["hold_id"])
    except tokens.TokenRefused as error:
        raise GatewayRefusal(str(error)) from error
    except PointsError as error:
        raise _refusal(error) from error
    return Moved(held.id, confirmation.points)


def hold_and_capture(token: Optional[str], amount: Decimal) -> Moved:
    """Authorise and capture at once (``process_payment`` with auto-capture):
    the token consumed, its points held and posted in one transaction (one
    read of the program, one lock of the accounts), the confirmation saved
    once. Refused as a whole: nothing held, the token still usable."""
    try:
        with transaction.atomic():
            confirmation = _consume(token, amount)
            held, posted = ledger.hold_and_post(
                confirmation.channel_id,
                confirmation.external_id,
                confirmation.points,
                transfer_id=_transfer_id(confirmation, "hold"),
                post_transfer_id=_transfer_id(confirmation, "post"),
                reference=_reference(confirmation),
            )
            confirmation.hold_id = held.id
            confirmation.redemption_id = posted.id
            confirmation.points_captured = posted.points
            confirmation.save(
                update_fields=["hold_id", "redemption_id", "points_captured"]
            )
    except tokens.TokenRefused as error:
        raise GatewayRefusal(str(error)) from error
    except PointsError as error:
        raise _refusal(error) from error
    return Moved(held.id, posted.points)


def _locked_confirmation(hold_id: Optional[str]) -> PaymentConfirmation:
    confirmation = (
        PaymentConfirmation.objects.select_for_update()
        .filter(hold_id=hold_id or "")
        .exclude(hold_id="")
        .first()
    )
    if confirmation is None:
        raise GatewayRefusal("No points hold for this payment.")
    return confirmation


def _program(confirmation: PaymentConfirmation):
    program = ledger.program_for_channel(confirmation.channel_id)
    if program is None:
        raise GatewayRefusal("This channel has no points program.")
    return program


def capture(hold_id: Optional[str], amount: Decimal) -> Moved:
    """Post the hold: all of it for the confirmed amount, else the points of
    ``amount`` (rounded up, at most the hold); the rest is released."""
    try:
        with transaction.atomic():
            confirmation = _locked_confirmation(hold_id)
            points = None
            if Decimal(amount) < confirmation.amount:
                program = _program(confirmation)
                points = min(
                    confirmation.points,
                    points_for_amount(Decimal(amount), program.money_per_point),
                )
            posted = ledger.post_hold(
                confirmation.channel_id,
                confirmation.hold_id,
                transfer_id=_transfer_id(confirmation, "post"),
                points=points,
            )
            confirmation.redemption_id = posted.id
            confirmation.points_captured = posted.points
            confirmation.save(update_fields=["redemption_id", "points_captured"])
    except PointsError as error:
        raise _refusal(error) from error
    return Moved(confirmation.hold_id, posted.points)


def void(hold_id: Optional[str]) -> Moved:
    """Release the hold: the points go back to the member, whatever the
    channel's refund policy (nothing was spent)."""
    try:
        with transaction.atomic():
            confirmation = _locked_confirmation(hold_id)
            voided = ledger.void_hold(
                confirmation.channel_id,
                confirmation.hold_id,
                transfer_id=_transfer_id(confirmation, "void"),
            )
    except PointsError as error:
        raise _refusal(error) from error
    return Moved(confirmation.hold_id, voided.points)


def _refund_points(
    payment: Optional[Payment], amount: Decimal, program
) -> Optional[int]:
    """Points for a refund of ``amount``: all that is left of the redemption
    when the refund empties the payment, else the amount's points rounded
    down (the charge was rounded up: a partial refund never gives more)."""
    if payment is None or Decimal(amount) >= payment.captured_amount:
        return None
    points = (Decimal(amount) / program.money_per_point).to_integral_value(
        rounding=ROUND_FLOOR
    )
    return int(points)


def refund(hold_id: Optional[str], amount: Decimal, *, involuntary: bool) -> Moved:
    """Give points back for a refund of ``amount`` of the captured payment.

    ``involuntary`` (the buyer did not ask: ``plugins.core.payments``) always
    gives back; otherwise the channel's refund policy decides (``refuse`` →
    refused with a clear message)."""
    try:
        with transaction.atomic():
            confirmation = _locked_confirmation(hold_id)
            if not confirmation.redemption_id:
                raise GatewayRefusal("Nothing was captured for this payment.")
            program = _program(confirmation)
            payment = (
                Payment.objects.filter(
                    token=confirmation.token, gateway=GATEWAY_ID, is_active=True
                )
                .order_by("-pk")
                .first()
            )
            points = _refund_points(payment, amount, program)
            if points is None:
                points = confirmation.points_captured - confirmation.points_refunded
            if points <= 0:
                raise GatewayRefusal("This refund is worth less than one point.")
            confirmation.refunds += 1
            refunded = ledger.refund(
                confirmation.channel_id,
                confirmation.redemption_id,
                points,
                transfer_id=_transfer_id(
                    confirmation, f"refund-{confirmation.refunds}"
                ),
                involuntary=involuntary,
            )
            confirmation.points_refunded += refunded.points
            confirmation.save(update_fields=["refunds", "points_refunded"])
    except RefundRefused as error:
        raise GatewayRefusal(
            getattr(error, "message", None)
            or "This channel's points are not refundable."
        ) from error
    except PointsError as error:
        raise _refusal(error) from error
    return Moved(confirmation.hold_id, refunded.points)
