"""The staff permission of the providers' area (declared on ``Provider.Meta``)."""

from saleor.core.permissions import BasePermissionEnum


class ProviderPermissions(BasePermissionEnum):
    MANAGE_PROVIDERS = "provider_dropship.manage_providers"
