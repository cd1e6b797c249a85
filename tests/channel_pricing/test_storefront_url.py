"""storefront_url takes http(s) URLs only, on every path (GraphQL, console,
service), and the entry link never answers 500 for a stored bad one."""

from __future__ import annotations

import json
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from graphene import Node
from saleor.account.models import User

from plugins.channel_pricing import channel_admin
from plugins.channel_pricing.domain import PriceRuleError
from plugins.channel_pricing.models import Channel

from .tokens import channel_token

BAD = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://files.example/",
    "//shop.example/",
    "https:///no-host",
    "https://shop.example/\nSet-Cookie: x=1",
    "shop.example",
]
GOOD = ["", "https://shop.example/app?x=1", "http://localhost:3000/"]


@pytest.mark.parametrize("url", BAD)
def test_the_domain_refuses_other_schemes(url):
    from plugins.channel_pricing.domain import storefront_url_problem

    assert storefront_url_problem(url)


@pytest.mark.parametrize("url", GOOD)
def test_the_domain_accepts_http_and_https(url):
    from plugins.channel_pricing.domain import storefront_url_problem

    assert storefront_url_problem(url) is None


@pytest.mark.django_db
def test_the_service_refuses_and_changes_nothing(make_channel):
    channel = make_channel()
    before = channel.storefront_url
    with pytest.raises(PriceRuleError) as caught:
        channel_admin.update_channel(channel, storefront_url="javascript:alert(1)")
    assert caught.value.code == "invalid_storefront_url"
    assert Channel.objects.get(pk=channel.pk).storefront_url == before
    with pytest.raises(PriceRuleError):
        channel_admin.create_channel(name="Evil", storefront_url="javascript:x")
    assert not Channel.objects.filter(slug="evil").exists()


def _gql(query, variables, token):
    response = Client().post(
        "/graphql/",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"JWT {token}",
    )
    return response.json()


@pytest.mark.django_db
def test_graphql_refuses_a_javascript_url_with_a_typed_error(make_channel):
    from graphql_jwt.shortcuts import get_token

    staff = User.objects.create_user(
        f"s-{uuid.uuid4().hex[:6]}@example.com", "pw", is_staff=True
    )
    staff.user_permissions.set(Permission.objects.filter(codename="manage_products"))
    token = get_token(staff)
    channel = make_channel()
    update = (
        "mutation($id: ID!, $url: String!) { salesChannelUpdate(id: $id, "
        "input: {storefrontUrl: $url}) { salesChannel { storefrontUrl } "
        "channelErrors { field code } } }"
    )
    result = _gql(
        update,
        {"id": Node.to_global_id("SalesChannel", channel.pk), "url": "javascript:x"},
        token,
    )["data"]["salesChannelUpdate"]
    assert result["salesChannel"] is None
    assert [e["code"] for e in result["channelErrors"]] == ["INVALID_STOREFRONT_URL"]
    assert Channel.objects.get(pk=channel.pk).storefront_url.startswith("https://")

    create = (
        'mutation($url: String!) { salesChannelCreate(input: {name: "Evil Two", '
        "storefrontUrl: $url}) { channelErrors { code } } }"
    )
    errors = _gql(create, {"url": "javascript:x"}, token)["data"]["salesChannelCreate"][
        "channelErrors"
    ]
    assert [e["code"] for e in errors] == ["INVALID_STOREFRONT_URL"]
    assert not Channel.objects.filter(name="Evil Two").exists()


@pytest.mark.django_db
def test_the_console_form_refuses_it_too(make_channel):
    staff = User.objects.create_user(
        f"s-{uuid.uuid4().hex[:6]}@example.com", "pw", is_staff=True
    )
    staff.user_permissions.set(Permission.objects.filter(codename="manage_products"))
    console = Client()
    console.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    response = console.post(
        "/dashboard-ext/channels/",
        {
            "name": "Ftp Shop",
            "storefront_url": "ftp://files.example/",
            "payment_pct": "0",
            "platform_pct": "0",
            "channel_pct": "0",
            "fixed_markup": "0",
            "rounding": "cent",
        },
    )
    assert response.status_code == 200
    assert "http:// or https://" in response.content.decode()
    assert not Channel.objects.filter(name="Ftp Shop").exists()


@pytest.mark.django_db
def test_the_entry_link_never_answers_500_for_a_stored_bad_url(make_channel):
    channel = make_channel()
    # A row saved before the check existed.
    Channel.objects.filter(pk=channel.pk).update(storefront_url="javascript:x")
    token = channel_token(channel.sso_secret, channel.slug, "u-legacy")
    response = Client(raise_request_exception=False).get(
        f"/c/{channel.slug}/", {"token": token}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token"] and body["storefrontUrl"] is None
