"""Portal pages for sub-orders: the provider's list and one sub-order with
accept, ship (carrier and tracking), deliver and cancel lines with a reason.

Every read goes through ``sub_order_access.sub_orders_for_provider_user`` and
every action through ``sub_order_workflow``, which lock and work only the
signed-in user's provider's sub-orders: another provider's id is a 404 here
and a refusal there, and nothing changes.
"""

from __future__ import annotations

from typing import List, Tuple

from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from plugins.provider_dropship import sub_order_workflow
from plugins.provider_dropship.shipping_rules import SubOrderRefusal
from plugins.provider_dropship.sub_order_access import (
    provider_sub_order,
    sub_orders_for_provider_user,
)

from .access import provider_required
from .pages import page

NOTICES = {
    "accepted": "Sub-order accepted.",
    "tracking": "Carrier and tracking saved.",
    "shipped": "Marked shipped; the buyer is e-mailed the tracking number.",
    "delivered": "Marked delivered; the units enter your next statement.",
    "cancelled": "Lines cancelled: the units are back in stock, the buyer is refunded.",
}


@provider_required
def order_list(request):
    sub_orders = (
        sub_orders_for_provider_user(request.user)
        .select_related("order")
        .prefetch_related("lines__order_line")
        .order_by("-created_at", "-pk")
    )
    return page(request, "orders.html", "orders", sub_orders=sub_orders)


def _own_sub_order(request, sub_order_id: int):
    sub_order = provider_sub_order(request.user, sub_order_id)
    if sub_order is None:
        raise Http404("No such sub-order")
    return sub_order


@provider_required
def order_detail(request, sub_order_id):
    return _detail(request, _own_sub_order(request, sub_order_id))


def _detail(request, sub_order, error: str = "", status: int = 200):
    lines = sub_order.lines.select_related("order_line", "warehouse").order_by("pk")
    return page(
        request,
        "order_detail.html",
        "orders",
        status=status,
        sub_order=sub_order,
        order=sub_order.order,
        lines=lines,
        error=error,
        notice=NOTICES.get(request.GET.get("notice", ""), ""),
    )


def _cancellation(post) -> List[Tuple[int, int]]:
    """``(line id, units)`` for every ``cancel-<line id>`` field with units."""
    requested = []
    for key, value in post.items():
        if key.startswith("cancel-") and value.strip():
            try:
                requested.append((int(key[len("cancel-") :]), int(value)))
            except ValueError:
                raise SubOrderRefusal(
                    "invalid_quantity", "Units to cancel must be whole numbers."
                ) from None
    return requested


ACTIONS = {
    "accept": lambda user, pk, post: sub_order_workflow.accept(user, pk),
    "tracking": lambda user, pk, post: sub_order_workflow.set_tracking(
        user, pk, post.get("carrier", ""), post.get("tracking_number", "")
    ),
    "ship": lambda user, pk, post: sub_order_workflow.ship(
        user, pk, post.get("carrier", ""), post.get("tracking_number", "")
    ),
    "deliver": lambda user, pk, post: sub_order_workflow.deliver(user, pk),
    "cancel": lambda user, pk, post: sub_order_workflow.cancel_lines(
        user, pk, _cancellation(post), post.get("reason", "")
    ),
}
DONE = {
    "accept": "accepted",
    "tracking": "tracking",
    "ship": "shipped",
    "deliver": "delivered",
    "cancel": "cancelled",
}


@provider_required
@require_POST
def order_action(request, sub_order_id, action):
    if action not in ACTIONS:
        raise Http404("No such action")
    sub_order = _own_sub_order(request, sub_order_id)
    try:
        ACTIONS[action](request.user, sub_order.pk, request.POST)
    except SubOrderRefusal as refusal:
        if refusal.code == "not_found" and refusal.field == "id":
            raise Http404("No such sub-order") from None
        sub_order.refresh_from_db()
        return _detail(request, sub_order, error=refusal.message, status=400)
    return redirect(f"/provider/orders/{sub_order.pk}/?notice={DONE[action]}")
