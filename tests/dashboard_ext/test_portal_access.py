"""The provider portal's door (in-process): only active users linked to a
provider sign in; everyone else is sent to sign in or refused; CSRF is on."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from saleor.account.models import User

from plugins.provider_dropship.domain import ProviderRole, ProviderStatus
from plugins.provider_dropship.models import Provider, ProviderUser

pytestmark = pytest.mark.django_db

PASSWORD = "portal-pass"


def make_provider_user(status=ProviderStatus.APPROVED, role=ProviderRole.OWNER):
    tag = uuid.uuid4().hex[:8]
    provider = Provider.objects.create(
        name=f"Provider {tag}", slug=f"p-{tag}", status=status.value
    )
    user = User.objects.create_user(f"owner-{tag}@example.com", PASSWORD)
    ProviderUser.objects.create(provider=provider, user=user, role=role.value)
    return provider, user


def test_provider_user_signs_in_and_sees_their_provider():
    provider, user = make_provider_user()
    client = Client(enforce_csrf_checks=False)

    assert client.get("/provider/").url.startswith("/provider/login/?next=/provider/")
    response = client.post(
        "/provider/login/?next=/provider/listings/",
        {"email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == "/provider/listings/"

    home = client.get("/provider/")
    assert home.status_code == 200
    assert provider.name in home.content.decode()

    client.post("/provider/logout/")
    assert client.get("/provider/").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
def test_next_stays_in_the_portal(target):
    _, user = make_provider_user()
    response = Client().post(
        f"/provider/login/?next={target}", {"email": user.email, "password": PASSWORD}
    )
    assert response.url == "/provider/"


def test_users_without_a_provider_are_refused():
    staff = User.objects.create_user(
        "staff-no-provider@example.com", PASSWORD, is_staff=True, is_superuser=True
    )
    response = Client().post(
        "/provider/login/", {"email": staff.email, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "not linked to an active provider" in response.content.decode()

    # A console session (superuser) does not open the portal either.
    client = Client()
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/provider/").status_code == 403


def test_rejected_provider_and_inactive_user_cannot_sign_in():
    _, rejected = make_provider_user(status=ProviderStatus.REJECTED)
    _, inactive = make_provider_user()
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    for user in (rejected, inactive):
        response = Client().post(
            "/provider/login/", {"email": user.email, "password": PASSWORD}
        )
        assert response.status_code == 403


def test_portal_posts_need_the_csrf_token():
    _, user = make_provider_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post("/provider/logout/").status_code == 403
    assert client.get("/provider/").status_code == 200
