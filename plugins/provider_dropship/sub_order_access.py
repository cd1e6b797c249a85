"""Who may see and work which sub-orders.

A provider user works only its own provider's sub-orders; staff with
``manage_providers`` see every one; a buyer sees the shipments of their own
orders. A provider user's provider comes from ``memberships.provider_for_user``
(never from ids the client sends).
"""

from __future__ import annotations

from typing import List, Optional

from django.db.models import QuerySet

from .memberships import provider_for_user
from .models import SubOrder
from .permissions import ProviderPermissions


def provider_ids_of(user) -> List[int]:
    """The providers a signed-in user works for (none for anyone else)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    membership = provider_for_user(user.pk)
    return [membership.provider_id] if membership else []


def is_settlement_staff(user) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.has_perm(ProviderPermissions.MANAGE_PROVIDERS)
    )


def sub_orders_for_provider_user(user) -> QuerySet:
    """The sub-orders a provider user may see: its providers' only."""
    return SubOrder.objects.filter(provider_id__in=provider_ids_of(user))


def visible_sub_orders(user) -> QuerySet:
    """Staff: all; a provider user: its own; anyone else: none."""
    if is_settlement_staff(user):
        return SubOrder.objects.all()
    return sub_orders_for_provider_user(user)


def may_see_order(user, order) -> bool:
    """The order's owner or order staff (Saleor's MANAGE_ORDERS) or ours."""
    from saleor.core.permissions import OrderPermissions

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if order.user_id is not None and order.user_id == user.pk:
        return True
    return user.has_perm(OrderPermissions.MANAGE_ORDERS) or is_settlement_staff(user)


def provider_sub_order(user, sub_order_pk: int) -> Optional[SubOrder]:
    """The sub-order if this user may work it (its provider's), else None:
    another provider's id looks exactly like one that does not exist."""
    return sub_orders_for_provider_user(user).filter(pk=sub_order_pk).first()
