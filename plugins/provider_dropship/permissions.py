"""Permissions of the provider plugin, for GraphQL and the console alike."""

from saleor.core.permissions import BasePermissionEnum


class ProviderPermissions(BasePermissionEnum):
    MANAGE_PROVIDERS = "provider_dropship.manage_providers"
