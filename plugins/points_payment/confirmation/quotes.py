"""What a member's checkout costs in points, and under which program.

The amount is the one Saleor's ``checkoutPaymentCreate`` requires (the
checkout's total less gift cards: one payment pays it all); the points are
that amount at the channel's ``money_per_point``, rounded up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from saleor.checkout.models import Checkout
from saleor.core.taxes import zero_taxed_money

from plugins.channel_pricing.member_checkout import member_for_user_id

from .. import services as ledger
from ..domain import ProgramMode, points_for_amount
from .errors import ConfirmationError
from .rules import PointsPaymentErrorCode


@dataclass(frozen=True)
class CheckoutQuote:
    member_id: int
    user_id: int
    channel_id: int
    channel_slug: str
    external_id: str
    member_email: str
    checkout_token: UUID
    amount: Decimal
    currency: str
    points: int
    confirmation: str  # rules.ConfirmationMethod value
    code_sender: str
    program: object  # the channel's PointsProgram
    # Pass-through with a balance URL: the refresh made for this quote.
    balance_refresh: ledger.BalanceRefresh = field(
        default=ledger.BalanceRefresh(attempted=False)
    )


def program_or_refuse(channel_id: int):
    program = ledger.program_for_channel(channel_id)
    if program is None or not program.enabled:
        raise ConfirmationError(
            PointsPaymentErrorCode.POINTS_NOT_ENABLED,
            "Your channel does not take points.",
        )
    return program


def checkout_total(checkout: Checkout, manager, discounts) -> Decimal:
    total = (
        manager.calculate_checkout_total(
            checkout, lines=list(checkout), discounts=discounts
        )
        - checkout.get_total_gift_cards_balance()
    )
    return max(total, zero_taxed_money(total.currency)).gross


def quote_checkout(user, checkout_token: UUID, manager, discounts) -> CheckoutQuote:
    """The signed-in member's checkout priced in points; typed refusals.

    A pass-through member starting a payment: their balance is first
    refreshed from the channel's balance URL, if it has one (call this
    outside a transaction)."""
    member = member_for_user_id(getattr(user, "pk", None))
    if member is None:
        raise ConfirmationError(
            PointsPaymentErrorCode.NOT_A_MEMBER,
            "Only channel members pay with points.",
        )
    checkout = (
        Checkout.objects.filter(token=checkout_token, user_id=user.pk)
        .prefetch_related("lines__variant__product")
        .first()
    )
    if checkout is None:
        raise ConfirmationError(
            PointsPaymentErrorCode.NOT_FOUND, "No such checkout.", "checkout_id"
        )
    program = program_or_refuse(member.channel_id)
    total = checkout_total(checkout, manager, discounts)
    if total.amount <= 0:
        raise ConfirmationError(
            PointsPaymentErrorCode.NOTHING_TO_PAY,
            "This checkout has nothing to pay.",
            "checkout_id",
        )
    refreshed = ledger.BalanceRefresh(attempted=False)
    if program.mode == ProgramMode.PASS_THROUGH.value:
        refreshed = ledger.refresh_balance(member.channel_id, member.external_id)
    return CheckoutQuote(
        member_id=member.pk,
        user_id=user.pk,
        channel_id=member.channel_id,
        channel_slug=member.channel.slug,
        external_id=member.external_id,
        member_email=member.email,
        checkout_token=checkout.token,
        amount=total.amount,
        currency=total.currency,
        points=points_for_amount(total.amount, program.money_per_point),
        confirmation=program.confirmation,
        code_sender=program.code_sender,
        program=program,
        balance_refresh=refreshed,
    )
