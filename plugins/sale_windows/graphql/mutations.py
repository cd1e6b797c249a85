"""Storefront mutations: hold and release flash units. Thin: they translate
IDs and errors and call ``storefront``."""

import graphene
from django.core.exceptions import ValidationError
from saleor.graphql.checkout.mutations import CheckoutCreateInput
from saleor.graphql.checkout.types import Checkout
from saleor.graphql.core.mutations import BaseMutation

from plugins.core.global_ids import decode_int, decode_uuid
from plugins.core.rate_limit import client_address

from .. import hold_policy, storefront
from ..error_codes import FlashSaleErrorCode
from ..reservations import ReservationError
from ..reserve_with_checkout import reserve_with_checkout
from .errors import FlashSaleError
from .staff import FlashSaleStaffMutations
from .types import FlashReservation


def as_validation_error(error: ReservationError, field: str) -> ValidationError:
    return ValidationError({field: ValidationError(error.message, code=error.code)})


def refuse_over_rate(info) -> None:
    """RATE_LIMITED before any work when this member or address asks too often."""
    refusal = hold_policy.rate_refusal(client_address(info.context), info.context.user)
    if refusal:
        raise as_validation_error(ReservationError(*refusal), "quantity")


class FlashSaleReserve(BaseMutation):
    reservation = graphene.Field(
        FlashReservation, description="The hold, with the time it lapses."
    )
    checkout = graphene.Field(
        Checkout,
        description="The checkout the units are held for (with `checkout`: the "
        "one just created, holding the units as a line).",
    )

    class Arguments:
        item_id = graphene.ID(required=True, description="ID of the FlashSaleItem.")
        quantity = graphene.Int(
            required=True,
            description="Units to hold for the checkout (sets the hold; a retry "
            "with the same quantity returns the same hold).",
        )
        checkout_id = graphene.ID(
            description="An existing checkout the held units are priced in; "
            "add the variant to it with checkoutLinesAdd."
        )
        checkout = CheckoutCreateInput(
            description="Instead of checkoutId: the checkout to create once the "
            "units are held, as for checkoutCreate (e-mail, lines, addresses); "
            "the held units are added as a line. Nothing is created when the "
            "hold is refused, so a sold-out answer costs one call."
        )
        client_key = graphene.String(
            description="With `checkout`: an idempotency key chosen by the "
            "storefront (at most 64 characters). A retry with the same key "
            "returns the first call's hold and checkout instead of holding "
            "again."
        )

    class Meta:
        description = (
            "Hold flash-sale units for a checkout for a few minutes. Held units "
            "are priced at the sale price in that checkout; checkoutComplete "
            "turns them into sold units. Give either checkoutId or checkout."
        )
        error_type_class = FlashSaleError
        error_type_field = "flash_sale_errors"

    @classmethod
    def perform_mutation(
        cls,
        _root,
        info,
        item_id,
        quantity,
        checkout_id=None,
        checkout=None,
        client_key=None,
    ):
        item_pk = decode_int(item_id, "FlashSaleItem", "item_id")
        refuse_over_rate(info)
        if (checkout_id is None) == (checkout is None):
            raise ValidationError(
                {
                    "checkout_id": ValidationError(
                        "Give either checkoutId or checkout.",
                        code=FlashSaleErrorCode.REQUIRED.value,
                    )
                }
            )
        try:
            if checkout is not None:
                reservation, held_in = reserve_with_checkout(
                    info, item_pk, quantity, checkout, client_key or ""
                )
                return FlashSaleReserve(reservation=reservation, checkout=held_in)
            token = decode_uuid(checkout_id, "Checkout", "checkout_id")
            reservation = storefront.reserve_for_checkout(
                item_pk, quantity, token, info.context.user
            )
        except ReservationError as error:
            field = "quantity" if error.code != "not_found" else "item_id"
            raise as_validation_error(error, field) from error
        return FlashSaleReserve(
            reservation=reservation, checkout=storefront.find_checkout(token)
        )


class FlashSaleReservePackage(BaseMutation):
    reservations = graphene.List(
        graphene.NonNull(FlashReservation),
        description="One hold per item of the package.",
    )

    class Arguments:
        sale_id = graphene.ID(required=True, description="ID of a PACKAGE sale.")
        quantity = graphene.Int(required=True, description="Packages to hold.")
        checkout_id = graphene.ID(required=True)

    class Meta:
        description = (
            "Hold every item of a package sale together, all or nothing: if one "
            "item is sold out or over the limit, nothing is held."
        )
        error_type_class = FlashSaleError
        error_type_field = "flash_sale_errors"

    @classmethod
    def perform_mutation(cls, _root, info, sale_id, quantity, checkout_id):
        sale_pk = decode_int(sale_id, "FlashSale", "sale_id")
        token = decode_uuid(checkout_id, "Checkout", "checkout_id")
        refuse_over_rate(info)
        try:
            held = storefront.reserve_package_for_checkout(
                sale_pk, quantity, token, info.context.user
            )
        except ReservationError as error:
            field = "quantity" if error.code != "not_found" else "sale_id"
            raise as_validation_error(error, field) from error
        return FlashSaleReservePackage(reservations=held)


class FlashSaleRelease(BaseMutation):
    reservation = graphene.Field(FlashReservation, description="The released hold.")

    class Arguments:
        id = graphene.ID(required=True, description="ID of the FlashReservation.")

    class Meta:
        description = "Give a hold's units back before it lapses."
        error_type_class = FlashSaleError
        error_type_field = "flash_sale_errors"

    @classmethod
    def perform_mutation(cls, _root, _info, id):
        token = decode_uuid(id, "FlashReservation", "id")
        try:
            reservation = storefront.release_hold(token)
        except ReservationError as error:
            raise as_validation_error(error, "id") from error
        return FlashSaleRelease(reservation=reservation)


class FlashSaleMutations(FlashSaleStaffMutations):
    flash_sale_reserve = FlashSaleReserve.Field()
    flash_sale_reserve_package = FlashSaleReservePackage.Field()
    flash_sale_release = FlashSaleRelease.Field()
