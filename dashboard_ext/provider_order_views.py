"""Console screens for drop-ship orders: the sub-orders board (each order with
its sub-orders and its shipment state: not shipped, partially shipped,
shipped, delivered) and the settlement statements (produce one, CSV).

Reads through ``sub_order_access`` and ``settlement``, the services the
GraphQL twins use (``orderShipments``, the statement queries); MANAGE_PROVIDERS.
"""

from __future__ import annotations

from typing import Dict, List, NamedTuple

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from plugins.provider_dropship import settlement
from plugins.provider_dropship.services import providers_overview
from plugins.provider_dropship.settlement_rules import SettlementRefusal
from plugins.provider_dropship.shipping_rules import shipment_state
from plugins.provider_dropship.sub_order_access import visible_sub_orders

from .provider_views import page, providers_permission

BOARD_ORDERS = 100
DATETIME_HELP = "UTC, e.g. 2026-12-01 00:00:00"


class OrderCard(NamedTuple):
    """One order on the board, with its shipment state and sub-orders."""

    order: object
    state: str  # a ShipmentState value
    sub_orders: List[object]


def board(user, state: str = "") -> List[OrderCard]:
    """The latest orders with sub-orders, newest first, optionally only
    those in one shipment state."""
    sub_orders = (
        visible_sub_orders(user)
        .select_related("order", "provider")
        .prefetch_related("lines__order_line")
        .order_by("-order_id", "pk")
    )
    by_order: Dict[int, list] = {}
    for sub_order in sub_orders:
        if sub_order.order_id not in by_order and len(by_order) >= BOARD_ORDERS:
            break
        by_order.setdefault(sub_order.order_id, []).append(sub_order)
    cards = [
        OrderCard(
            order=group[0].order,
            state=shipment_state(s.status for s in group).value,
            sub_orders=group,
        )
        for group in by_order.values()
    ]
    return [card for card in cards if not state or card.state == state]


@providers_permission
def sub_order_board(request):
    state = request.GET.get("state", "")
    return page(
        request,
        "sub_orders.html",
        "sub-orders",
        cards=board(request.user, state),
        state=state,
        limit=BOARD_ORDERS,
    )


class StatementForm(forms.Form):
    provider = forms.TypedChoiceField(coerce=int, choices=())
    period_start = forms.DateTimeField(label="Period start", help_text=DATETIME_HELP)
    period_end = forms.DateTimeField(label="Period end", help_text=DATETIME_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [
            (provider.pk, provider.name) for provider in providers_overview()
        ]


@providers_permission
@require_http_methods(["GET", "POST"])
def statement_list(request):
    form = StatementForm(request.POST or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            statement = settlement.produce_statement(
                data["provider"], data["period_start"], data["period_end"]
            )
        except SettlementRefusal as refusal:
            errors.append(refusal.message)
        else:
            return redirect(
                f"/dashboard-ext/providers/statements/?produced={statement.pk}"
            )
    statements = (
        settlement.statements_visible_to(request.user)
        .select_related("provider")
        .order_by("-period_end", "provider__slug")
    )
    produced = request.GET.get("produced", "")
    return page(
        request,
        "statements.html",
        "statements",
        http_status=400 if errors else 200,
        statements=statements,
        form=form,
        errors=errors,
        notice="Statement produced." if produced else "",
    )


@providers_permission
def statement_csv(request, statement_id):
    statement = (
        settlement.statements_visible_to(request.user).filter(pk=statement_id).first()
    )
    if statement is None:
        raise Http404("No such statement")
    response = HttpResponse(
        settlement.statement_csv(statement), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="statement-{statement.provider_id}-'
        f'{statement.period_end:%Y%m%d}.csv"'
    )
    return response
