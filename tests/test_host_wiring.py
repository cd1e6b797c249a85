"""The host serves Saleor's API with our plugins and fields wired in."""

import json
import urllib.error
import urllib.request

import pytest
from django.contrib.auth.models import Permission
from saleor.account.models import User

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

OUR_PLUGINS = {
    "flash.sale_windows",
    "flash.channel_pricing",
    "flash.payments.points",
    "flash.provider_dropship",
    "flash.checkout_guard",
}


def staff_token(api_server, *codenames):
    user = User.objects.create_user("staff@example.com", "s3cret-pass", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    response = api_server.gql(
        'mutation { tokenCreate(email: "staff@example.com", password: "s3cret-pass")'
        " { token errors { message } } }"
    )
    return response["data"]["tokenCreate"]["token"]


def test_our_plugins_are_listed_in_saleors_plugins_query(api_server):
    token = staff_token(api_server, "manage_plugins")
    response = api_server.gql(
        "{ plugins(first: 50) { edges { node { id name active } } } }", token=token
    )
    nodes = {
        edge["node"]["id"]: edge["node"]
        for edge in response["data"]["plugins"]["edges"]
    }
    assert OUR_PLUGINS <= set(nodes)
    assert all(nodes[plugin_id]["active"] for plugin_id in OUR_PLUGINS)
    assert "mirumee.payments.dummy" in nodes  # Saleor's own are still there


def test_our_fields_and_saleors_answer_in_one_query(api_server):
    response = api_server.gql(
        "{ shop { name }"
        " flashSales(first: 5) { edges { node { id status serverTime } } } }"
    )
    assert "errors" not in response, response
    assert response["data"]["shop"]["name"]
    assert response["data"]["flashSales"]["edges"] == []


def test_staff_queries_need_permission(api_server):
    anonymous = api_server.gql(
        "{ salesChannels(first: 5) { edges { node { slug } } } }"
    )
    assert anonymous["data"]["salesChannels"] is None
    assert "permission" in anonymous["errors"][0]["message"]

    token = staff_token(api_server, "manage_products", "manage_providers")
    allowed = api_server.gql(
        "{ salesChannels(first: 5) { edges { node { slug } } }"
        " providers(first: 5) { edges { node { slug } } } }",
        token=token,
    )
    assert "errors" not in allowed, allowed


def test_my_points_requires_sign_in(api_server):
    response = api_server.gql("{ myPoints { channel balance } }")
    assert response["errors"][0]["message"].startswith("You do not have permission")


def test_points_api_and_console_are_mounted(api_server):
    with urllib.request.urlopen(f"{api_server.base_url}/points/v1/") as response:
        assert json.loads(response.read())["openapi"] == "/points/v1/openapi.json"
    with pytest.raises(urllib.error.HTTPError) as unsigned:
        urllib.request.urlopen(f"{api_server.base_url}/points/v1/quota")
    assert unsigned.value.code == 401
    assert json.loads(unsigned.value.read())["error"]["type"] == "authentication_error"
    with urllib.request.urlopen(
        f"{api_server.base_url}/dashboard-ext/login/"
    ) as response:
        assert b"Sign in" in response.read()


def test_landing_page_and_unknown_paths(api_server):
    with urllib.request.urlopen(f"{api_server.base_url}/") as response:
        assert b"Saleor Flash" in response.read()
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{api_server.base_url}/no-such-page/")
    assert missing.value.code == 404
