"""``checkout.availablePaymentGateways`` without the points gateway for
buyers who cannot pay with points.

Saleor 2.10 lists every active gateway plugin for every checkout (its
resolver sees no buyer). The host calls ``install(schema)`` once on the
built schema: the field's resolver is wrapped there, so Saleor's classes are
left as they are.
"""

from __future__ import annotations

from ..gateway import GATEWAY_ID
from ..gateway.availability import offered_to


def without_points_for(gateways, checkout):
    if offered_to(getattr(checkout, "user_id", None)):
        return gateways
    return [gateway for gateway in gateways if gateway["id"] != GATEWAY_ID]


def install(schema) -> None:
    field = schema.get_type("Checkout").fields["availablePaymentGateways"]
    saleor_resolver = field.resolver

    def resolve_available_payment_gateways(root, info, **kwargs):
        return without_points_for(saleor_resolver(root, info, **kwargs), root)

    field.resolver = resolve_available_payment_gateways
