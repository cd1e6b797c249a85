"""Provider use cases."""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

from django.db.models import Count, QuerySet

from .models import Provider, SupplyListing


def providers_overview() -> QuerySet:
    """Providers annotated with how many warehouses and listings each has."""
    return Provider.objects.annotate(
        warehouse_count=Count("warehouses", distinct=True),
        listing_count=Count("listings", distinct=True),
    )


def settlement_price(variant_id: int) -> Optional[Decimal]:
    """What the platform pays the provider for one unit, shipping included."""
    listing = SupplyListing.objects.filter(variant_id=variant_id).first()
    return listing.settlement_price_amount if listing else None
