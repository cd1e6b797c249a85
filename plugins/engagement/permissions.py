"""Permissions of the engagement plugin, as Saleor permission enums: Saleor's
``permission_required`` and ``user.has_perm`` accept them, and the console
pages require the same ones (``dashboard_ext/permissions.py``).

Each is declared on one of the app's models (``Meta.permissions``), so Django
creates it with the migrations and staff groups can be given it.
"""

from saleor.core.permissions import BasePermissionEnum


class EngagementPermissions(BasePermissionEnum):
    # Declared on models.events.EventKey (Meta.permissions).
    VIEW_STATISTICS = "engagement.view_statistics"
    # The support inbox, replies and status changes, per-channel contact
    # options, buyers' feedback (models/support.py: SupportRequest).
    MANAGE_SUPPORT = "engagement.manage_support"
    # The newsletter subscriber list and its CSV export (models/newsletter.py).
    MANAGE_NEWSLETTER = "engagement.manage_newsletter"
