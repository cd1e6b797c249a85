"""Portal page for the provider's warehouses and stock (with the audit log).

Reads through ``provider_dropship.stock``, filtered by the signed-in
provider; a stock change goes through
``stock.set_stock`` (own warehouse and own listed variant only, audited with
the user and the reason, never below what flash sales set aside).
"""

from __future__ import annotations

import uuid
from collections import OrderedDict

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from plugins.provider_dropship import stock

from .access import provider_required
from .pages import page

AUDIT_ROWS = 50


class WarehouseStock:
    """One warehouse on the page with its stock rows."""

    def __init__(self, warehouse):
        self.pk = warehouse.pk
        self.name = warehouse.name
        self.stock_rows = []


def _warehouses(provider_id: int):
    by_warehouse: OrderedDict[uuid.UUID, WarehouseStock] = OrderedDict()
    rows = stock.provider_stocks(provider_id).annotate(
        allocated=Coalesce(Sum("allocations__quantity_allocated"), 0)
    )
    for row in rows:
        entry = by_warehouse.setdefault(row.warehouse_id, WarehouseStock(row.warehouse))
        entry.stock_rows.append(row)
    return list(by_warehouse.values())


def _stock_page(request, error: str = "", status: int = 200):
    provider_id = request.membership.provider_id
    notice = (
        "Stock saved; the change is in the audit log." if "saved" in request.GET else ""
    )
    return page(
        request,
        "warehouses.html",
        "warehouses",
        status=status,
        warehouses=_warehouses(provider_id),
        audit=stock.stock_audit(provider_id)[:AUDIT_ROWS],
        error=error,
        notice=notice,
    )


@provider_required
def warehouse_list(request):
    return _stock_page(request)


@provider_required
@require_POST
def stock_change(request, warehouse_id):
    provider_id = request.membership.provider_id
    if warehouse_id not in stock.provider_warehouse_ids(provider_id):
        raise Http404("No such warehouse")
    try:
        variant_id = int(request.POST.get("variant", ""))
        quantity = int(request.POST.get("quantity", ""))
    except ValueError:
        return _stock_page(request, "Give the quantity as a whole number.", 400)
    try:
        stock.set_stock(
            provider_id,
            warehouse_id,
            variant_id,
            quantity,
            request.POST.get("reason", ""),
            request.user.pk,
        )
    except stock.StockError as refusal:
        if refusal.code == stock.StockError.NOT_FOUND:
            raise Http404(refusal.message) from None
        return _stock_page(request, refusal.message, 400)
    return redirect("/provider/warehouses/?saved=1")
