"""Console screens for providers: the providers list (suspend, reactivate,
invite). The review queues, the sub-orders board and the statements are in
``provider_review_views`` and ``provider_order_views``.

Thin: forms translate input, ``plugins.provider_dropship`` services do the work.
Every screen and action needs MANAGE_PROVIDERS, like the provider_dropship
staff queries and mutations.
"""

from __future__ import annotations

from django.shortcuts import render

from plugins.provider_dropship.services import providers_overview

from .navigation import visible_sections
from .permissions import MANAGE_PROVIDERS, console_permission_required

providers_permission = console_permission_required(MANAGE_PROVIDERS)


def page(request, template: str, tab: str, status: int = 200, **context):
    """Render ``dashboard_ext/providers/<template>`` inside the console frame."""
    context.update(
        {"sections": visible_sections(request.user), "active": "providers", "tab": tab}
    )
    return render(
        request, f"dashboard_ext/providers/{template}", context, status=status
    )


@providers_permission
def provider_list(request):
    return page(request, "list.html", "providers", providers=providers_overview())
