"""The support inbox and the newsletter export in headless Chromium against
the gunicorn server: a support lead signs in, opens a new request, follows
the thread, replies and resolves it; a marketer exports the confirmed list
as CSV; staff without the permission see 403."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from plugins.engagement.models import NewsletterSubscription, SupportRequest
from plugins.engagement.newsletter import links
from plugins.engagement.newsletter import services as newsletter
from plugins.engagement.support import requests
from tests.engagement.conftest import (  # noqa: F401 (fixtures used below)
    flushed_rate_limits,
    mails,
    make_order,
    make_shipment,
    make_user,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("flushed_rate_limits"),
]

PASSWORD = "s3cret-pass"


def sign_in(page, user) -> None:
    page.goto("/dashboard-ext/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def test_a_support_lead_answers_and_resolves_a_request(page, screenshot_dir):
    buyer = make_user("browser-buyer@example.com")
    order = make_order(buyer)
    shipment = make_shipment(
        order, "Acme Parcels", status="shipped", carrier="DHL", tracking_number="0034"
    )
    request = requests.open_request(
        buyer,
        "shipping",
        "The parcel has not arrived.",
        order_pk=order.pk,
        subject="Parcel not arrived",
        shipment_pk=shipment.pk,
    )
    lead = make_user(None, True, "manage_support")
    sign_in(page, lead)
    page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name="Support"
    ).click()
    expect(page.get_by_role("heading", name="Support inbox")).to_be_visible()
    row = page.get_by_test_id("support-row").filter(has_text="Parcel not arrived")
    expect(row).to_contain_text("browser-buyer@example.com")
    expect(row).to_contain_text(f"#{order.pk}")
    expect(row.get_by_test_id("order-link")).to_have_attribute(
        "href", re.compile(r"/dashboard/orders/")
    )
    expect(row.get_by_test_id("shipment")).to_contain_text(
        f"SO-{shipment.pk} · Acme Parcels · shipped · DHL 0034"
    )
    row.get_by_role("link", name="Parcel not arrived").click()

    expect(page.get_by_test_id("support-status")).to_have_text("open")
    expect(page.get_by_test_id("support-message")).to_contain_text(
        "The parcel has not arrived."
    )
    expect(page.get_by_test_id("shipment")).to_contain_text("Acme Parcels")
    order_link = page.get_by_test_id("order-link")
    expect(order_link).to_have_attribute("href", re.compile(r"/dashboard/orders/"))
    page.get_by_label("Message").fill("It left the warehouse today.")
    page.get_by_label("Status after the reply").select_option("resolved")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_test_id("support-notice")).to_contain_text(
        "browser-buyer@example.com"
    )
    expect(page.get_by_test_id("support-status")).to_have_text("resolved")
    expect(page.get_by_test_id("support-message")).to_have_count(2)
    page.screenshot(path=str(screenshot_dir / "support-request.png"), full_page=True)
    assert SupportRequest.objects.get(pk=request.pk).status == "resolved"
    (mail,) = mails(requests.REPLY_EVENT, "browser-buyer@example.com")
    assert "It left the warehouse today." in mail.body

    page.goto("/dashboard-ext/support/?status=resolved")
    expect(page.get_by_test_id("support-row")).to_contain_text("Parcel not arrived")


def test_a_marketer_exports_the_confirmed_newsletter_list(page, screenshot_dir):
    for email in ["one@example.com", "two@example.com", "waiting@example.com"]:
        newsletter.subscribe(email, "product_page")
    for row in NewsletterSubscription.objects.filter(
        email__in=["one@example.com", "two@example.com"]
    ):
        newsletter.confirm(links.confirm_token(row.pk, row.email))
    marketer = make_user(None, True, "manage_newsletter")
    sign_in(page, marketer)
    page.goto("/dashboard-ext/newsletter/")
    expect(page.get_by_test_id("subscriber-row").filter(has_text="one@example.com"))
    expect(page.get_by_test_id("subscriber-row")).not_to_contain_text(
        ["waiting@example.com"]
    )
    page.screenshot(path=str(screenshot_dir / "newsletter.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_test_id("newsletter-export").click()
    download = download_info.value
    assert download.suggested_filename.startswith("newsletter-confirmed-")
    with open(download.path(), encoding="utf-8") as exported:
        table = list(csv.reader(io.StringIO(exported.read())))
    assert table[0] == newsletter.CSV_HEADER
    emails = [line[0] for line in table[1:]]
    assert {"one@example.com", "two@example.com"} <= set(emails)
    assert "waiting@example.com" not in emails
    assert all(line[1] == "confirmed" and line[5] for line in table[1:])


def test_staff_without_the_permission_see_403(page):
    clerk = make_user(None, True, "manage_newsletter")
    sign_in(page, clerk)
    expect(
        page.get_by_role("navigation", name="Sections").get_by_role(
            "link", name="Support"
        )
    ).to_have_count(0)
    response = page.goto("/dashboard-ext/support/")
    assert response.status == 403
