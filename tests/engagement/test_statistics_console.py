"""The console's Statistics page in Chromium: charts rendered as SVG from
the roll-ups, filters, the live-sale refresh, CSV, and the permission."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect
from saleor.account.models import User

from plugins.engagement import purchases, rollups

from .support import drain_all, event, make_key, post_batch
from .test_purchases import make_order

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_stats")]

PASSWORD = "s3cret-pass"


@pytest.mark.django_db
def test_on_the_test_database():
    pass


def make_user(*codenames) -> User:
    user = User.objects.create_user(
        f"stats-ui-{uuid.uuid4().hex[:8]}@example.com", PASSWORD, is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def sign_in(page, user, next_path):
    page.goto(f"/dashboard-ext/login/?next={next_path}")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def ago(minutes) -> str:
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes)).isoformat()


def test_statistics_page_draws_the_charts(page, api_server, screenshot_dir):
    from tests.sale_windows.factories import make_item

    item = make_item(starts_in=timedelta(minutes=-50), ends_in=timedelta(hours=1))
    sale = item.sale
    key = make_key()
    events = []
    for n in range(40):
        events.append(
            event(
                "view",
                sale_id=sale.pk,
                entry_point=["channel_app", "social", "website"][n % 3],
                timestamp=ago(45 - n % 40),
            )
        )
    events += [
        event("add_to_cart", sale_id=sale.pk, timestamp=ago(30)) for _ in range(12)
    ]
    events += [event("favourite", sale_id=sale.pk, timestamp=ago(30)) for _ in range(9)]
    events += [
        event(
            "page_leave",
            sale_id=sale.pk,
            time_on_page_ms=1000 * (n + 1),
            timestamp=ago(20),
        )
        for n in range(30)
    ]
    for start in range(0, len(events), 100):
        assert (
            post_batch(key.public_key, events[start : start + 100]).status_code == 202
        )
    drain_all()
    for units in (2, 1, 3):
        order = make_order(item.variant, uuid.uuid4(), quantity=units, item=item)
        purchases.record_order(order.pk)
    rollups.roll_dirty_hours()
    user = make_user("view_statistics")
    try:
        path = f"/dashboard-ext/statistics/?sale={sale.pk}"
        sign_in(page, user, path)
        expect(page.get_by_role("heading", name="Statistics", level=1)).to_be_visible()
        rows = page.get_by_test_id("funnel-row")
        expect(rows).to_have_count(5)
        expect(rows.nth(0).locator("td")).to_have_text(["views", "40", "–", "100 %"])
        expect(rows.nth(2).locator("td").nth(1)).to_have_text("12")
        expect(rows.nth(4).locator("td").nth(1)).to_have_text("3")
        funnel_svg = page.get_by_test_id("funnel").locator("svg")
        expect(funnel_svg).to_be_visible()
        bars = funnel_svg.locator("rect")
        expect(bars).to_have_count(5)
        widths = [float(bars.nth(i).get_attribute("width")) for i in range(5)]
        assert widths[0] > widths[2] > 1.0, widths
        expect(page.get_by_test_id("time-on-page")).to_contain_text("30 page leaves")
        expect(
            page.get_by_test_id("time-on-page").locator("svg rect")
        ).not_to_have_count(0)
        expect(page.get_by_test_id("entry-points").locator("svg rect")).to_have_count(4)
        sell = page.get_by_test_id("sell-through")
        expect(sell).to_contain_text("6 units sold")
        expect(sell.locator("svg polyline")).to_have_count(1)
        # The sale is live: the page refreshes itself.
        expect(page.get_by_test_id("live-refresh")).to_be_visible()
        assert page.locator('meta[http-equiv="refresh"]').count() == 1
        page.screenshot(
            path=str(screenshot_dir / "console-statistics.png"), full_page=True
        )
        # CSV through the same session.
        csv_response = page.request.get(
            f"/dashboard-ext/statistics/funnel.csv?sale={sale.pk}"
        )
        assert csv_response.status == 200
        assert csv_response.text().splitlines()[1].startswith("views,40,")
        csv_response = page.request.get(
            f"/dashboard-ext/statistics/sell_through.csv?sale={sale.pk}"
        )
        assert [line.split(",")[-1] for line in csv_response.text().splitlines()][
            -1
        ] == "6"
        # A filter by period keeps the sale.
        page.get_by_label("Period").select_option("24h")
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(re.compile(r"period=24h"))
        expect(
            page.get_by_test_id("funnel-row").nth(0).locator("td").nth(1)
        ).to_have_text("40")
    finally:
        user.delete()


def test_staff_without_the_permission_gets_403(page, api_server):
    user = make_user("manage_discounts")
    try:
        sign_in(page, user, "/dashboard-ext/")
        response = page.goto("/dashboard-ext/statistics/")
        assert response.status == 403
        assert page.request.get("/dashboard-ext/statistics/funnel.csv").status == 403
        nav = page.get_by_role("navigation", name="Sections")
        expect(nav.get_by_role("link", name="Statistics")).to_have_count(0)
    finally:
        user.delete()
