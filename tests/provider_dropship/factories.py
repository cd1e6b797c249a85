"""Builders for provider tests: providers with users, warehouses, listings."""

from __future__ import annotations

import uuid
from decimal import Decimal

import graphene
from django.contrib.auth.models import Permission
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User
from saleor.product.models import Product, ProductType, ProductVariant
from saleor.warehouse.models import Stock

from plugins.provider_dropship.domain import ListingStatus, ProviderRole, ProviderStatus
from plugins.provider_dropship.models import Provider, ProviderUser, SupplyListing
from plugins.provider_dropship.warehouses import WarehouseAddress, create_warehouse

ADDRESS = WarehouseAddress("1 Dock Road", "Shanghai", "200000", "CN")


def gid(type_name: str, pk) -> str:
    return graphene.Node.to_global_id(type_name, str(pk))


def tag() -> str:
    return uuid.uuid4().hex[:8]


def make_provider(status: ProviderStatus = ProviderStatus.APPROVED) -> Provider:
    t = tag()
    return Provider.objects.create(
        name=f"Provider {t}",
        slug=f"provider-{t}",
        contact_email=f"provider-{t}@example.com",
        status=status.value,
    )


def make_provider_user(provider: Provider, role=ProviderRole.OWNER) -> User:
    user = User.objects.create_user(f"user-{tag()}@example.com", "pw-provider-123")
    ProviderUser.objects.create(provider=provider, user=user, role=role.value)
    return user


def make_warehouse(provider: Provider):
    return create_warehouse(provider, f"Warehouse {tag()}", ADDRESS)


def make_listing(
    provider: Provider,
    settlement: Decimal = Decimal("10.00"),
    status: ListingStatus = ListingStatus.APPROVED,
    price: Decimal = Decimal("20.00"),
) -> SupplyListing:
    t = tag()
    product_type, _ = ProductType.objects.get_or_create(
        slug="provider-test-type", defaults={"name": "Provider test type"}
    )
    product = Product.objects.create(
        product_type=product_type,
        name=f"Product {t}",
        slug=f"product-{t}",
        price_amount=price,
        minimal_variant_price_amount=price,
        is_published=True,
    )
    variant = ProductVariant(product=product, sku=f"SKU-{t}", track_inventory=True)
    variant.save()
    return SupplyListing.objects.create(
        provider=provider,
        variant=variant,
        settlement_price_amount=settlement,
        status=status.value,
        title=product.name,
    )


def set_stock(warehouse, variant, quantity: int) -> Stock:
    stock, _ = Stock.objects.update_or_create(
        warehouse=warehouse, product_variant=variant, defaults={"quantity": quantity}
    )
    return stock


def staff_user(*codenames: str) -> User:
    user = User.objects.create_user(
        f"staff-{tag()}@example.com", "pw-staff-123", is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def token(user) -> str:
    return get_token(user)
