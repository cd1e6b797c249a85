"""The console's support and newsletter pages (in-process, Django test
client): staff without the permission get 403 on every page and POST and
change nothing; with it they answer, move requests, set contacts, export."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from plugins.engagement.models import (
    NewsletterSubscription,
    SupportContactOptions,
    SupportRequest,
)
from plugins.engagement.newsletter import services as newsletter
from plugins.engagement.support import requests

from .conftest import mails, make_order, make_shipment, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("flushed_rate_limits")]


def signed_in(*codenames, **options) -> Client:
    client = Client(**options)
    client.force_login(
        make_user(None, True, *codenames),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    return client


@pytest.fixture
def support_request():
    buyer = make_user("console-buyer@example.com")
    order = make_order(buyer)
    shipment = make_shipment(
        order, "Acme Parcels", status="shipped", carrier="DHL", tracking_number="00340"
    )
    return requests.open_request(
        buyer, "shipping", "Late parcel", order_pk=order.pk, shipment_pk=shipment.pk
    )


def test_staff_without_the_permissions_get_403_and_change_nothing(support_request):
    pk = support_request.pk
    client = signed_in("manage_newsletter")  # not manage_support
    for path in [
        "/dashboard-ext/support/",
        f"/dashboard-ext/support/{pk}/",
        "/dashboard-ext/support/feedback/",
        "/dashboard-ext/support/contacts/",
    ]:
        assert client.get(path).status_code == 403, path
    assert (
        client.post(f"/dashboard-ext/support/{pk}/reply/", {"message": "x"}).status_code
        == 403
    )
    assert (
        client.post(
            f"/dashboard-ext/support/{pk}/status/", {"status": "resolved"}
        ).status_code
        == 403
    )
    assert (
        client.post("/dashboard-ext/support/contacts/", {"email": "a@b.co"}).status_code
        == 403
    )
    request = SupportRequest.objects.get(pk=pk)
    assert request.status == "new" and request.messages.count() == 1
    assert not SupportContactOptions.objects.exists()
    home = client.get("/dashboard-ext/").content.decode()
    assert (
        "/dashboard-ext/support/" not in home and "/dashboard-ext/newsletter/" in home
    )

    support_only = signed_in("manage_support")
    assert support_only.get("/dashboard-ext/newsletter/").status_code == 403
    assert support_only.get("/dashboard-ext/newsletter/export.csv").status_code == 403
    # Signed out: the sign-in page.
    assert Client().get("/dashboard-ext/support/").status_code == 302


def test_the_inbox_thread_reply_and_status(support_request):
    pk = support_request.pk
    client = signed_in("manage_support", enforce_csrf_checks=False)
    home = client.get("/dashboard-ext/").content.decode()
    assert 'data-testid="support-new">1<' in home
    inbox = client.get("/dashboard-ext/support/").content.decode()
    assert "Late parcel" in inbox or support_request.subject in inbox
    # The order one click away, its shipment beside it: provider, status,
    # tracking.
    assert 'data-testid="order-link"' in inbox and "/dashboard/orders/" in inbox
    shipment = f"shipment SO-{support_request.shipment_id} · Acme Parcels"
    assert shipment in inbox
    assert 'class="badge shipped">shipped<' in inbox and "DHL 00340" in inbox
    detail = client.get(f"/dashboard-ext/support/{pk}/")
    html = detail.content.decode()
    assert "Late parcel" in html
    assert "/dashboard/orders/" in html  # the order one click away
    assert shipment in html and "DHL 00340" in html
    assert SupportRequest.objects.get(pk=pk).status == "open"  # someone looked

    answer = client.post(
        f"/dashboard-ext/support/{pk}/reply/",
        {"message": "On its way.", "status": "waiting"},
    )
    assert answer.status_code == 302
    assert SupportRequest.objects.get(pk=pk).status == "waiting"
    assert len(mails(requests.REPLY_EVENT, "console-buyer@example.com")) == 1
    empty = client.post(f"/dashboard-ext/support/{pk}/reply/", {"message": ""})
    assert empty.status_code == 400
    assert len(mails(requests.REPLY_EVENT, "console-buyer@example.com")) == 1

    assert (
        client.post(
            f"/dashboard-ext/support/{pk}/status/", {"status": "resolved"}
        ).status_code
        == 302
    )
    assert SupportRequest.objects.get(pk=pk).status == "resolved"
    refused = client.post(f"/dashboard-ext/support/{pk}/status/", {"status": "new"})
    assert refused.status_code == 400
    assert client.get("/dashboard-ext/support/999999999/").status_code == 404
    assert client.get(f"/dashboard-ext/support/{pk}/reply/").status_code == 405


def test_feedback_shows_the_shipment_rated(support_request):
    from plugins.engagement.support import feedback

    buyer, order = support_request.user, support_request.order
    feedback.rate_order(buyer, order.pk, 5, "Order fine")
    feedback.rate_order(
        buyer, order.pk, 2, "Parcel late", shipment_pk=support_request.shipment_id
    )
    html = signed_in("manage_support").get("/dashboard-ext/support/feedback/")
    html = html.content.decode()
    assert html.count('data-testid="feedback-row"') == 2
    assert f"shipment SO-{support_request.shipment_id} · Acme Parcels" in html
    assert "2 ratings, average 3.50 / 5" in html


def test_contact_options_are_set_in_the_console():
    client = signed_in("manage_support")
    saved = client.post(
        "/dashboard-ext/support/contacts/",
        {"channel": "", "email": "help@flash.example", "phone": "+1 555 0100"},
    )
    assert saved.status_code == 302
    bad = client.post(
        "/dashboard-ext/support/contacts/", {"channel": "", "chat_url": "not a url"}
    )
    assert bad.status_code == 400
    (row,) = SupportContactOptions.objects.all()
    assert (row.email, row.phone, row.is_default) == (
        "help@flash.example",
        "+1 555 0100",
        True,
    )


def test_newsletter_list_and_csv_export():
    newsletter.subscribe("a-confirmed@example.com", "product_page")
    newsletter.subscribe("=cmd@example.com")  # a formula-looking address
    newsletter.subscribe("b-pending@example.com")
    for row in NewsletterSubscription.objects.filter(
        email__in=["a-confirmed@example.com", "=cmd@example.com"]
    ):
        from plugins.engagement.newsletter import links

        newsletter.confirm(links.confirm_token(row.pk, row.email))
    client = signed_in("manage_newsletter")
    page = client.get("/dashboard-ext/newsletter/").content.decode()
    assert "a-confirmed@example.com" in page and "b-pending@example.com" not in page
    export = client.get("/dashboard-ext/newsletter/export.csv")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert table[0] == newsletter.CSV_HEADER
    emails = {line[0] for line in table[1:]}
    assert {"a-confirmed@example.com", "'=cmd@example.com"} <= emails
    assert "b-pending@example.com" not in emails
    assert all(line[5] for line in table[1:])  # consent times
    everyone = client.get("/dashboard-ext/newsletter/export.csv?status=all")
    body = b"".join(everyone.streaming_content).decode()
    assert "b-pending@example.com" in body
