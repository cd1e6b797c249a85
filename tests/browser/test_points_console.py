"""The console's Points page in Chromium: quota figures, member search and
history, API secret rotation, period close with its CSV statement; enabling
points, the settings form (a refusal changes nothing) and opening a period;
the page refused to staff without ``points_payment.manage_points``."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plugins.channel_pricing.models import Channel
from plugins.points_payment import services
from plugins.points_payment.models import PointsProgram

from .test_console_signin import at, make_user, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.django_db(transaction=True),
]


def _channel_with_points() -> Channel:
    slug = f"pts-{uuid.uuid4().hex[:8]}"
    channel = Channel.objects.create(name=f"Channel {slug}", slug=slug, sso_secret="x")
    services.enable_program(channel.pk, mode="allowance")
    now = timezone.now()
    services.open_period(
        channel.pk, now - timedelta(hours=1), now + timedelta(days=30), 5000
    )
    services.grant(channel.pk, "m-1", 700, transfer_id="g-1", reference="welcome")
    services.hold(channel.pk, "m-1", 200, transfer_id="h-1", reference="checkout")
    return channel


def test_points_page_quota_history_secret_and_period_close(page, screenshot_dir):
    channel = _channel_with_points()
    old_secret = PointsProgram.objects.get(channel=channel).api_secret
    staff = make_user(permissions=("manage_points",))

    page.goto("/dashboard-ext/points/")
    sign_in(page, staff.email)
    expect(page).to_have_url(at("/dashboard-ext/points/"))
    row = page.get_by_test_id("points-row").filter(has_text=channel.name)
    expect(row).to_contain_text("5000")
    expect(row).to_contain_text("4300")  # remaining: 5000 - 700 granted

    row.get_by_role("link", name=channel.name).click()
    expect(page.get_by_test_id("quota-row")).to_have_text(
        re.compile(r"5000\s*700\s*200\s*0\s*4300")
    )
    page.get_by_label("Member id").fill("m-1")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("member-balance")).to_contain_text(
        "m-1: 500 available, 200 held"
    )
    expect(page.get_by_test_id("history-row")).to_have_count(2)
    page.screenshot(path=str(screenshot_dir / "console-points.png"), full_page=True)

    page.get_by_role("button", name="Rotate API secret").click()
    new_secret = page.get_by_test_id("new-api-secret").inner_text()
    program = PointsProgram.objects.get(channel=channel)
    assert new_secret == program.api_secret != old_secret
    assert program.api_secret_previous == old_secret

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close period").click()
    expect(page.get_by_test_id("points-notice")).to_contain_text("Period closed")
    with page.expect_download() as download:
        page.get_by_test_id("points-notice").get_by_role("link").click()
    csv_text = open(download.value.path()).read()
    assert (
        csv_text.splitlines()[0] == "member,granted,revoked,redeemed,refunded,expired"
    )
    assert any(line.startswith("m-1,700,") for line in csv_text.splitlines())


def test_points_page_needs_manage_points(page):
    channel = _channel_with_points()
    staff = make_user(permissions=("manage_products",))
    page.goto(f"/dashboard-ext/points/{channel.slug}/")
    sign_in(page, staff.email)
    expect(page.get_by_text("MANAGE_POINTS")).to_be_visible()
    response = page.request.post(f"/dashboard-ext/points/{channel.slug}/rotate-secret/")
    assert response.status in (403, 302)
    assert PointsProgram.objects.get(channel=channel).api_secret_previous == ""


def test_staff_enable_points_edit_settings_and_open_a_period(page):
    slug = f"pts-{uuid.uuid4().hex[:8]}"
    channel = Channel.objects.create(name=f"Channel {slug}", slug=slug, sso_secret="x")
    staff = make_user(permissions=("manage_points",))

    page.goto("/dashboard-ext/points/")
    sign_in(page, staff.email)
    row = page.get_by_test_id("no-points-row").filter(has_text=slug)
    row.get_by_label("Mode").select_option("allowance")
    row.get_by_role("button", name="Enable points").click()
    expect(page).to_have_url(re.compile(rf"/dashboard-ext/points/{slug}/"))
    expect(page.get_by_test_id("points-notice")).to_contain_text("Points are on")

    before = PointsProgram.objects.values().get(channel=channel)
    settings = page.get_by_role("region", name="Settings")
    settings.get_by_label("Money per point").fill("lots")
    settings.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("alert").first).to_contain_text("Money per point")
    assert PointsProgram.objects.values().get(channel=channel) == before

    settings = page.get_by_role("region", name="Settings")
    settings.get_by_label("Money per point").fill("0.05")
    settings.get_by_label("Payment confirmation").select_option("payment_password")
    settings.get_by_role("button", name="Save settings").click()
    expect(page.get_by_test_id("points-notice")).to_contain_text("Settings saved")
    program = PointsProgram.objects.get(channel=channel)
    assert (program.money_per_point, program.confirmation) == (
        Decimal("0.05"),
        "payment_password",
    )

    now = timezone.now()
    opening = page.get_by_role("form", name="Open a period")
    opening.get_by_label("Starts (UTC)").fill(
        (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    )
    opening.get_by_label("Ends (UTC)").fill(
        (now + timedelta(days=30)).strftime("%Y-%m-%d %H:%M")
    )
    opening.get_by_label("Quota (points)").fill("2500")
    opening.get_by_role("button", name="Open period").click()
    expect(page.get_by_test_id("points-notice")).to_contain_text("Period opened")
    expect(page.get_by_test_id("quota-row")).to_have_text(
        re.compile(r"2500\s*0\s*0\s*0\s*2500")
    )
    assert services.quota_status(channel.pk).quota == 2500
