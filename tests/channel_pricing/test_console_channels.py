"""Console channel screens (plugins/channel_pricing) in headless Chromium
against the 2-worker server: list and create, entry link and secret rotation,
pool editor with the below-cost guard and report."""

import io
import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect
from saleor.account.models import User
from saleor.product.models import ProductVariant

from plugins.channel_pricing.models import Channel, ChannelPoolEntry
from plugins.channel_pricing.sign_in import sign_in
from plugins.channel_pricing.sso import SignInRefused
from saleor_flash.demo import seed_demo

from .tokens import channel_token

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def console(page):
    """A browser page signed in to the console as a new staff user."""
    email = f"merch-{uuid.uuid4().hex[:8]}@example.com"
    user = User.objects.create_user(email, "s3cret-pass", is_staff=True)
    # The screens need what their GraphQL twins need (docs/operations.md).
    user.user_permissions.set(Permission.objects.filter(codename="manage_products"))
    page.goto("/dashboard-ext/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    page.staff_email = email
    return page


def test_channel_list_and_create(console, screenshot_dir):
    Channel.objects.create(name="Old Friends", slug="old-friends", sso_secret="s")
    page = console
    page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name="Channels"
    ).click()
    expect(page.get_by_role("heading", name="Channels", level=1)).to_be_visible()
    expect(page.get_by_test_id("channel-row")).to_have_count(1)

    page.get_by_label("Name", exact=True).fill("Garden Club")
    page.get_by_label("Storefront URL").fill("https://garden.example/")
    page.get_by_label("Platform %").fill("8")
    page.get_by_role("button", name="Create channel").click()

    expect(page).to_have_url(
        re.compile(r"/dashboard-ext/channels/garden-club/\?created=1$")
    )
    expect(page.get_by_role("status")).to_have_text("Channel created.")
    channel = Channel.objects.get(slug="garden-club")
    assert channel.platform_pct == Decimal("8") and len(channel.sso_secret) >= 32

    page.goto("/dashboard-ext/channels/")
    expect(page.get_by_test_id("channel-row")).to_have_count(2)
    page.screenshot(path=str(screenshot_dir / "console-channels.png"), full_page=True)

    # A second channel with the same slug is refused on the form.
    page.get_by_label("Name", exact=True).fill("Garden Club")
    page.get_by_role("button", name="Create channel").click()
    expect(page.get_by_role("alert")).to_contain_text("garden-club")
    assert Channel.objects.filter(slug="garden-club").count() == 1


def test_entry_link_and_secret_rotation(console, screenshot_dir):
    channel = Channel.objects.create(
        name="Wellness", slug="wellness", sso_secret="first-secret"
    )
    page = console
    page.goto("/dashboard-ext/channels/wellness/")

    expect(page.get_by_test_id("entry-link")).to_have_text(
        re.compile(r"^http://127\.0\.0\.1:\d+/c/wellness/$")
    )
    expect(page.get_by_test_id("sso-secret")).to_have_text("first-secret")
    expect(page.get_by_test_id("sso-secret-previous")).to_have_count(0)

    page.get_by_role("button", name="Rotate secret").click()
    expect(page.get_by_role("status")).to_contain_text("New secret issued")
    expect(page.get_by_test_id("sso-secret-previous")).to_have_text("first-secret")
    new_secret = page.get_by_test_id("sso-secret").inner_text()
    assert new_secret != "first-secret"
    page.screenshot(
        path=str(screenshot_dir / "console-channel-rotation.png"), full_page=True
    )

    # Both secrets sign in while rotating.
    assert sign_in("wellness", channel_token("first-secret", "wellness", "a"))
    assert sign_in("wellness", channel_token(new_secret, "wellness", "a"))

    page.get_by_role("button", name="Finish rotation").click()
    expect(page.get_by_role("status")).to_contain_text("Rotation finished")
    expect(page.get_by_test_id("sso-secret-previous")).to_have_count(0)
    with pytest.raises(SignInRefused):
        sign_in("wellness", channel_token("first-secret", "wellness", "a"))
    channel.refresh_from_db()
    assert channel.sso_secret == new_secret


def test_pool_editor_prices_margins_and_below_cost(console, screenshot_dir):
    seed_demo(io.StringIO())
    page = console
    variant = ProductVariant.objects.get(sku="ACME-001")  # not in travel-club's pool
    settlement = variant.supply_listing.settlement_price_amount
    cheap = settlement - Decimal("1.00")

    page.goto("/dashboard-ext/channels/travel-club/pool/")
    expect(page.get_by_role("heading", name="Travel Club pool")).to_be_visible()
    expect(page.get_by_test_id("pool-row")).to_have_count(13)

    page.get_by_label("SKUs").fill("ACME-001")
    page.get_by_label("Fixed price").fill(str(cheap))
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("preview-row")
    expect(preview).to_have_count(1)
    expect(preview).to_contain_text("Below cost: needs acknowledgement")
    expect(preview).to_contain_text("-1.00")

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("below the settlement price")
    assert not ChannelPoolEntry.objects.filter(
        channel__slug="travel-club", product=variant.product
    ).exists()

    page.get_by_label("Acknowledge below cost").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Pool saved.")
    row = page.locator('[data-testid="pool-row"][data-sku="ACME-001"]')
    expect(row.get_by_test_id("price")).to_have_text(f"{cheap:.2f}")
    expect(row.get_by_test_id("margin")).to_have_text("-1.00")
    expect(row.get_by_test_id("below-cost")).to_contain_text(
        f"acknowledged by {page.staff_email}"
    )
    report = page.get_by_test_id("below-cost-report-row")
    expect(report).to_have_count(1)
    expect(report).to_contain_text("ACME-001")
    expect(report).to_contain_text("1.00")
    page.screenshot(
        path=str(screenshot_dir / "console-channel-pool.png"), full_page=True
    )

    # The provider raises its settlement price: the loss is no longer the one
    # acknowledged, so the item stops selling until staff acknowledge it again.
    listing = variant.supply_listing
    listing.settlement_price_amount = settlement + Decimal("0.50")
    listing.save(update_fields=["settlement_price_amount"])
    page.reload()
    expect(row.get_by_test_id("below-cost")).to_contain_text(
        "not acknowledged: not for sale"
    )
    expect(report).to_have_attribute("data-status", "unacknowledged")
    expect(report).to_contain_text("1.50")
    expect(report.get_by_test_id("unacknowledged")).to_contain_text(
        f"accepted {cheap:.2f} against {settlement:.2f}"
    )
    page.screenshot(
        path=str(screenshot_dir / "console-channel-pool-unacknowledged.png"),
        full_page=True,
    )
    report.get_by_role("button", name="Acknowledge ACME-001").click()
    expect(page.get_by_role("status")).to_have_text("Below-cost price acknowledged.")
    expect(report).to_have_attribute("data-status", "acknowledged")
    expect(row.get_by_test_id("below-cost")).to_contain_text(
        f"acknowledged by {page.staff_email}"
    )

    row.get_by_role("button", name="Remove ACME-001").click()
    expect(page.get_by_role("status")).to_have_text("Removed from the pool.")
    expect(page.locator('[data-testid="pool-row"][data-sku="ACME-001"]')).to_have_count(
        0
    )
    expect(page.get_by_test_id("below-cost-report-row")).to_have_count(0)
