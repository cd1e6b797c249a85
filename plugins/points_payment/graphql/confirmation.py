"""The member's points-payment mutations (docs/points.md, "Paying with points").

1. ``pointsPaymentCodeRequest(checkoutId)`` sends a one-time code (channels
   that confirm with a code);
2. ``pointsPaymentConfirm(checkoutId, code | password)`` returns a
   single-use ``token`` bound to the member, the checkout and its total;
3. the storefront passes it as ``token`` to ``checkoutPaymentCreate`` with
   gateway ``flash.payments.points`` and calls ``checkoutComplete``.

``pointsPaymentPasswordSet(password, currentPassword)`` sets the member's
payment password (changing it needs the current one);
``pointsPaymentPasswordResetRequest`` sends a reset code through the channel's
code sender and ``pointsPaymentPasswordReset(code, password)`` sets a new one
with it (wrong codes count towards the password's lock). Wrong codes and
passwords are counted even though the mutation answers with an error (no
rollback of the count), so these mutations do not run in one transaction
like the staff ones.
"""

from __future__ import annotations

import graphene
from django.core.exceptions import ValidationError
from graphql_jwt.exceptions import PermissionDenied
from saleor.graphql.core.mutations import BaseMutation
from saleor.graphql.core.types import Money

from plugins.core.global_ids import decode_uuid
from plugins.core.graphql.mutations import TypedError, as_validation_error
from plugins.core.money import money

from ..confirmation import codes, flow, password_reset, passwords, quotes
from ..confirmation.errors import ConfirmationError
from .errors import PointsPaymentError

BALANCE_REFRESH_ERROR = (
    "Pass-through channels with a balance URL: why the member's balance "
    "could not be refreshed from the channel (the sign-in token's balance "
    "was used); null when it was refreshed or not asked for."
)


def refresh_error(quote):
    return quote.balance_refresh.error or None


class PointsMemberMutation(BaseMutation):
    """A signed-in member's mutation with typed ``pointsPaymentErrors``."""

    class Meta:
        abstract = True

    @classmethod
    def check_permissions(cls, context):
        return bool(context.user and context.user.is_authenticated)

    @classmethod
    def mutate(cls, root, info, **data):
        if not cls.check_permissions(info.context):
            raise PermissionDenied()
        try:
            response = cls.perform_mutation(root, info, **data)
        except ValidationError as error:
            return cls.handle_errors(error)
        except ConfirmationError as error:
            typed = TypedError(error.field, error.code.value, error.message)
            return cls.handle_errors(as_validation_error([typed]))
        if response.errors is None:
            response.errors = []
        return response

    @staticmethod
    def quote(info, checkout_id):
        token = decode_uuid(checkout_id, "Checkout", "checkout_id")
        return quotes.quote_checkout(
            info.context.user, token, info.context.plugins, info.context.discounts
        )


class PointsPaymentCodeRequest(PointsMemberMutation):
    sent_to = graphene.String(description="Where the code went (masked).")
    expires_at = graphene.DateTime(description="When the code stops working.")
    points = graphene.Int(description="Points the checkout costs.")
    amount = graphene.Field(Money, description="The checkout's total.")
    balance_refresh_error = graphene.String(description=BALANCE_REFRESH_ERROR)

    class Arguments:
        checkout_id = graphene.ID(required=True, description="The checkout to pay.")

    class Meta:
        description = (
            "Send a one-time payment code (6 digits, valid 5 minutes, 5 attempts) "
            "for the signed-in member's checkout, through the channel's sender."
        )
        error_type_class = PointsPaymentError
        error_type_field = "points_payment_errors"

    @classmethod
    def perform_mutation(cls, _root, info, checkout_id):
        quote = cls.quote(info, checkout_id)
        sent = codes.request_code(quote)
        return cls(
            balance_refresh_error=refresh_error(quote),
            sent_to=sent.sent_to,
            expires_at=sent.expires_at,
            points=sent.points,
            amount=money(sent.amount, sent.currency),
        )


