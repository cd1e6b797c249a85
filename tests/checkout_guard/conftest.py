import io

import pytest
from graphene import Node
from saleor.warehouse.models import Stock

from saleor_flash.demo import seed_demo


@pytest.fixture
def demo_stocks(transactional_db):
    """The seeded demo catalogue: one stock row per variant, committed; the
    variants the demo's own orders hold (the providers' split order) are left
    out, so a test counts only its own orders and allocations."""
    seed_demo(io.StringIO())
    from saleor.order.models import OrderLine

    ordered = OrderLine.objects.filter(variant__isnull=False).values("variant_id")
    return list(
        Stock.objects.select_related("product_variant")
        .exclude(product_variant_id__in=ordered)
        .order_by("pk")
    )


def variant_gid(stock: Stock) -> str:
    return Node.to_global_id("ProductVariant", stock.product_variant_id)
