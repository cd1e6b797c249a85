from saleor.core.permissions import BasePermissionEnum


class PointsPermissions(BasePermissionEnum):
    MANAGE_POINTS = "points_payment.manage_points"
