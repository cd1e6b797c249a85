import io

import pytest
from graphene import Node
from saleor.warehouse.models import Stock

from saleor_flash.demo import seed_demo


@pytest.fixture
def demo_stocks(transactional_db):
    """The seeded demo catalogue: one stock row per variant, committed."""
    seed_demo(io.StringIO())
    return list(Stock.objects.select_related("product_variant").order_by("pk"))


def variant_gid(stock: Stock) -> str:
    return Node.to_global_id("ProductVariant", stock.product_variant_id)
