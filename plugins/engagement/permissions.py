from saleor.core.permissions import BasePermissionEnum


class EngagementPermissions(BasePermissionEnum):
    # Declared on models.events.EventKey (Meta.permissions).
    VIEW_STATISTICS = "engagement.view_statistics"
