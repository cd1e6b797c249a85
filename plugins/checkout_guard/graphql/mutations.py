"""Saleor's checkout mutations, guarded.

Same names, arguments and payloads as Saleor's, so storefronts notice nothing
but the guarantees: units are held before payment, a checkout that cannot get
its units fails with INSUFFICIENT_STOCK before paying, and a payment whose
order could not be created is reversed and reported as a typed error.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from saleor.checkout.error_codes import CheckoutErrorCode
from saleor.core.exceptions import InsufficientStock
from saleor.graphql.checkout import mutations as saleor_checkout
from saleor.graphql.core.types.common import CheckoutError

from plugins.core import rate_limit
from plugins.core.global_ids import decode_uuid

from .. import rescue, services, settings

logger = logging.getLogger(__name__)


def hold_lines(info, checkout) -> None:
    """Hold the checkout's units now (inside the caller's transaction), when
    the guard is on and holds on add are enabled; a checkout that cannot get
    them raises INSUFFICIENT_STOCK on ``lines``. Also used by sale_windows
    when flashSaleReserve creates the checkout."""
    if checkout is None or not settings.hold_on_add():
        return
    if not services.guard_active(info.context.plugins):
        return
    if not _early_hold_allowed(info.context):
        return
    try:
        services.hold_checkout(checkout, for_payment=False)
    except InsufficientStock as error:
        raise ValidationError(
            {
                "lines": ValidationError(
                    f"Insufficient product stock: {error.item}", code=error.code
                )
            }
        ) from error


def _early_hold_allowed(request) -> bool:
    """A client address gets a bounded number of early holds, so a script
    cannot lock the catalogue's stock with carts it never pays for; past the
    bound its units are held at checkoutComplete, before payment, as ever."""
    limit = rate_limit.Limit(settings.cart_holds_per_address(), seconds=600)
    return rate_limit.allow("cart-hold", rate_limit.client_address(request), limit)


@contextmanager
def _not_while_completing(info, checkout_id):
    """Line changes wait for a running checkoutComplete of the checkout (and
    a new one waits for them): Saleor makes the order of the lines it loaded
    at the start, so lines changed meanwhile would be held but not ordered."""
    if not services.guard_active(info.context.plugins):
        yield
        return
    checkout_token = decode_uuid(checkout_id, "Checkout", "checkout_id")
    with services.while_not_completing(checkout_token):
        yield


def _with_line_holds(info, save, hold_when=lambda response: True):
    """Run Saleor's mutation and hold its checkout's units in one transaction,
    so a checkout that cannot hold them is rolled back, not left half-saved."""
    with transaction.atomic():
        response = save()
        if hold_when(response):
            hold_lines(info, response.checkout)
    return response


class CheckoutCreate(saleor_checkout.CheckoutCreate):
    class Meta:
        name = "CheckoutCreate"
        description = saleor_checkout.CheckoutCreate._meta.description
        model = saleor_checkout.models.Checkout
        return_field_name = "checkout"
        error_type_class = CheckoutError
        error_type_field = "checkout_errors"

    @classmethod
    def perform_mutation(cls, root, info, **data):
        # An existing checkout handed back (created=False) keeps its holds.
        return _with_line_holds(
            info,
            lambda: super(CheckoutCreate, cls).perform_mutation(root, info, **data),
            hold_when=lambda response: response.created,
        )


class CheckoutLinesAdd(saleor_checkout.CheckoutLinesAdd):
    class Meta:
        name = "CheckoutLinesAdd"
        description = saleor_checkout.CheckoutLinesAdd._meta.description
        error_type_class = CheckoutError
        error_type_field = "checkout_errors"

    @classmethod
    def perform_mutation(cls, root, info, checkout_id, lines, replace=False):
        with _not_while_completing(info, checkout_id):
            return _with_line_holds(
                info,
                lambda: super(CheckoutLinesAdd, cls).perform_mutation(
                    root, info, checkout_id, lines, replace=replace
                ),
            )


class CheckoutLinesUpdate(CheckoutLinesAdd):
    class Meta:
        name = "CheckoutLinesUpdate"
        description = saleor_checkout.CheckoutLinesUpdate._meta.description
        error_type_class = CheckoutError
        error_type_field = "checkout_errors"

    @classmethod
    def perform_mutation(cls, root, info, checkout_id, lines):
        return super().perform_mutation(root, info, checkout_id, lines, replace=True)


class CheckoutLineDelete(saleor_checkout.CheckoutLineDelete):
    """Deleting a line gives its held units back at once."""

    class Meta:
        name = "CheckoutLineDelete"
        description = saleor_checkout.CheckoutLineDelete._meta.description
        error_type_class = CheckoutError
        error_type_field = "checkout_errors"

    @classmethod
    def perform_mutation(cls, root, info, checkout_id, line_id):
        with _not_while_completing(info, checkout_id):
            return _with_line_holds(
                info,
                lambda: super(CheckoutLineDelete, cls).perform_mutation(
                    root, info, checkout_id, line_id
                ),
            )


class CheckoutComplete(saleor_checkout.CheckoutComplete):
    class Meta:
        name = "CheckoutComplete"
        description = saleor_checkout.CheckoutComplete._meta.description
        error_type_class = CheckoutError
        error_type_field = "checkout_errors"

    @classmethod
    def perform_mutation(cls, root, info, checkout_id, store_source, **data):
        def complete():
            return super(CheckoutComplete, cls).perform_mutation(
                root, info, checkout_id, store_source, **data
            )

        if not services.guard_active(info.context.plugins):
            return complete()
        # A typed NOT_FOUND on checkoutId for anything but a Checkout id with
        # a UUID (Saleor answers INVALID without a field for some of them).
        checkout_token = decode_uuid(checkout_id, "Checkout", "checkout_id")
        with rescue.checkout_lock(checkout_token):
            started = timezone.now()
            try:
                return complete()
            except Exception as error:
                failure = services.order_failed(checkout_token, repr(error), started)
                raise _failure_error(error, failure) from error


def _failure_error(error, failure) -> ValidationError:
    """The buyer's error after a failed complete, telling what is known about
    their money (from the payment's transactions), never more."""
    if failure.rescued:
        return ValidationError(
            _rescued_message(error, failure.rescued), code=_code(error)
        )
    if failure.unknown:
        return ValidationError(
            "The order could not be placed, and the payment provider did not "
            "confirm whether your payment was taken. It is recorded for our "
            "staff to check with the provider; any charge will be refunded.",
            code=CheckoutErrorCode.PAYMENT_ERROR,
        )
    if isinstance(error, ValidationError):
        return error
    if failure.gateway_called:
        logger.exception("checkoutComplete failed; the gateway took no payment")
        return ValidationError(
            "The order could not be placed; the payment provider reported that "
            "no payment was taken.",
            code=CheckoutErrorCode.PAYMENT_ERROR,
        )
    logger.exception("checkoutComplete failed before any payment was attempted")
    return ValidationError(
        "The order could not be placed; no payment was attempted, nothing was charged.",
        code=CheckoutErrorCode.GRAPHQL_ERROR,
    )


def _code(error) -> CheckoutErrorCode:
    if isinstance(error, InsufficientStock):
        return CheckoutErrorCode.INSUFFICIENT_STOCK
    return CheckoutErrorCode.PAYMENT_ERROR


def _cause(error) -> str:
    if isinstance(error, InsufficientStock):
        return f"Insufficient product stock: {error.item}"
    if isinstance(error, ValidationError):
        return " ".join(error.messages).rstrip(".")
    return "The order could not be placed"


def _rescued_message(error, rescued) -> str:
    done = {
        "refund": "refunded",
        "void": "voided",
        "failed": "could not be reversed automatically; our staff will refund it",
    }
    outcome = ", ".join(sorted({done[r.action] for r in rescued}))
    return f"{_cause(error)}. Your payment was {outcome}."
