"""Sessions, CSRF and session authentication apply to the console's paths
only (saleor_flash/middleware.py): the console signs in with a session and
refuses a form post without its CSRF token; the APIs ignore the session
cookie and authenticate each request, as plain Saleor does."""

from __future__ import annotations

import pytest
from django.test import Client
from saleor.account.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/dashboard-ext/login/"


@pytest.fixture
def staff():
    return User.objects.create_user("desk@example.com", "s3cret-pass", is_staff=True)


def signed_in_console(staff) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.get(LOGIN)
    response = client.post(
        LOGIN,
        {
            "email": staff.email,
            "password": "s3cret-pass",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302, response.content
    return client


def test_the_console_signs_in_with_a_session_and_csrf(staff):
    client = signed_in_console(staff)
    assert client.get("/dashboard-ext/").status_code == 200

    forged = Client(enforce_csrf_checks=True)
    response = forged.post(LOGIN, {"email": staff.email, "password": "s3cret-pass"})
    assert response.status_code == 403


def test_graphql_ignores_the_console_session(staff):
    client = signed_in_console(staff)
    response = client.post(
        "/graphql/", {"query": "{ me { email } }"}, content_type="application/json"
    )
    assert response.json() == {"data": {"me": None}}
    # No session or CSRF work on the API: no cookie set, no Vary: Cookie.
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
