"""Portal stock and listings, in-process: a provider changes its own stock
with a reason (audited, shown in the log) and sees its own listings, review
notes and assets; another provider's warehouse, variant or asset is a 404
and nothing changes."""

from __future__ import annotations

import pytest
from django.test import Client
from saleor.warehouse.models import Stock

from plugins.provider_dropship.models import StockAudit
from tests.provider_dropship.world import make_supplier, store

from .provider_world import asset_of, pending_listing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def world():
    store()
    return {"a": make_supplier(stock=10), "b": make_supplier(stock=7)}


def portal(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def stock_of(supplier) -> int:
    return Stock.objects.get(
        warehouse=supplier.warehouse, product_variant=supplier.variants[0]
    ).quantity


def stock_post(client, supplier, variant, **fields):
    return client.post(
        f"/provider/warehouses/{supplier.warehouse.pk}/stock/",
        {"variant": variant.pk, **fields},
    )


def test_stock_change_is_audited_and_shown(world):
    a = world["a"]
    client = portal(a.user)

    refused = stock_post(client, a, a.variants[0], quantity="4", reason=" ")
    assert refused.status_code == 400
    assert stock_of(a) == 10

    response = stock_post(client, a, a.variants[0], quantity="4", reason="Recount")
    assert response.url == "/provider/warehouses/?saved=1"
    assert stock_of(a) == 4
    audit = StockAudit.objects.get(provider=a.provider)
    assert (audit.quantity_before, audit.quantity_after, audit.reason) == (
        10,
        4,
        "Recount",
    )
    assert audit.actor_id == a.user.pk

    page = client.get("/provider/warehouses/?saved=1").content.decode()
    assert "10 → 4" in page and "Recount" in page
    assert a.user.email in page
    assert world["b"].variants[0].sku not in page


def test_other_providers_stock_is_404_and_unchanged(world):
    a, b = world["a"], world["b"]
    client = portal(a.user)
    fields = {"quantity": "0", "reason": "intrusion"}

    # B's warehouse with B's variant; A's warehouse with B's variant.
    assert stock_post(client, b, b.variants[0], **fields).status_code == 404
    assert stock_post(client, a, b.variants[0], **fields).status_code == 404
    assert (stock_of(a), stock_of(b)) == (10, 7)
    assert not StockAudit.objects.exists()


def test_listings_and_assets_only_the_providers_own(world):
    a, b = world["a"], world["b"]
    own = pending_listing(a.provider.pk)
    other = pending_listing(b.provider.pk)
    other_asset = asset_of(b.provider.pk)
    own_asset = own.assets.get()
    client = portal(a.user)

    page = client.get("/provider/listings/").content.decode()
    assert own.variant.sku in page
    assert other.variant.sku not in page
    assert f"/provider/assets/{own_asset.pk}/" in page

    image = client.get(f"/provider/assets/{own_asset.pk}/")
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")
    assert client.get(f"/provider/assets/{other_asset.pk}/").status_code == 404