class PointsPaymentConfirm(PointsMemberMutation):
    token = graphene.String(
        description=(
            "Single-use: pass it as the token of checkoutPaymentCreate "
            "(gateway flash.payments.points)."
        )
    )
    expires_at = graphene.DateTime(description="When the token stops working.")
    points = graphene.Int(description="Points the payment will take.")
    amount = graphene.Field(Money, description="The amount the token pays.")
    balance_refresh_error = graphene.String(description=BALANCE_REFRESH_ERROR)

    class Arguments:
        checkout_id = graphene.ID(required=True, description="The checkout to pay.")
        code = graphene.String(description="The one-time code (code channels).")
        password = graphene.String(
            description="The payment password (password channels)."
        )

    class Meta:
        description = (
            "Confirm a points payment with the one-time code or the payment "
            "password, as the member's channel requires; returns the token for "
            "checkoutPaymentCreate."
        )
        error_type_class = PointsPaymentError
        error_type_field = "points_payment_errors"

    @classmethod
    def perform_mutation(cls, _root, info, checkout_id, code=None, password=None):
        quote = cls.quote(info, checkout_id)
        issued = flow.confirm(quote, code=code, password=password)
        return cls(
            balance_refresh_error=refresh_error(quote),
            token=issued.token,
            expires_at=issued.expires_at,
            points=issued.points,
            amount=money(issued.amount, issued.currency),
        )


class PointsPaymentPasswordSet(PointsMemberMutation):
    password_set = graphene.Boolean(required=True, default_value=False)

    class Arguments:
        password = graphene.String(required=True, description="The new password.")
        current_password = graphene.String(
            description="The current payment password (to change one)."
        )

    class Meta:
        description = (
            "Set the signed-in member's payment password (stored with Django's "
            "password hashers); changing it needs the current one."
        )
        error_type_class = PointsPaymentError
        error_type_field = "points_payment_errors"

    @classmethod
    def perform_mutation(cls, _root, info, password, current_password=None):
        passwords.set_member_password(info.context.user.pk, password, current_password)
        return cls(password_set=True)


class PointsPaymentPasswordResetRequest(PointsMemberMutation):
    sent_to = graphene.String(description="Where the code went (masked).")
    expires_at = graphene.DateTime(description="When the code stops working.")

    class Meta:
        description = (
            "Send the signed-in member a one-time code (6 digits, valid 5 "
            "minutes) to set a new payment password, through the channel's "
            "code sender; refused while the password is locked."
        )
        error_type_class = PointsPaymentError
        error_type_field = "points_payment_errors"

    @classmethod
    def perform_mutation(cls, _root, info):
        sent = password_reset.request_reset(info.context.user.pk)
        return cls(sent_to=sent.sent_to, expires_at=sent.expires_at)


class PointsPaymentPasswordReset(PointsMemberMutation):
    password_set = graphene.Boolean(required=True, default_value=False)

    class Arguments:
        code = graphene.String(required=True, description="The reset code.")
        password = graphene.String(required=True, description="The new password.")

    class Meta:
        description = (
            "Set a new payment password with the code of "
            "pointsPaymentPasswordResetRequest; a wrong code counts towards "
            "the payment password's lock (5 in a row lock it for 15 minutes)."
        )
        error_type_class = PointsPaymentError
        error_type_field = "points_payment_errors"

    @classmethod
    def perform_mutation(cls, _root, info, code, password):
        password_reset.reset_with_code(info.context.user.pk, code, password)
        return cls(password_set=True)


class PointsPaymentMutations(graphene.ObjectType):
    points_payment_code_request = PointsPaymentCodeRequest.Field()
    points_payment_confirm = PointsPaymentConfirm.Field()
    points_payment_password_set = PointsPaymentPasswordSet.Field()
    points_payment_password_reset_request = PointsPaymentPasswordResetRequest.Field()
    points_payment_password_reset = PointsPaymentPasswordReset.Field()
