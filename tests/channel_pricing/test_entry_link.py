"""The entry link and channelSignIn over HTTP against the 2-worker gunicorn server."""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from plugins.channel_pricing.models import ChannelMember

from .tokens import channel_token

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

SIGN_IN = """
mutation($channel: String!, $token: String!) {
  channelSignIn(channel: $channel, token: $token) {
    token created
    member { id externalId channel name user { email } }
    channelErrors { field code message }
  }
}"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def open_entry_link(api_server, slug, token, accept=None):
    url = f"{api_server.base_url}/c/{slug}/?token={quote(token)}"
    request = urllib.request.Request(url)
    if accept:
        request.add_header("Accept", accept)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_entry_link_redirects_to_the_storefront_with_a_working_saleor_token(
    api_server, make_channel
):
    channel = make_channel(storefront_url="https://shop.example/app?x=1")
    token = channel_token(channel.sso_secret, channel.slug, "u-1", name="Ann Lee")

    status, headers, _ = open_entry_link(api_server, channel.slug, token)

    assert status == 302
    assert headers["Referrer-Policy"] == "no-referrer"
    target = urlsplit(headers["Location"])
    assert (target.scheme, target.netloc, target.path, target.query) == (
        "https",
        "shop.example",
        "/app",
        "x=1",
    )
    fragment = parse_qs(target.fragment)
    assert fragment["channel"] == [channel.slug]
    me = api_server.gql("{ me { email firstName } }", token=fragment["token"][0])
    assert me["data"]["me"] == {
        "email": f"u-1@{channel.slug}.members.local",
        "firstName": "Ann",
    }


def test_entry_link_answers_json_when_asked(api_server, make_channel):
    channel = make_channel()
    token = channel_token(channel.sso_secret, channel.slug, "u-2")
    status, _, body = open_entry_link(
        api_server, channel.slug, token, accept="application/json"
    )
    assert status == 200
    answer = json.loads(body)
    assert answer["member"]["externalId"] == "u-2" and answer["member"]["created"]
    assert api_server.gql("{ me { email } }", token=answer["token"])["data"]["me"]
    assert answer["tokenExpiresAt"] < answer["refreshExpiresAt"]

    # The same token again: refused with its code, as JSON.
    status, _, body = open_entry_link(
        api_server, channel.slug, token, accept="application/json"
    )
    assert status == 401
    assert json.loads(body)["error"]["code"] == "TOKEN_REUSED"


@pytest.mark.parametrize(
    "slug, secret, expected_status, code",
    [
        ("no-such-channel", None, 404, "UNKNOWN_CHANNEL"),
        (None, "wrong-secret", 401, "BAD_SIGNATURE"),
    ],
)
def test_entry_link_refusals(
    api_server, make_channel, slug, secret, expected_status, code
):
    channel = make_channel()
    token = channel_token(secret or channel.sso_secret, channel.slug)
    status, _, body = open_entry_link(
        api_server, slug or channel.slug, token, accept="application/json"
    )
    assert (status, json.loads(body)["error"]["code"]) == (expected_status, code)
    status, headers, body = open_entry_link(api_server, slug or channel.slug, token)
    assert status == expected_status and code in body.decode()
    assert not ChannelMember.objects.exists()


def test_channel_sign_in_mutation(api_server, make_channel):
    channel = make_channel()
    token = channel_token(channel.sso_secret, channel.slug, "u-9", name="Bo Chen")
    answer = api_server.gql(SIGN_IN, {"channel": channel.slug, "token": token})
    result = answer["data"]["channelSignIn"]
    assert result["channelErrors"] == []
    assert result["created"] is True
    assert result["member"]["externalId"] == "u-9"
    assert result["member"]["channel"] == channel.slug
    me = api_server.gql("{ me { email } }", token=result["token"])
    assert me["data"]["me"]["email"] == result["member"]["user"]["email"]


def test_channel_sign_in_refusals_have_typed_codes(api_server, make_channel):
    wellness, travel = make_channel(), make_channel()
    a_token = channel_token(wellness.sso_secret, wellness.slug)
    cases = [
        (travel.slug, a_token, "WRONG_CHANNEL"),
        ("nope", a_token, "UNKNOWN_CHANNEL"),
        (wellness.slug, channel_token("x", wellness.slug), "BAD_SIGNATURE"),
        (
            wellness.slug,
            channel_token(wellness.sso_secret, wellness.slug, lifetime=900),
            "EXP_TOO_FAR_AHEAD",
        ),
    ]
    for slug, token, code in cases:
        result = api_server.gql(SIGN_IN, {"channel": slug, "token": token})
        payload = result["data"]["channelSignIn"]
        assert payload["token"] is None
        assert payload["channelErrors"][0]["code"] == code
        assert payload["channelErrors"][0]["field"] == "token"
    assert not ChannelMember.objects.exists()


def test_one_token_raced_across_server_processes_signs_in_once(
    api_server, make_channel
):
    channel = make_channel()
    token = channel_token(channel.sso_secret, channel.slug, "racer")

    def attempt(_):
        answer = api_server.gql(SIGN_IN, {"channel": channel.slug, "token": token})
        payload = answer["data"]["channelSignIn"]
        return "ok" if payload["token"] else payload["channelErrors"][0]["code"]

    with ThreadPoolExecutor(24) as pool:
        outcomes = list(pool.map(attempt, range(24)))
    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count("TOKEN_REUSED") == 23
