"""Provider use cases (overview, shipments for other plugins); the parts live
in their own modules: ``memberships`` (provider users), ``onboarding``
(applications), ``invitations``, ``suspension``, ``stock``, ``listings``,
``assets``, ``pool``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, Iterable, Optional

from django.db.models import Count, QuerySet

from . import pool
from .models import Provider, SubOrder

# The GraphQL type name in a shipment's id, as ``orderShipments`` returns it.
SHIPMENT_ID_TYPE = "ProviderSubOrder"


@dataclass(frozen=True)
class ShipmentSummary:
    """One sub-order (a buyer's shipment) as other plugins may show it."""

    id: int
    order_id: int
    provider_name: str
    status: str  # a SubOrderStatus value
    carrier: str
    tracking_number: str

    @property
    def reference(self) -> str:
        return f"SO-{self.id}"


def _summary(sub_order: SubOrder) -> ShipmentSummary:
    return ShipmentSummary(
        id=sub_order.pk,
        order_id=sub_order.order_id,
        provider_name=sub_order.provider.name,
        status=sub_order.status,
        carrier=sub_order.carrier,
        tracking_number=sub_order.tracking_number,
    )


def shipment_of_order(order_id: int, shipment_id: int) -> Optional[ShipmentSummary]:
    """The shipment (sub-order) ``shipment_id`` if it belongs to order
    ``order_id``; None when there is no such shipment in that order."""
    found = (
        SubOrder.objects.select_related("provider")
        .filter(pk=shipment_id, order_id=order_id)
        .first()
    )
    return _summary(found) if found is not None else None


def shipments_by_id(ids: Iterable[int]) -> Dict[int, ShipmentSummary]:
    """The shipments that still exist among ``ids``, by id (one query)."""
    wanted = {pk for pk in ids if pk}
    if not wanted:
        return {}
    rows = SubOrder.objects.select_related("provider").filter(pk__in=wanted)
    return {row.pk: _summary(row) for row in rows}


def providers_overview() -> QuerySet:
    """Providers annotated with how many warehouses and listings each has."""
    return Provider.objects.annotate(
        warehouse_count=Count("warehouses", distinct=True),
        listing_count=Count("listings", distinct=True),
    )


def settlement_price(variant_id: int) -> Optional[Decimal]:
    """What the platform pays the provider for one unit, shipping included."""
    return pool.approved_settlement_price(variant_id)
