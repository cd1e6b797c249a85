"""/graphql/ authenticates by the Authorization header only (#10 item 8).

The endpoint is CSRF-exempt (API clients send no CSRF token), so a browser
credential must not work there: a same-site page could otherwise post a staff
mutation with a merchandiser's console session cookie (form-encoded needs no
CORS preflight). In-process, through the whole middleware stack, with CSRF
checks enforced as a browser would meet them."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from saleor.account.models import User

from plugins.channel_pricing.models import Channel

pytestmark = pytest.mark.django_db

CREATE = (
    "mutation($name: String!) { salesChannelCreate(input: {name: $name})"
    " { salesChannel { slug } channelErrors { code } } }"
)
ME = "{ me { email isStaff } }"


def make_staff(*codenames) -> User:
    user = User.objects.create_user(
        f"api-{uuid.uuid4().hex[:8]}@example.com", "s3cret-pass", is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def browser_of(user) -> Client:
    """A browser holding ``user``'s console session cookie."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/dashboard-ext/").status_code == 200  # the session works
    return client


def token_of(user) -> str:
    response = Client().post(
        "/graphql/",
        json.dumps(
            {
                "query": "mutation($e: String!) { tokenCreate(email: $e, "
                'password: "s3cret-pass") { token } }',
                "variables": {"e": user.email},
            }
        ),
        content_type="application/json",
    )
    return response.json()["data"]["tokenCreate"]["token"]


def post_json(client, query, variables=None, **headers):
    response = client.post(
        "/graphql/",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **headers,
    )
    return response.json()


def refused(result) -> bool:
    return result["data"]["salesChannelCreate"] is None and any(
        error["extensions"]["exception"]["code"] == "PermissionDenied"
        for error in result.get("errors", [])
    )


def test_a_console_session_cannot_run_a_staff_mutation_as_json():
    browser = browser_of(make_staff("manage_products"))
    result = post_json(browser, CREATE, {"name": "Session Json"})
    assert refused(result), result
    assert post_json(browser, ME)["data"]["me"] is None
    assert not Channel.objects.filter(name="Session Json").exists()


def test_a_console_session_cannot_run_a_staff_mutation_as_a_form_post():
    browser = browser_of(make_staff("manage_products"))
    # What a plain <form method=post> sends: no CORS preflight, cookies attached.
    response = browser.post(
        "/graphql/",
        urlencode(
            {
                "query": "mutation { salesChannelCreate("
                'input: {name: "Session Form"}) { salesChannel { slug } } }'
            }
        ),
        content_type="application/x-www-form-urlencoded",
    )
    result = response.json()
    assert refused(result), result
    assert not Channel.objects.filter(name="Session Form").exists()


def test_a_jwt_cookie_is_not_a_credential_either():
    staff = make_staff("manage_products")
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["JWT"] = token_of(staff)  # graphql_jwt's cookie fallback
    result = post_json(browser, CREATE, {"name": "Cookie Jwt"})
    assert refused(result), result
    assert not Channel.objects.filter(name="Cookie Jwt").exists()


def test_the_authorization_header_works_and_wins_over_a_session():
    staff = make_staff("manage_products")
    api = Client(enforce_csrf_checks=True)
    auth = {"HTTP_AUTHORIZATION": f"JWT {token_of(staff)}"}
    result = post_json(api, CREATE, {"name": "By Token"}, **auth)
    assert result["data"]["salesChannelCreate"]["salesChannel"]["slug"] == "by-token"
    assert post_json(api, ME, **auth)["data"]["me"]["email"] == staff.email

    # A browser signed in to the console as someone else: the token decides.
    other = browser_of(make_staff())
    me = post_json(other, ME, **auth)["data"]["me"]
    assert me["email"] == staff.email
    unprivileged = {"HTTP_AUTHORIZATION": f"JWT {token_of(make_staff())}"}
    privileged_session = browser_of(make_staff("manage_products"))
    result = post_json(privileged_session, CREATE, {"name": "Mixed"}, **unprivileged)
    assert refused(result), result
    assert not Channel.objects.filter(name="Mixed").exists()
