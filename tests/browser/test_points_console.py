"""The console's Points page in Chromium: quota figures, member search and
history, API secret rotation, period close with its CSV statement, and the
page refused to staff without ``points_payment.manage_points``."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

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
