"""Console screens for flash sales in headless Chromium against the 2-worker
server: list and calendar, create, edit with items, live sell-through."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect
from saleor.account.models import User

from plugins.sale_windows import gate, storefront
from plugins.sale_windows.models import FlashSale, FlashSaleItem

from . import factories
from .factories import make_checkout, make_item, make_stock, make_variant

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.django_db(transaction=True),
]

FORMAT = "%Y-%m-%d %H:%M:%S"


@pytest.fixture
def console(page, transactional_db, redis_client):
    redis_client.flushdb()
    gate.reset()
    email = f"merch-{uuid.uuid4().hex[:8]}@example.com"
    user = User.objects.create_user(email, "s3cret-pass", is_staff=True)
    # The screens need what their GraphQL twins need (docs/operations.md).
    user.user_permissions.set(Permission.objects.filter(codename="manage_discounts"))
    page.goto("/dashboard-ext/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    yield page
    factories.CREATED.clear()  # the transactional flush removed them


def test_sale_list_calendar_and_create(console, screenshot_dir):
    page = console
    make_item(starts_in=timedelta(hours=2), ends_in=timedelta(hours=3))
    page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name="Flash sales"
    ).click()
    expect(page.get_by_role("heading", name="Flash sales", level=1)).to_be_visible()
    expect(page.get_by_test_id("sale-row")).to_have_count(1)
    expect(page.get_by_test_id("calendar-day")).to_have_count(14)
    expect(page.get_by_test_id("calendar-sale").first).to_have_text("Test flash sale")

    now = timezone.now().replace(microsecond=0)
    page.get_by_label("Name", exact=True).fill("Midnight madness")
    page.get_by_label("Starts at").fill((now + timedelta(hours=1)).strftime(FORMAT))
    page.get_by_label("Ends at").fill((now - timedelta(hours=1)).strftime(FORMAT))
    page.get_by_role("button", name="Create sale").click()
    expect(page.get_by_role("alert")).to_contain_text("end must come after the start")
    assert not FlashSale.objects.filter(name="Midnight madness").exists()

    page.get_by_label("Ends at").fill((now + timedelta(hours=2)).strftime(FORMAT))
    page.get_by_role("button", name="Create sale").click()
    expect(page).to_have_url(re.compile(r"/dashboard-ext/flash-sales/\d+/\?created=1$"))
    expect(page.get_by_role("status")).to_have_text("Sale created.")
    sale = FlashSale.objects.get(name="Midnight madness")
    assert sale.starts_at == now + timedelta(hours=1)
    page.goto("/dashboard-ext/flash-sales/")
    expect(page.get_by_test_id("sale-row")).to_have_count(2)
    page.screenshot(
        path=str(screenshot_dir / "console-flash-sales.png"), full_page=True
    )


def test_edit_with_items_and_live_sell_through(console, screenshot_dir):
    page = console
    variant = make_variant()
    make_stock(variant, 8)
    sale = make_item(variant=make_variant()).sale  # another item, other variant
    page.goto(f"/dashboard-ext/flash-sales/{sale.pk}/")
    expect(page.get_by_test_id("item-row")).to_have_count(1)

    page.get_by_label("SKU").fill(variant.sku)
    page.get_by_label("Sale price").fill("4.50")
    page.get_by_label("Cap").fill("9")
    page.get_by_role("button", name="Add item").click()
    expect(page.get_by_role("alert")).to_contain_text("Only 8 units of stock")

    page.get_by_label("Cap").fill("8")
    page.get_by_role("button", name="Add item").click()
    expect(page.get_by_role("status")).to_have_text("Item added.")
    expect(page.get_by_test_id("item-row")).to_have_count(2)
    item = FlashSaleItem.objects.get(variant=variant)
    row = page.locator(f'[data-item="{item.pk}"]')
    expect(row.locator('[data-field="remaining"]')).to_have_text("8")

    # Units held elsewhere show up without reloading the page.
    storefront.reserve_for_checkout(item.pk, 3, make_checkout().token)
    expect(row.locator('[data-field="reserved"]')).to_have_text("3", timeout=8000)
    expect(row.locator('[data-field="remaining"]')).to_have_text("5")
    page.screenshot(
        path=str(screenshot_dir / "console-flash-sale-detail.png"), full_page=True
    )

    # Edit the window, then cancel the sale.
    ends = (timezone.now() + timedelta(hours=5)).replace(microsecond=0)
    page.get_by_label("Ends at").fill(ends.strftime(FORMAT))
    page.get_by_role("button", name="Save sale").click()
    expect(page.get_by_role("status")).to_have_text("Sale saved.")
    sale.refresh_from_db()
    assert sale.ends_at == ends
    page.get_by_role("button", name="Cancel sale").click()
    expect(page.get_by_role("status")).to_contain_text("Sale cancelled")
    expect(page.get_by_test_id("sale-status")).to_have_text("cancelled")
