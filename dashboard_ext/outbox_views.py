"""Console page for the outbox: dead letters and recent failures, and a
re-send button (``plugins/core/outbox.py``).

Permission: Saleor's ``webhook.manage_webhooks`` (``MANAGE_WEBHOOKS``), the
permission over what Saleor sends to other systems; required on the page and
on the re-send (POST, CSRF). Signed-in staff without it get 403.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from plugins.core import outbox

from .navigation import visible_sections
from .permissions import MANAGE_OUTBOX, console_permission_required

outbox_permission_required = console_permission_required(MANAGE_OUTBOX)

NOTICES = {
    "resent": "Queued again: it is sent within seconds, with the same event id.",
    outbox.OutboxError.NOT_FOUND: "No such outbox message.",
    outbox.OutboxError.ALREADY_SENT: "That message was already delivered.",
}


@outbox_permission_required
def outbox_list(request):
    listed = outbox.failures()
    return render(
        request,
        "dashboard_ext/outbox/list.html",
        {
            "sections": visible_sections(request.user),
            "active": "outbox",
            "dead": listed["dead"],
            "failing": listed["failing"],
            "notice": NOTICES.get(request.GET.get("notice", ""), ""),
        },
    )


@outbox_permission_required
@require_POST
def outbox_resend(request, message_id):
    try:
        outbox.resend(message_id)
    except outbox.OutboxError as error:
        return redirect(f"/dashboard-ext/outbox/?notice={error.code}")
    return redirect("/dashboard-ext/outbox/?notice=resent")
