"""The console's outbox page (in-process, Django test client): dead letters
and failures for staff with Saleor's MANAGE_WEBHOOKS; 403 without it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from saleor.account.models import User

from plugins.core import outbox
from plugins.core.models import OutboxMessage

pytestmark = pytest.mark.django_db

PAGE = "/dashboard-ext/outbox/"


def staff_client(with_permission: bool, **client_options) -> Client:
    user = User.objects.create_user(
        f"staff-{with_permission}@example.com", "pw", is_staff=True
    )
    if with_permission:
        user.user_permissions.add(
            Permission.objects.get(
                codename="manage_webhooks", content_type__app_label="webhook"
            )
        )
    client = Client(**client_options)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def dead_letter():
    message = outbox.enqueue_webhook(
        "https://channel.example.com/hooks", "whsec", "flash_sale.ended", {"n": 1}
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxMessage.DEAD, attempts=19, last_error="HTTP 502"
    )
    return message


def test_staff_without_the_permission_get_403_and_change_nothing(dead_letter):
    client = staff_client(with_permission=False)
    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}{dead_letter.pk}/resend/").status_code == 403
    assert OutboxMessage.objects.get(pk=dead_letter.pk).state == OutboxMessage.DEAD
    # Not linked for them either.
    assert PAGE not in client.get("/dashboard-ext/").content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(dead_letter):
    response = Client().post(f"{PAGE}{dead_letter.pk}/resend/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert OutboxMessage.objects.get(pk=dead_letter.pk).state == OutboxMessage.DEAD


def test_dead_letters_are_listed_and_resent(dead_letter):
    client = staff_client(with_permission=True)
    assert PAGE in client.get("/dashboard-ext/").content.decode()  # linked
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert str(dead_letter.event_id) in html and "HTTP 502" in html
    assert "whsec" not in html  # the signing secret never shows

    response = client.post(f"{PAGE}{dead_letter.pk}/resend/")
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?notice=resent"
    message = OutboxMessage.objects.get(pk=dead_letter.pk)
    assert message.state == OutboxMessage.PENDING
    assert message.pk in outbox.due_ids()
    assert message.event_id == dead_letter.event_id  # the receiver can dedupe

    assert client.get(f"{PAGE}{dead_letter.pk}/resend/").status_code == 405
    missing = client.post(f"{PAGE}999999999/resend/")
    assert missing["Location"] == f"{PAGE}?notice=not_found"


def test_resend_needs_the_csrf_token(dead_letter):
    client = staff_client(with_permission=True, enforce_csrf_checks=True)
    assert client.post(f"{PAGE}{dead_letter.pk}/resend/").status_code == 403
    assert OutboxMessage.objects.get(pk=dead_letter.pk).state == OutboxMessage.DEAD
    page = client.get(PAGE)
    token = page.context["csrf_token"]
    response = client.post(
        f"{PAGE}{dead_letter.pk}/resend/", {"csrfmiddlewaretoken": str(token)}
    )
    assert response.status_code == 302
    assert OutboxMessage.objects.get(pk=dead_letter.pk).state == OutboxMessage.PENDING
