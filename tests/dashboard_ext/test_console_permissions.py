"""Console permissions (#10 item 2), in-process with Django's test client:
every page and POST action needs exactly the permission of its GraphQL twin
(channels: MANAGE_PRODUCTS, flash sales: MANAGE_DISCOUNTS); a refused
request changes nothing and leaks no channel secret; the sidebar links only
what the user may use."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from saleor.account.models import User
from saleor.product.models import ProductVariant

from plugins.channel_pricing import pool_admin
from plugins.channel_pricing.channel_admin import create_channel, rotate_secret
from plugins.channel_pricing.domain import RuleOverride
from plugins.channel_pricing.models import (
    BelowCostAcknowledgement,
    Channel,
    ChannelPoolEntry,
)
from plugins.sale_windows.models import FlashSale, FlashSaleItem
from saleor_flash.demo import seed_demo
from tests.sale_windows import factories

pytestmark = pytest.mark.django_db

PRODUCTS, DISCOUNTS = "manage_products", "manage_discounts"
FORMAT = "%Y-%m-%d %H:%M:%S"
BELOW_COST_SKU = "ACME-004"


def make_user(*codenames, is_staff=True, is_superuser=False) -> User:
    user = User.objects.create_user(
        f"console-{uuid.uuid4().hex[:8]}@example.com",
        "pw",
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def world():
    """A channel with a below-cost unacknowledged pool item and a rotation
    under way; a scheduled flash sale with one item; a stocked spare variant."""
    seed_demo(io.StringIO())
    channel = create_channel(name="Console Perms", slug="console-perms")
    variant = ProductVariant.objects.get(sku=BELOW_COST_SKU)
    settlement = variant.supply_listing.settlement_price_amount
    pool_admin.save_entries(
        channel,
        make_user(PRODUCTS),
        product_ids=[variant.product_id],
        override=RuleOverride(fixed_price=settlement - 1),
        acknowledge_below_cost=True,
    )
    BelowCostAcknowledgement.objects.filter(channel=channel).delete()
    channel = rotate_secret(channel)
    item = factories.make_item(starts_in=timedelta(hours=2), ends_in=timedelta(hours=3))
    spare = factories.make_variant()
    factories.make_stock(spare, 10)
    factories.CREATED.clear()  # rolled back with the test
    return {
        "channel": channel,
        "sku": BELOW_COST_SKU,
        "settlement": settlement,
        "sale": item.sale,
        "spare_sku": spare.sku,
    }


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def snapshot():
    models = [Channel, ChannelPoolEntry, BelowCostAcknowledgement]
    models += [FlashSale, FlashSaleItem]
    return [list(model.objects.order_by("pk").values()) for model in models]


def pages(world):
    slug, sale = world["channel"].slug, world["sale"].pk
    return [
        ("/dashboard-ext/channels/", PRODUCTS),
        (f"/dashboard-ext/channels/{slug}/", PRODUCTS),
        (f"/dashboard-ext/channels/{slug}/pool/", PRODUCTS),
        ("/dashboard-ext/flash-sales/", DISCOUNTS),
        (f"/dashboard-ext/flash-sales/{sale}/", DISCOUNTS),
        (f"/dashboard-ext/flash-sales/{sale}/sell-through.json", DISCOUNTS),
    ]


def actions(world):
    """Every POST action, in an order in which each changes something."""
    slug, sale = world["channel"].slug, world["sale"].pk
    now = timezone.now().replace(microsecond=0)
    window = {
        "starts_at": (now + timedelta(days=3)).strftime(FORMAT),
        "ends_at": (now + timedelta(days=4)).strftime(FORMAT),
    }
    channel = f"/dashboard-ext/channels/{slug}"
    return [
        (
            "/dashboard-ext/channels/",
            {
                "name": "Intruder channel",
                "payment_pct": "0",
                "platform_pct": "0",
                "channel_pct": "0",
                "fixed_markup": "0",
                "rounding": "cent",
            },
            PRODUCTS,
        ),
        (f"{channel}/rotate-secret/", {}, PRODUCTS),
        (f"{channel}/rotate-secret/", {"finish": "1"}, PRODUCTS),
        (
            f"{channel}/pool/",
            {
                "skus": world["sku"],
                "scope": "product",
                "fixed_price": str(world["settlement"] - 2),
                "acknowledge_below_cost": "on",
                "action": "save",
            },
            PRODUCTS,
        ),
        (f"{channel}/pool/acknowledge/", {"sku": world["sku"]}, PRODUCTS),
        (f"{channel}/pool/remove/", {"sku": world["sku"]}, PRODUCTS),
        (
            "/dashboard-ext/flash-sales/",
            {"name": "Intruder sale", "kind": "while_supplies_last", **window},
            DISCOUNTS,
        ),
        (
            f"/dashboard-ext/flash-sales/{sale}/",
            {
                "form": "sale",
                "sale-name": "Renamed by console",
                "sale-kind": "while_supplies_last",
                **{f"sale-{key}": value for key, value in window.items()},
            },
            DISCOUNTS,
        ),
        (
            f"/dashboard-ext/flash-sales/{sale}/",
            {
                "form": "item",
                "item-sku": world["spare_sku"],
                "item-sale_price": "5.00",
                "item-cap": "3",
            },
            DISCOUNTS,
        ),
        (f"/dashboard-ext/flash-sales/{sale}/cancel/", {}, DISCOUNTS),
    ]


ACCOUNTS = {
    "no-permissions": {},
    "manage-products": {"codenames": (PRODUCTS,)},
    "manage-discounts": {"codenames": (DISCOUNTS,)},
    "superuser": {"is_superuser": True},
    "not-staff-with-both": {"codenames": (PRODUCTS, DISCOUNTS), "is_staff": False},
}


def allowed(account: dict, permission: str) -> bool:
    if not account.get("is_staff", True):
        return False
    return account.get("is_superuser", False) or permission in account.get(
        "codenames", ()
    )


def assert_refused(account, response, where):
    if account.get("is_staff", True):
        assert response.status_code == 403, where
        assert "Not allowed" in response.content.decode(), where
    else:
        assert response.status_code == 302, where
        assert response["Location"].startswith("/dashboard-ext/login/"), where


@pytest.mark.parametrize("name", list(ACCOUNTS))
def test_every_page_and_action_needs_its_graphql_permission(world, name):
    account = ACCOUNTS[name]
    user = make_user(
        *account.get("codenames", ()),
        is_staff=account.get("is_staff", True),
        is_superuser=account.get("is_superuser", False),
    )
    client = signed_in(user)
    secrets = {world["channel"].sso_secret, world["channel"].sso_secret_previous}
    sees_secrets = allowed(account, PRODUCTS)

    def check_no_secret(response, where):
        if not sees_secrets:
            body = response.content.decode()
            assert not any(secret in body for secret in secrets), where

    home = client.get("/dashboard-ext/")
    if account.get("is_staff", True):
        assert home.status_code == 200
        body = home.content.decode()
        for path, permission in [
            ("/dashboard-ext/channels/", PRODUCTS),
            ("/dashboard-ext/flash-sales/", DISCOUNTS),
        ]:
            linked = f'href="{path}"' in body
            assert linked == allowed(account, permission), (name, path)
    else:
        assert_refused(account, home, "home")

    for path, permission in pages(world):
        response = client.get(path)
        check_no_secret(response, path)
        if allowed(account, permission):
            assert response.status_code == 200, path
        else:
            assert_refused(account, response, path)

    for path, data, permission in actions(world):
        before = snapshot()
        response = client.post(path, data)
        check_no_secret(response, path)
        where = (path, data)
        if allowed(account, permission):
            assert response.status_code == 302, where
            assert "/login/" not in response["Location"], where
            assert snapshot() != before, where
        else:
            assert_refused(account, response, where)
            assert snapshot() == before, where


def test_the_channel_secret_shows_only_to_who_may_rotate_it(world):
    channel = world["channel"]
    detail = f"/dashboard-ext/channels/{channel.slug}/"
    merchandiser = signed_in(make_user(DISCOUNTS))
    response = merchandiser.get(detail)
    assert response.status_code == 403
    assert channel.sso_secret not in response.content.decode()

    product_manager = signed_in(make_user(PRODUCTS))
    body = product_manager.get(detail).content.decode()
    assert channel.sso_secret in body and "Rotate secret" in body


# --- the below-cost acknowledgement tells the truth -------------------------


@pytest.fixture
def product_manager(world):
    return signed_in(make_user(PRODUCTS))


def acknowledge(client, world, sku):
    return client.post(
        f"/dashboard-ext/channels/{world['channel'].slug}/pool/acknowledge/",
        {"sku": sku},
    )


def test_acknowledging_an_unknown_sku_shows_the_error(world, product_manager):
    before = snapshot()
    response = acknowledge(product_manager, world, "NO-SUCH-SKU")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Unknown SKU: NO-SUCH-SKU" in body
    assert "acknowledged." not in body
    assert snapshot() == before


def test_acknowledging_outside_the_pool_shows_the_error(world, product_manager):
    before = snapshot()
    response = acknowledge(product_manager, world, "ACME-001")
    assert response.status_code == 400
    assert "None of these is in the channel" in response.content.decode()
    assert snapshot() == before


def test_acknowledging_a_price_at_or_above_cost_says_so(world, product_manager):
    channel = world["channel"]
    variant = ProductVariant.objects.get(sku=world["sku"])
    pool_admin.save_entries(
        channel,
        None,
        product_ids=[variant.product_id],
        override=RuleOverride(fixed_price=world["settlement"] + 5),
    )
    response = acknowledge(product_manager, world, world["sku"])
    assert response.status_code == 400
    assert "not priced below" in response.content.decode()
    assert not BelowCostAcknowledgement.objects.filter(channel=channel).exists()


def test_acknowledging_a_below_cost_price_records_it(world, product_manager):
    response = acknowledge(product_manager, world, world["sku"])
    assert response.status_code == 302
    assert response["Location"].endswith("/pool/?notice=acknowledged")
    assert BelowCostAcknowledgement.objects.filter(
        channel=world["channel"], variant__sku=world["sku"]
    ).exists()


def test_removing_an_unknown_sku_shows_the_error(world, product_manager):
    before = snapshot()
    response = product_manager.post(
        f"/dashboard-ext/channels/{world['channel'].slug}/pool/remove/",
        {"sku": "NO-SUCH-SKU"},
    )
    assert response.status_code == 400
    assert "Nothing removed: Unknown SKU: NO-SUCH-SKU" in response.content.decode()
    assert snapshot() == before
