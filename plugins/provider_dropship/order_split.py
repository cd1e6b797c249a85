"""Splitting an order into one sub-order per provider, in the order's
transaction (Saleor's ``order_created`` hook), and telling each provider.

A fixed number of queries per order whatever its number of lines: the
order's lines, its allocations with their warehouses' providers, the
variants' listings, the providers (their webhook and e-mail), two inserts; then
the outbox writes, two per provider (webhook and e-mail).
"""

from __future__ import annotations

from typing import List

from django.db import transaction
from saleor.order.models import Order, OrderLine
from saleor.warehouse.models import Allocation

from . import provider_notices
from .models import Provider, SubOrder, SubOrderLine, SupplyListing
from .split_plan import (
    AllocatedUnits,
    Listing,
    OrderedLine,
    plan_split,
    settlement_amount,
)


def split_order(order) -> List[SubOrder]:
    """Create the order's sub-orders once; a second call (a retried hook or
    task) returns the first call's sub-orders and changes nothing.

    The order row is locked first, so two concurrent calls for a committed
    order queue up and the second finds the first's sub-orders; the unique
    (order, provider) constraint backs this.
    """
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=order.pk).values_list("pk").first()
        existing = list(SubOrder.objects.filter(order_id=order.pk))
        if existing:
            return existing
        lines = list(
            OrderLine.objects.filter(order_id=order.pk).only(
                "pk",
                "variant_id",
                "quantity",
                "product_name",
                "variant_name",
                "product_sku",
                "currency",
            )
        )
        if not lines:
            return []
        allocations = Allocation.objects.filter(
            order_line__order_id=order.pk, quantity_allocated__gt=0
        ).values_list(
            "order_line_id",
            "stock__warehouse_id",
            "stock__warehouse__provider_link__provider_id",
            "quantity_allocated",
        )
        variant_ids = {line.variant_id for line in lines if line.variant_id}
        listings = {
            variant_id: Listing(provider_id, price)
            for variant_id, provider_id, price in SupplyListing.objects.filter(
                variant_id__in=variant_ids
            ).values_list("variant_id", "provider_id", "settlement_price_amount")
        }
        plan = plan_split(
            [OrderedLine(line.pk, line.variant_id, line.quantity) for line in lines],
            [AllocatedUnits(*row) for row in allocations],
            listings,
        )
        if not plan:
            return []
        currency = lines[0].currency
        sub_orders = SubOrder.objects.bulk_create(
            SubOrder(
                order_id=order.pk,
                provider_id=provider_id,
                currency=currency,
                settlement_amount=settlement_amount(planned),
            )
            for provider_id, planned in plan.items()
        )
        by_provider = {sub_order.provider_id: sub_order for sub_order in sub_orders}
        SubOrderLine.objects.bulk_create(
            SubOrderLine(
                sub_order_id=by_provider[provider_id].pk,
                order_line_id=planned_line.line_id,
                warehouse_id=planned_line.warehouse_id,
                quantity=planned_line.quantity,
                settlement_price_amount=planned_line.settlement_price,
            )
            for provider_id, planned in plan.items()
            for planned_line in planned
        )
        _tell_providers(order, plan, by_provider, {line.pk: line for line in lines})
    return sub_orders


def _tell_providers(order, plan, by_provider, lines_by_id) -> None:
    providers = Provider.objects.filter(pk__in=list(plan)).only(
        "pk", "name", "contact_email", "webhook_url", "webhook_secret"
    )
    address = provider_notices.ship_to(order.shipping_address)
    for provider in providers:
        items = [
            provider_notices.item(lines_by_id[planned.line_id], planned.quantity)
            for planned in plan[provider.pk]
        ]
        provider_notices.tell_provider_of_sub_order(
            provider, by_provider[provider.pk].pk, items, address
        )
