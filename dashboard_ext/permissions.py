"""Who may use which console page: exactly the Saleor permission its GraphQL
twin requires (``Meta.permissions`` in ``plugins/*/graphql/staff.py``).

Being active staff only lets a user in (sign-in, the overview); every screen
that reads or changes channels or flash sales also needs its permission, the
same for the page and for each of its POST actions. The table of pages and
permissions is in docs/operations.md.
"""

from __future__ import annotations

from functools import wraps
from typing import Optional

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from saleor.core.permissions import (
    BasePermissionEnum,
    DiscountPermissions,
    ProductPermissions,
    WebhookPermissions,
)

from plugins.engagement.permissions import EngagementPermissions
from plugins.points_payment.permissions import PointsPermissions  # noqa: E402
from plugins.provider_dropship.permissions import ProviderPermissions

LOGIN_PATH = "/dashboard-ext/login/"

# salesChannels, salesChannelCreate/Update/RotateSecret, channelPool*,
# channelPricePreview, channelBelowCost*: MANAGE_PRODUCTS.
MANAGE_CHANNELS = ProductPermissions.MANAGE_PRODUCTS
# flashSaleCreate/Update/Cancel, flashSaleItemCreate/Update/Delete:
# MANAGE_DISCOUNTS.
MANAGE_FLASH_SALES = DiscountPermissions.MANAGE_DISCOUNTS
# Provider applications, providers, listing review, sub-orders, statements:
# MANAGE_PROVIDERS, like the provider_dropship staff queries and mutations.
MANAGE_PROVIDERS = ProviderPermissions.MANAGE_PROVIDERS
# The points pages (quotas, ledger, period close, API secret): the points
# plugin's own permission.
MANAGE_POINTS = PointsPermissions.MANAGE_POINTS
# The statistics page and its CSV: engagementFunnel & co. need the same.
VIEW_STATISTICS = EngagementPermissions.VIEW_STATISTICS
# The outbox page (dead letters, re-send): what Saleor sends to other systems.
MANAGE_OUTBOX = WebhookPermissions.MANAGE_WEBHOOKS
# The support inbox, replies, status changes and contact options, like
# supportRequests/supportRequestReply/supportRequestSetStatus/supportContactsUpdate.
MANAGE_SUPPORT = EngagementPermissions.MANAGE_SUPPORT
# The newsletter list and its CSV export, like newsletterSubscriptions.
MANAGE_NEWSLETTER = EngagementPermissions.MANAGE_NEWSLETTER


def is_active_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def may(user, permission: Optional[BasePermissionEnum]) -> bool:
    """An active staff user holding ``permission`` (superusers hold every one)."""
    if not is_active_staff(user):
        return False
    return permission is None or user.has_perm(permission)


def console_permission_required(permission: Optional[BasePermissionEnum]):
    """Decorate a console view: no staff session → the sign-in page; staff
    without ``permission`` → 403 before the view (or its form) runs."""

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not is_active_staff(request.user):
                return redirect_to_login(request.get_full_path(), LOGIN_PATH)
            if not may(request.user, permission):
                return forbidden(request, permission)
            return view(request, *args, **kwargs)

        return guarded

    return decorator


staff_required = console_permission_required(None)


def forbidden(request, permission: BasePermissionEnum):
    from .navigation import visible_sections

    return render(
        request,
        "dashboard_ext/forbidden.html",
        {
            "sections": visible_sections(request.user),
            "active": None,
            "permission": permission.name,
        },
        status=403,
    )
