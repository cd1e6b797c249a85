"""Rendering shared by the portal's views."""

from __future__ import annotations

from django.shortcuts import render

from plugins.provider_dropship.services import providers_overview


def page(request, template: str, active: str, status: int = 200, **context):
    """Render ``provider_portal/<template>`` with the signed-in provider."""
    membership = request.membership
    context.update(
        {
            "membership": membership,
            "provider": providers_overview().get(pk=membership.provider_id),
            "active": active,
        }
    )
    return render(request, f"provider_portal/{template}", context, status=status)
