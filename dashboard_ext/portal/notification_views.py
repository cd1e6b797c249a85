"""Portal page where a provider's owner sets the webhook its new sub-orders
are announced to, and reads or rotates the signing secret
(``provider_dropship.notification_targets``). Staff users of the provider
see the settings; only the owner changes them."""

from __future__ import annotations

from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from plugins.provider_dropship import notification_targets

from .access import provider_required
from .pages import page


def _notifications_page(request, error: str = "", status: int = 200):
    notice = "Saved." if "saved" in request.GET else ""
    return page(
        request,
        "notifications.html",
        "notifications",
        status=status,
        is_owner=request.membership.is_owner,
        error=error,
        notice=notice,
    )


@provider_required
def notification_settings(request):
    return _notifications_page(request)


@provider_required
@require_POST
def webhook_change(request):
    if not request.membership.is_owner:
        return _notifications_page(
            request, "Only the provider's owner may change these settings.", 403
        )
    try:
        notification_targets.set_provider_webhook(
            request.membership.provider_id,
            request.POST.get("url", ""),
            rotate_secret=request.POST.get("rotate") == "1",
        )
    except notification_targets.WebhookSettingError as refusal:
        return _notifications_page(request, refusal.message, 400)
    return redirect("/provider/notifications/?saved=1")
