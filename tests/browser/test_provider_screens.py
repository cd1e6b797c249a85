"""The provider screens in Chromium against gunicorn: the portal (sign-in,
ship a sub-order, change stock with the audit log) and the console (the
sub-orders board showing a partially shipped order, application approval,
listing review). One screenshot per screen in var/screenshots/."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect
from saleor.account.models import User
from saleor.order.models import Order

from plugins.provider_dropship import sub_order_workflow
from plugins.provider_dropship.models import SubOrder
from tests.dashboard_ext.provider_world import pending_listing, submitted_application
from tests.provider_dropship.world import make_supplier, place_order, store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.django_db(transaction=True),
]

PROVIDER_PASSWORD = "provider-password"  # tests/provider_dropship/world.py
STAFF_PASSWORD = "staff-pass"


def at(path: str) -> re.Pattern:
    return re.compile(rf"^http://127\.0\.0\.1:\d+{re.escape(path)}(\?.*)?$")


def sign_in(page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def providers_staff() -> User:
    user = User.objects.create_user(
        f"reviewer-{uuid.uuid4().hex[:8]}@example.com", STAFF_PASSWORD, is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename="manage_providers"))
    return user


@pytest.fixture
def two_provider_order():
    store()
    a, b = make_supplier(variants=2), make_supplier()
    placed = place_order([(a.variants[0], 2), (a.variants[1], 1), (b.variants[0], 1)])
    order = Order.objects.get(token=placed["token"])
    return {
        "a": a,
        "b": b,
        "order": order,
        "sub_a": SubOrder.objects.get(order=order, provider=a.provider),
    }


def test_portal_provider_signs_in_and_ships_a_sub_order(
    page, two_provider_order, screenshot_dir
):
    a, sub = two_provider_order["a"], two_provider_order["sub_a"]

    page.goto("/provider/orders/")
    expect(page).to_have_url(at("/provider/login/"))
    sign_in(page, a.user.email, PROVIDER_PASSWORD)
    expect(page).to_have_url(at("/provider/orders/"))
    expect(page.get_by_test_id("provider-name")).to_have_text(a.provider.name)
    rows = page.get_by_test_id("sub-order-row")
    expect(rows).to_have_count(1)  # B's sub-order of the same order is not here

    rows.get_by_role("link", name=f"SO-{sub.pk}").click()
    expect(page.get_by_test_id("sub-order-status")).to_have_text("New")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_have_text("Sub-order accepted.")
    page.get_by_label("Carrier").fill("SF Express")
    page.get_by_label("Tracking number").fill("SF1234567890")
    page.get_by_role("button", name="Mark shipped").click()
    expect(page.get_by_test_id("sub-order-status")).to_have_text("Shipped")
    expect(page.get_by_test_id("tracking")).to_contain_text("SF1234567890")
    page.screenshot(path=str(screenshot_dir / "portal-sub-order.png"), full_page=True)

    sub.refresh_from_db()
    assert (sub.status, sub.tracking_number) == ("shipped", "SF1234567890")


def test_console_board_shows_partially_shipped(
    page, two_provider_order, screenshot_dir
):
    a, order = two_provider_order["a"], two_provider_order["order"]
    sub = two_provider_order["sub_a"]
    sub_order_workflow.accept(a.user, sub.pk)
    sub_order_workflow.ship(a.user, sub.pk, "DHL", "JD014600")
    staff = providers_staff()

    page.goto("/dashboard-ext/providers/sub-orders/")
    sign_in(page, staff.email, STAFF_PASSWORD)
    expect(page).to_have_url(at("/dashboard-ext/providers/sub-orders/"))
    card = page.locator(f'[data-testid="order-card"][data-order="{order.pk}"]')
    expect(card.get_by_test_id("shipment-state")).to_have_text("partially shipped")
    expect(card.get_by_test_id("board-sub-order")).to_have_count(2)
    expect(card).to_contain_text("JD014600")
    page.screenshot(path=str(screenshot_dir / "console-sub-orders.png"), full_page=True)

    page.get_by_role("link", name="partially shipped").click()
    expect(page.get_by_test_id("order-card")).to_have_count(1)


def test_portal_stock_change_shows_in_the_audit_log(page, screenshot_dir):
    store()
    a = make_supplier(stock=50)
    sku = a.variants[0].sku

    page.goto("/provider/login/")
    sign_in(page, a.user.email, PROVIDER_PASSWORD)
    page.get_by_role("navigation", name="Portal").get_by_role(
        "link", name="Warehouses and stock"
    ).click()
    row = page.locator(f'[data-testid="stock-row"][data-sku="{sku}"]')
    expect(row.locator('[data-field="quantity"]')).to_have_text("50")
    row.get_by_label("New quantity").fill("42")
    row.get_by_label("Reason").fill("Eight units water-damaged")
    row.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("Stock saved")
    expect(row.locator('[data-field="quantity"]')).to_have_text("42")
    audit = page.get_by_test_id("audit-row").first
    expect(audit.locator('[data-field="change"]')).to_have_text("50 → 42")
    expect(audit).to_contain_text("Eight units water-damaged")
    expect(audit).to_contain_text(a.user.email)
    page.screenshot(path=str(screenshot_dir / "portal-stock.png"), full_page=True)


def test_console_approves_an_application_and_reviews_a_listing(page, screenshot_dir):
    store()
    application = submitted_application("Jade River Ceramics")
    supplier = make_supplier()
    listing = pending_listing(supplier.provider.pk)
    staff = providers_staff()

    page.goto("/dashboard-ext/providers/applications/")
    sign_in(page, staff.email, STAFF_PASSWORD)
    page.get_by_role("link", name="Jade River Ceramics").click()
    expect(page.get_by_test_id("application-status")).to_have_text("Submitted")
    expect(page.get_by_test_id("documents").get_by_role("link")).to_have_count(3)
    page.screenshot(
        path=str(screenshot_dir / "console-application.png"), full_page=True
    )
    page.get_by_label("Note to the applicant").fill("Documents verified.")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("application-status")).to_have_text("Approved")
    expect(page.get_by_test_id("review-note")).to_contain_text("Documents verified.")
    application.refresh_from_db()
    assert application.provider.status == "approved"

    page.get_by_role("navigation", name="Providers").get_by_role(
        "link", name="Listing review"
    ).click()
    page.get_by_role("link", name=listing.variant.sku).click()
    image = page.get_by_test_id("assets").locator("img")
    expect(image).to_have_count(1)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    page.get_by_label("Unified sale price").fill("59.00")
    page.get_by_label("Note to the provider").fill("Great photos.")
    page.screenshot(path=str(screenshot_dir / "console-listing.png"), full_page=True)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("listing-status")).to_have_text("Approved")
    listing.refresh_from_db()
    assert listing.status == "approved"
    assert listing.variant.price_override_amount == Decimal("59.00")
