"""Provider users: which provider a signed-in Saleor user works for.

Every provider-scoped entry point (GraphQL, the portal) resolves the provider
from the user with ``provider_for_user`` and passes ``membership.provider_id``
to the services, which filter every read and write by it. Ids sent by the
client never choose the provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from plugins.core.errors import ServiceRefusal

from .domain import ProviderRole, ProviderStatus
from .models import ProviderUser


@dataclass(frozen=True)
class ProviderMembership:
    provider_id: int
    role: ProviderRole
    provider_status: ProviderStatus
    user_id: int

    @property
    def is_owner(self) -> bool:
        return self.role == ProviderRole.OWNER


class ProviderAccessError(ServiceRefusal):
    """The user is not a provider user (or the provider may not work now)."""

    NOT_PROVIDER_USER = "not_provider_user"
    PROVIDER_INACTIVE = "provider_inactive"
    OWNER_ONLY = "owner_only"


def provider_for_user(user_id: Optional[int]) -> Optional[ProviderMembership]:
    """The provider (id, role) the user works for, or None (one query).

    Inactive Saleor users get None: a deactivated account reaches nothing.
    """
    if not user_id:
        return None
    row = (
        ProviderUser.objects.filter(user_id=user_id, user__is_active=True)
        .values_list("provider_id", "role", "provider__status")
        .first()
    )
    if row is None:
        return None
    provider_id, role, status = row
    return ProviderMembership(
        provider_id=provider_id,
        role=ProviderRole(role),
        provider_status=ProviderStatus(status),
        user_id=user_id,
    )


def require_membership(user, owner: bool = False) -> ProviderMembership:
    """The membership of a signed-in user, or ``ProviderAccessError``.

    A suspended provider's users may still read (their stock, listings and
    sub-orders) and fulfil what was ordered; the services that would put
    goods on sale refuse them.
    """
    user_id = (
        getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    )
    membership = provider_for_user(user_id)
    if membership is None:
        raise ProviderAccessError(
            ProviderAccessError.NOT_PROVIDER_USER, "You are not a provider user."
        )
    if membership.provider_status in (ProviderStatus.REJECTED,):
        raise ProviderAccessError(
            ProviderAccessError.PROVIDER_INACTIVE, "This provider was rejected."
        )
    if owner and not membership.is_owner:
        raise ProviderAccessError(
            ProviderAccessError.OWNER_ONLY, "Only the provider's owner may do this."
        )
    return membership
