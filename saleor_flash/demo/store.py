"""Saleor store settings a storefront checkout needs: the site and a shipping zone."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sites.models import Site
from saleor.shipping import ShippingMethodType
from saleor.shipping.models import ShippingMethod, ShippingZone
from saleor.site.models import SiteSettings

from . import data
from .summary import Tally


def ensure_site(tally: Tally) -> Site:
    """The current Site (SITE_ID) named for the demo, with its Saleor settings row."""
    site, created = Site.objects.update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": data.SITE_DOMAIN, "name": data.SITE_NAME},
    )
    tally.record("sites", created)
    _, created = SiteSettings.objects.get_or_create(site=site)
    tally.record("site settings", created)
    Site.objects.clear_cache()
    return site


def ensure_shipping_zone(tally: Tally) -> ShippingZone:
    """'Demo worldwide' with one price-based 'Standard' method at a flat rate."""
    zone, created = ShippingZone.objects.get_or_create(
        name=data.SHIPPING_ZONE_NAME,
        defaults={"countries": list(data.SHIPPING_COUNTRIES)},
    )
    tally.record("shipping zones", created)
    countries = {country.code for country in zone.countries}
    missing = [code for code in data.SHIPPING_COUNTRIES if code not in countries]
    if missing:
        zone.countries = sorted(countries | set(missing))
        zone.save(update_fields=["countries"])

    _, created = ShippingMethod.objects.update_or_create(
        shipping_zone=zone,
        name=data.SHIPPING_METHOD_NAME,
        defaults={
            "type": ShippingMethodType.PRICE_BASED,
            "currency": settings.DEFAULT_CURRENCY,
            "price_amount": data.SHIPPING_PRICE,
            "minimum_order_price_amount": 0,
            "maximum_order_price_amount": None,
        },
    )
    tally.record("shipping methods", created)
    return zone
