"""Providers with their warehouses, and the goods they supply."""

from __future__ import annotations

from typing import Dict, List

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify
from saleor.account.models import Address
from saleor.discount.utils import fetch_active_discounts
from saleor.product.models import Category, Product, ProductType, ProductVariant
from saleor.product.utils.variant_prices import update_product_minimal_variant_price
from saleor.shipping.models import ShippingZone
from saleor.warehouse.models import Stock, Warehouse

from plugins.provider_dropship.domain import ProviderStatus
from plugins.provider_dropship.models import Provider, ProviderWarehouse, SupplyListing

from . import data
from .summary import Tally


def ensure_provider(spec: data.ProviderSpec, tally: Tally) -> Provider:
    provider, created = Provider.objects.update_or_create(
        slug=spec.slug,
        defaults={
            "name": spec.name,
            "legal_name": spec.legal_name,
            "tax_id": spec.tax_id,
            "contact_email": spec.contact_email,
            "contact_phone": spec.contact_phone,
            "status": ProviderStatus.APPROVED.value,
            "onboarding": spec.onboarding,
        },
    )
    tally.record("providers", created)
    if provider.reviewed_at is None:
        provider.reviewed_at = timezone.now()
        provider.save(update_fields=["reviewed_at"])
    return provider


def ensure_provider_warehouse(
    provider: Provider, spec: data.ProviderSpec, zone: ShippingZone, tally: Tally
) -> Warehouse:
    """The provider's own US warehouse, shipping in the demo zone."""
    address_fields = {
        "company_name": spec.legal_name,
        "street_address_1": spec.street,
        "city": spec.city,
        "postal_code": spec.postal_code,
        "country": "US",
        "country_area": spec.country_area,
    }
    warehouse = Warehouse.objects.filter(slug=f"{spec.slug}-warehouse").first()
    if warehouse is None:
        warehouse = Warehouse.objects.create(
            slug=f"{spec.slug}-warehouse",
            name=f"{spec.name} warehouse",
            company_name=spec.legal_name,
            email=spec.contact_email,
            address=Address.objects.create(**address_fields),
        )
        tally.record("warehouses", True)
    else:
        Address.objects.filter(pk=warehouse.address_id).update(**address_fields)
    warehouse.shipping_zones.add(zone)

    _, created = ProviderWarehouse.objects.update_or_create(
        warehouse=warehouse, defaults={"provider": provider}
    )
    tally.record("provider warehouses", created)
    return warehouse


def ensure_product_type(tally: Tally) -> ProductType:
    product_type, created = ProductType.objects.update_or_create(
        slug=data.PRODUCT_TYPE_SLUG,
        defaults={
            "name": data.PRODUCT_TYPE_NAME,
            "has_variants": True,
            "is_shipping_required": True,
            "is_digital": False,
        },
    )
    tally.record("product types", created)
    return product_type


def ensure_category(tally: Tally) -> Category:
    category, created = Category.objects.get_or_create(
        slug=data.CATEGORY_SLUG, defaults={"name": data.CATEGORY_NAME}
    )
    tally.record("categories", created)
    return category


def ensure_variant(spec: data.ProductSpec, product: Product, tally: Tally):
    """The product's single variant, found by SKU.

    Built with ``save()`` rather than ``ProductVariant.objects.create()``: in
    Saleor 2.10 the latter queues a Celery task (``.delay``) that would run
    before this transaction commits; minimal prices are updated inline instead.
    """
    variant = ProductVariant.objects.filter(sku=spec.sku).first()
    created = variant is None
    if created:
        variant = ProductVariant(sku=spec.sku, product=product)
    variant.product = product
    variant.name = ""
    variant.currency = settings.DEFAULT_CURRENCY
    variant.price_override_amount = spec.price
    variant.track_inventory = True
    variant.save()
    tally.record("variants", created)
    return variant


def ensure_product(
    spec: data.ProductSpec,
    product_type: ProductType,
    category: Category,
    tally: Tally,
) -> Product:
    """A published product priced at the unified sale price.

    Found through its variant's SKU (the stable key), else by slug.
    """
    existing = (
        ProductVariant.objects.select_related("product").filter(sku=spec.sku).first()
    )
    fields = {
        "name": spec.name,
        "product_type": product_type,
        "category": category,
        "currency": settings.DEFAULT_CURRENCY,
        "price_amount": spec.price,
        "is_published": True,
        "publication_date": None,  # available now
    }
    if existing is not None:
        product, created = existing.product, False
        for name, value in fields.items():
            setattr(product, name, value)
        product.save()
    else:
        product, created = Product.objects.update_or_create(
            slug=slugify(spec.name), defaults=fields
        )
    tally.record("products", created)
    return product


def ensure_supply(
    spec: data.ProductSpec,
    position: int,
    variant: ProductVariant,
    provider: Provider,
    warehouse: Warehouse,
    tally: Tally,
) -> None:
    """Stock in the provider's warehouse, and the provider's settlement price."""
    _, created = Stock.objects.get_or_create(
        warehouse=warehouse,
        product_variant=variant,
        defaults={"quantity": data.stock_quantity(position)},
    )
    tally.record("stocks", created)
    _, created = SupplyListing.objects.update_or_create(
        variant=variant,
        defaults={
            "provider": provider,
            "currency": settings.DEFAULT_CURRENCY,
            "settlement_price_amount": spec.settlement_price,
        },
    )
    tally.record("supply listings", created)


def ensure_providers(zone: ShippingZone, tally: Tally) -> Dict[str, Warehouse]:
    """Both approved providers with their warehouses, keyed by provider slug."""
    warehouses = {}
    for spec in data.PROVIDERS:
        provider = ensure_provider(spec, tally)
        warehouses[spec.slug] = ensure_provider_warehouse(provider, spec, zone, tally)
    return warehouses


def ensure_products(
    warehouses: Dict[str, Warehouse], tally: Tally
) -> Dict[str, ProductVariant]:
    """The whole catalogue; returns the variants keyed by SKU."""
    product_type = ensure_product_type(tally)
    category = ensure_category(tally)
    providers = {p.slug: p for p in Provider.objects.filter(slug__in=warehouses)}
    variants: Dict[str, ProductVariant] = {}
    products: List[Product] = []
    for position, spec in enumerate(data.CATALOG):
        product = ensure_product(spec, product_type, category, tally)
        variant = ensure_variant(spec, product, tally)
        provider = providers[spec.provider_slug]
        warehouse = warehouses[spec.provider_slug]
        ensure_supply(spec, position, variant, provider, warehouse, tally)
        variants[spec.sku] = variant
        products.append(product)

    discounts = fetch_active_discounts()
    for product in products:
        update_product_minimal_variant_price(product, discounts=discounts)
    return variants
