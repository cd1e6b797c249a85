"""Flash sales: one live now, one coming up; windows move with every run."""

from __future__ import annotations

from datetime import datetime
from typing import Dict, List

from django.conf import settings
from saleor.product.models import ProductVariant

from plugins.channel_pricing.models import Channel
from plugins.sale_windows.models import FlashSale, FlashSaleItem

from . import data
from .summary import Tally


def ensure_flash_sale(
    spec: data.FlashSaleSpec, now: datetime, tally: Tally
) -> FlashSale:
    """The sale named ``spec.name``, its window re-anchored on ``now``.

    A re-run makes the live sale live again and the upcoming one upcoming
    again (and un-cancels either); units already sold are kept.
    """
    fields = {
        "kind": spec.kind,
        "description": spec.description,
        "starts_at": now + spec.starts_in,
        "ends_at": now + spec.ends_in,
        "cancelled_at": None,
    }
    sale = FlashSale.objects.filter(name=spec.name).order_by("pk").first()
    created = sale is None
    if created:
        sale = FlashSale.objects.create(name=spec.name, **fields)
    else:
        FlashSale.objects.filter(pk=sale.pk).update(**fields)
        sale.refresh_from_db()
    tally.record("flash sales", created)
    return sale


def ensure_sale_item(
    sale: FlashSale,
    spec: data.SaleItemSpec,
    variant: ProductVariant,
    tally: Tally,
) -> FlashSaleItem:
    """A capped item at a price below the variant's; ``sold`` is never written."""
    regular_price = data.PRODUCTS_BY_SKU[spec.sku].price
    if spec.sale_price >= regular_price:
        raise ValueError(
            f"demo sale price {spec.sale_price} for {spec.sku} is not below "
            f"its price {regular_price}"
        )
    item, created = FlashSaleItem.objects.get_or_create(
        sale=sale,
        variant=variant,
        defaults={
            "currency": settings.DEFAULT_CURRENCY,
            "sale_price_amount": spec.sale_price,
            "cap": spec.cap,
            "per_customer_limit": spec.per_customer_limit,
        },
    )
    tally.record("flash sale items", created)
    if not created:
        item.currency = settings.DEFAULT_CURRENCY
        item.sale_price_amount = spec.sale_price
        item.cap = max(spec.cap, item.sold)  # a cap below sold breaks a constraint
        item.per_customer_limit = spec.per_customer_limit
        item.save(
            update_fields=["currency", "sale_price_amount", "cap", "per_customer_limit"]
        )
    return item


def ensure_flash_sales(
    now: datetime,
    channels: List[Channel],
    variants: Dict[str, ProductVariant],
    tally: Tally,
) -> List[FlashSale]:
    by_slug = {channel.slug: channel for channel in channels}
    sales = []
    for spec in data.FLASH_SALES:
        sale = ensure_flash_sale(spec, now, tally)
        sale.channels.add(*(by_slug[slug] for slug in spec.channel_slugs))
        for item_spec in spec.items:
            ensure_sale_item(sale, item_spec, variants[item_spec.sku], tally)
        sales.append(sale)
    return sales
