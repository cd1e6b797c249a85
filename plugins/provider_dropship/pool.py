"""What the platform pool may sell, as the plugins above read it.

channel_pricing (pools, catalog, the below-cost guard) and sale_windows
(reservations) call these functions instead of reading this app's models:
a listing is on sale only while it is approved and its provider is approved
(not pending, invited, rejected or suspended). Suspending a provider takes its
listings out of every pool and flash sale at once, since every read goes
through here; nothing is copied elsewhere.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Dict, Iterable, List, Optional

from django.db.models import Q, QuerySet

from .domain import ListingStatus, ProviderStatus, guard_cost
from .models import SupplyListing

_ON_SALE = Q(
    status=ListingStatus.APPROVED.value,
    provider__status=ProviderStatus.APPROVED.value,
)


def pool_listings() -> QuerySet:
    """Listings in the platform pool (usable in ``Exists``/``OuterRef``
    subqueries on ``variant``/``variant_id``)."""
    return SupplyListing.objects.filter(_ON_SALE)


def withdrawn_listings() -> QuerySet:
    """Listings whose variant must not be sold now (their provider is not
    approved, or the listing is not). Variants without any listing are not
    providers' goods and are not affected."""
    return SupplyListing.objects.exclude(_ON_SALE)


def settlement_prices(variant_ids: Iterable[int]) -> Dict[int, Decimal]:
    """Per pool variant: the settlement price the below-cost guard compares
    with. While a new price the provider asked for waits for review, this is
    the higher of the approved and the proposed one (``domain.guard_cost``),
    so the guard sees the new price at once."""
    rows = pool_listings().filter(variant_id__in=list(variant_ids))
    return {
        variant_id: guard_cost(approved, proposed)
        for variant_id, approved, proposed in rows.values_list(
            "variant_id",
            "settlement_price_amount",
            "proposed_settlement_price_amount",
        )
    }


def approved_settlement_price(variant_id: int) -> Optional[Decimal]:
    """What the platform pays the provider for one unit of a listed variant
    (the approved price; a proposed change applies once approved)."""
    return (
        SupplyListing.objects.filter(variant_id=variant_id)
        .values_list("settlement_price_amount", flat=True)
        .first()
    )


def withdrawn_variant_names(names_by_variant: Dict[int, str]) -> List[str]:
    """The names of those variants that are withdrawn listings (one query;
    none when no variant is given)."""
    if not names_by_variant:
        return []
    withdrawn = withdrawn_listings().filter(variant_id__in=list(names_by_variant))
    return [
        names_by_variant[variant_id]
        for variant_id in withdrawn.values_list("variant_id", flat=True)
    ]
