"""Flash prices in checkouts and orders: held units at the sale price, the
rest at whatever price Saleor and the other plugins computed."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable, List, Tuple

from prices import Money, TaxedMoney
from saleor.core.taxes import quantize_price

from . import domain
from .domain import ReservationState
from .models import Reservation
from .reservations import CheckoutHold, open_holds_of_checkout


def _priced_units(
    holds: Iterable[CheckoutHold], variant_id: int
) -> List[Tuple[int, Decimal]]:
    return [
        (hold.quantity, Decimal(hold.sale_price_amount))
        for hold in holds
        if hold.variant_id == variant_id
    ]


def _blend(quantity: int, priced: List[Tuple[int, Decimal]], regular: Money) -> Money:
    """``regular`` is the line at the regular price for ``quantity`` units."""
    total = domain.flash_line_total(quantity, priced, regular.amount)
    return Money(total, regular.currency)


def _apply(quantity: int, priced, previous: TaxedMoney) -> TaxedMoney:
    if not priced or quantity <= 0:
        return previous
    price = TaxedMoney(
        net=_blend(quantity, priced, previous.net),
        gross=_blend(quantity, priced, previous.gross),
    )
    return quantize_price(price, price.currency)


def checkout_line_total(checkout_line, previous: TaxedMoney) -> TaxedMoney:
    """The line total with the checkout's open holds on this variant applied.

    Lapsed (not yet released) holds keep their price so that checkoutComplete
    can refuse them with a clear message instead of a payment mismatch.
    """
    holds = _holds_for_pricing(checkout_line)
    return _apply(
        checkout_line.quantity,
        _priced_units(holds, checkout_line.variant_id),
        previous,
    )


def _holds_for_pricing(checkout_line) -> List[CheckoutHold]:
    """The checkout's open holds, read once per loaded checkout object.

    Saleor prices every line several times per request (subtotal, total,
    shipping, payment checks), each time through this hook. The holds are
    kept on the checkout instance the lines were loaded from, which lives
    for one request; a line without a loaded checkout reads them afresh.
    """
    checkout = checkout_line._state.fields_cache.get("checkout")
    if checkout is None:
        return open_holds_of_checkout(checkout_line.checkout_id)
    return holds_priced_in(checkout)


def holds_priced_in(checkout) -> List[CheckoutHold]:
    """The holds this loaded checkout's lines are priced with (read once per
    checkout object): what checkoutComplete records as accepted."""
    holds = checkout.__dict__.get("_flash_open_holds")
    if holds is None:
        holds = open_holds_of_checkout(checkout.token)
        checkout.__dict__["_flash_open_holds"] = holds
    return holds


def order_line_unit(
    order_id: int, variant_id: int, quantity: int, previous_unit: TaxedMoney
) -> TaxedMoney:
    """An order line's unit price with the order's sold flash units applied."""
    rows = Reservation.objects.filter(
        order_id=order_id,
        state=ReservationState.COMMITTED,
        item__variant_id=variant_id,
    ).values_list("quantity", "item__sale_price_amount")
    priced = [(units, Decimal(price)) for units, price in rows]
    if not priced or quantity <= 0:
        return previous_unit
    line = _apply(quantity, priced, previous_unit * quantity)
    return quantize_price(line / quantity, line.currency)
