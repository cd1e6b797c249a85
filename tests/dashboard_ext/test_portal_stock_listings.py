"""Portal stock and listings, in-process: a provider changes its own stock
with a reason (audited, shown in the log) and sees its own listings, review
notes and assets; another provider's warehouse, variant or asset is a 404
and nothing changes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from saleor.warehouse.models import Stock

from plugins.provider_dropship.models import StockAudit, SupplyListing
from tests.provider_dropship.world import make_supplier, store

from .provider_world import asset_of, pending_listing, png_upload

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


def test_provider_submits_a_listing_and_asks_a_new_price(world):
    a, b = world["a"], world["b"]
    client = portal(a.user)

    response = client.post(
        "/provider/listings/",
        {
            "name": "Silk scarf",
            "sku": "PORTAL-SCARF-1",
            "settlement_price": "30.00",
            "description": "Hand-rolled edges.",
            "links": "https://example.com/scarf",
            "image": png_upload(),
        },
    )
    assert response.url == "/provider/listings/?notice=submitted"
    listing = SupplyListing.objects.get(variant__sku="PORTAL-SCARF-1")
    assert (listing.provider_id, listing.status) == (a.provider.pk, "pending")
    assert listing.assets.get().content_type == "image/png"

    not_an_image = client.post(
        "/provider/listings/",
        {
            "name": "Fake",
            "sku": "PORTAL-FAKE-1",
            "settlement_price": "5",
            "image": SimpleUploadedFile("x.png", b"GIF89a not png"),
        },
    )
    assert not_an_image.status_code == 400
    assert not SupplyListing.objects.filter(variant__sku="PORTAL-FAKE-1").exists()

    approved = a.provider.listings.get(variant=a.variants[0])
    client.post(
        f"/provider/listings/{approved.pk}/price/", {"settlement_price": "13.50"}
    )
    approved.refresh_from_db()
    assert approved.proposed_settlement_price_amount == Decimal("13.50")
    assert approved.settlement_price_amount == Decimal("12.00")

    others = b.provider.listings.get()
    response = client.post(
        f"/provider/listings/{others.pk}/price/", {"settlement_price": "1.00"}
    )
    assert response.status_code == 404
    others.refresh_from_db()
    assert others.proposed_settlement_price_amount is None
