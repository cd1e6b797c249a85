"""Provider warehouses: a Saleor ``Warehouse`` plus the link to its provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from django.utils.text import slugify
from saleor.account.models import Address
from saleor.shipping.models import ShippingZone
from saleor.warehouse.models import Warehouse

from .models import Provider, ProviderWarehouse


@dataclass(frozen=True)
class WarehouseAddress:
    street_address: str
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    country_area: str = ""


def unique_warehouse_slug(base: str) -> str:
    base = (slugify(base) or "warehouse")[:200]
    slug, n = base, 1
    while Warehouse.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_warehouse(
    provider: Provider,
    name: str,
    address: WarehouseAddress,
    shipping_zone_ids: Optional[Iterable[int]] = None,
) -> Warehouse:
    """A Saleor warehouse owned by ``provider`` (inside the caller's
    transaction). It ships to the given zones, or to every shipping zone when
    none is named, so its stock is sellable at once."""
    warehouse = Warehouse.objects.create(
        name=name[:250],
        slug=unique_warehouse_slug(f"{provider.slug}-{name}"),
        company_name=(provider.legal_name or provider.name)[:255],
        email=provider.contact_email,
        address=Address.objects.create(
            company_name=(provider.legal_name or provider.name)[:256],
            street_address_1=address.street_address[:256],
            city=address.city[:256],
            postal_code=address.postal_code[:20],
            country=address.country,
            country_area=address.country_area[:128],
        ),
    )
    zones = ShippingZone.objects.all()
    if shipping_zone_ids is not None:
        zones = zones.filter(pk__in=list(shipping_zone_ids))
    warehouse.shipping_zones.add(*zones)
    ProviderWarehouse.objects.create(provider=provider, warehouse=warehouse)
    return warehouse
