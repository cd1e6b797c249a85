"""Provider use cases (overview); the parts live in their own modules:
``memberships`` (provider users), ``onboarding`` (applications),
``invitations``, ``suspension``, ``stock``, ``listings``, ``assets``, ``pool``."""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

from django.db.models import Count, QuerySet

from . import pool
from .models import Provider


def providers_overview() -> QuerySet:
    """Providers annotated with how many warehouses and listings each has."""
    return Provider.objects.annotate(
        warehouse_count=Count("warehouses", distinct=True),
        listing_count=Count("listings", distinct=True),
    )


def settlement_price(variant_id: int) -> Optional[Decimal]:
    """What the platform pays the provider for one unit, shipping included."""
    return pool.approved_settlement_price(variant_id)
