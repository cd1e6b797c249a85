"""Small builders for flash-sale tests: a variant, a sale with one item, a
package sale, and checkouts, written straight to the database (committed rows
are what other processes see)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import List, Optional, Sequence, Tuple

from django.utils import timezone
from saleor.checkout.models import Checkout
from saleor.product import utils as _product_utils  # noqa: F401  (import order:
from saleor.product.models import (  # saleor.product.tasks alone is circular)
    Category,
    Product,
    ProductType,
    ProductVariant,
)

from plugins.sale_windows.models import FlashSale, FlashSaleItem

CREATED: List = []


def _track(instance):
    CREATED.append(instance)
    return instance


def delete_created() -> None:
    """Delete what the builders made, newest first (sales take their items and
    holds with them)."""
    from django.db import connections

    by_model = {}
    for instance in reversed(CREATED):
        by_model.setdefault(type(instance), []).append(instance.pk)
    CREATED.clear()
    for model, pks in by_model.items():
        model.objects.filter(pk__in=pks).delete()
    connections.close_all()


def make_variant(price: Decimal = Decimal("20.00")) -> ProductVariant:
    tag = uuid.uuid4().hex[:10]
    product_type, _ = ProductType.objects.get_or_create(
        slug="flash-test-type",
        defaults={"name": "Flash test type", "has_variants": True},
    )
    category, _ = Category.objects.get_or_create(
        slug="flash-test-category", defaults={"name": "Flash test category"}
    )
    product = Product.objects.create(
        product_type=product_type,
        category=category,
        name=f"Flash test product {tag}",
        slug=f"flash-test-{tag}",
        price_amount=price,
        minimal_variant_price_amount=price,
        is_published=True,
    )
    _track(product)
    return ProductVariant.objects.create(
        product=product,
        sku=f"FLASH-{tag}",
        name=f"Variant {tag}",
        track_inventory=False,
    )


def make_item(
    cap: int = 50,
    per_customer_limit: Optional[int] = None,
    starts_in: timedelta = timedelta(minutes=-5),
    ends_in: timedelta = timedelta(hours=1),
    sale_price: Decimal = Decimal("9.00"),
    variant: Optional[ProductVariant] = None,
    kind: str = "while_supplies_last",
) -> FlashSaleItem:
    now = timezone.now()
    sale = FlashSale.objects.create(
        name="Test flash sale",
        kind=kind,
        starts_at=now + starts_in,
        ends_at=now + ends_in,
    )
    _track(sale)
    return FlashSaleItem.objects.create(
        sale=sale,
        variant=variant or make_variant(),
        sale_price_amount=sale_price,
        cap=cap,
        per_customer_limit=per_customer_limit,
    )


def make_package_sale(
    variants: Sequence[ProductVariant],
    caps: Sequence[int],
    sale_prices: Sequence[Decimal],
    starts_in: timedelta = timedelta(minutes=-5),
    ends_in: timedelta = timedelta(hours=1),
    name: str = "Test package deal",
) -> Tuple[FlashSale, List[FlashSaleItem]]:
    """A PACKAGE sale with one item per variant (in the given order)."""
    now = timezone.now()
    sale = _track(
        FlashSale.objects.create(
            name=name, kind="package", starts_at=now + starts_in, ends_at=now + ends_in
        )
    )
    items = [
        FlashSaleItem.objects.create(
            sale=sale, variant=variant, sale_price_amount=price, cap=cap
        )
        for variant, cap, price in zip(variants, caps, sale_prices)
    ]
    return sale, items


def make_checkout(email: Optional[str] = None, user=None) -> Checkout:
    return _track(
        Checkout.objects.create(
            email=email or f"buyer-{uuid.uuid4().hex[:8]}@example.com", user=user
        )
    )


def make_user(email: str):
    from saleor.account.models import User

    return _track(User.objects.create_user(email, "flash-test-password"))


def global_id(type_name: str, pk) -> str:
    import graphene

    return graphene.Node.to_global_id(type_name, str(pk))


def make_stock(variant, quantity: int):
    from saleor.account.models import Address
    from saleor.warehouse.models import Stock, Warehouse

    tag = uuid.uuid4().hex[:8]
    warehouse = _track(
        Warehouse.objects.create(
            slug=f"flash-test-{tag}",
            name=f"Flash test warehouse {tag}",
            company_name="Flash test",
            email="warehouse@example.com",
            address=Address.objects.create(
                street_address_1="1 Test St", city="New York", country="US"
            ),
        )
    )
    return Stock.objects.create(
        warehouse=warehouse, product_variant=variant, quantity=quantity
    )


def make_staff(email: str, *codenames: str):
    from django.contrib.auth.models import Permission

    user = make_user(email)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def on_the_test_database() -> None:
    """A django_db-marked test in each committed-rows module makes pytest-django
    create the test database even when the module runs alone."""
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")


def sell_as_checkout_complete(order_id, checkout_token, ordered_by_variant):
    """What checkoutComplete does with a checkout's holds, without Saleor:
    accept the flash units before payment (the ``preprocess_order_creation``
    step), then sell them in the order's transaction (``order_created``)."""
    from plugins.sale_windows import reservations

    holds = reservations.open_holds_of_checkout(checkout_token)
    reservations.accept_flash_units(checkout_token, holds, ordered_by_variant)
    return reservations.sell_holds_for_order(
        order_id, checkout_token, ordered_by_variant
    )
