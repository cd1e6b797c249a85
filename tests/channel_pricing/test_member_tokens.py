"""Member tokens expire and refresh; a suspended channel or member is refused
at every member-facing entry point (issue #10 item 9)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import jwt
import pytest
from django.conf import settings
from django.test import Client
from graphql_jwt.settings import jwt_settings
from saleor.account.models import User

from plugins.channel_pricing.domain import ChannelStatus
from plugins.channel_pricing.member_checkout import refusal_for_checkout
from plugins.channel_pricing.sign_in import sign_in
from plugins.sale_windows.channel_access import customer_may_buy_in_sale
from tests.sale_windows.factories import make_item

from .tokens import channel_token

pytestmark = pytest.mark.django_db

ME = "{ me { email } }"
REFRESH = """mutation($token: String!) {
  tokenRefresh(token: $token) { token payload }
}"""


def gql(query, variables=None, token=None):
    headers = {"HTTP_AUTHORIZATION": f"JWT {token}"} if token else {}
    response = Client().post(
        "/graphql/",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **headers,
    )
    return response.json()


def signed_in(channel, sub="member-1"):
    return sign_in(channel.slug, channel_token(channel.sso_secret, channel.slug, sub))


def test_member_tokens_are_short_lived_and_refreshable(make_channel):
    channel = make_channel()
    result = signed_in(channel)
    payload = jwt.decode(result.saleor_token, verify=False)
    lifetime = payload["exp"] - payload["origIat"]
    assert 5 * 60 <= lifetime <= 15 * 60, lifetime
    assert settings.GRAPHQL_JWT["JWT_VERIFY_EXPIRATION"] is True

    refreshed = gql(REFRESH, {"token": result.saleor_token})["data"]["tokenRefresh"]
    assert refreshed["token"]
    assert refreshed["payload"]["origIat"] == payload["origIat"]
    me = gql(ME, token=refreshed["token"])["data"]["me"]
    assert me == {"email": result.member.user.email}


def test_channel_sign_in_says_when_to_refresh(make_channel):
    channel = make_channel()
    answer = gql(
        """mutation($channel: String!, $token: String!) {
          channelSignIn(channel: $channel, token: $token) {
            token tokenExpiresAt refreshExpiresAt channelErrors { code }
          }
        }""",
        {
            "channel": channel.slug,
            "token": channel_token(channel.sso_secret, channel.slug, "m-9"),
        },
    )["data"]["channelSignIn"]
    payload = jwt.decode(answer["token"], verify=False)
    expires_at = datetime.fromisoformat(answer["tokenExpiresAt"])
    refresh_until = datetime.fromisoformat(answer["refreshExpiresAt"])
    assert int(expires_at.timestamp()) == payload["exp"]
    window = settings.GRAPHQL_JWT["JWT_REFRESH_EXPIRATION_DELTA"]
    assert int(refresh_until.timestamp()) == payload["origIat"] + int(
        window.total_seconds()
    )


def _token_with(user, **changes) -> str:
    payload = jwt_settings.JWT_PAYLOAD_HANDLER(user)
    payload.update(changes)
    return jwt_settings.JWT_ENCODE_HANDLER(payload)


def test_an_expired_token_is_refused_and_cannot_be_refreshed(make_channel):
    channel = make_channel()
    user = signed_in(channel).member.user
    expired = _token_with(user, exp=datetime.utcnow() - timedelta(seconds=5))
    answer = gql(ME, token=expired)
    assert answer["data"]["me"] is None
    assert "expired" in answer["errors"][0]["message"].lower()
    refresh = gql(REFRESH, {"token": expired})
    assert refresh["data"]["tokenRefresh"] is None
    assert "expired" in refresh["errors"][0]["message"].lower()


def test_refresh_ends_after_the_refresh_window(make_channel):
    channel = make_channel()
    user = signed_in(channel).member.user
    window = settings.GRAPHQL_JWT["JWT_REFRESH_EXPIRATION_DELTA"]
    old_iat = int((datetime.utcnow() - window - timedelta(minutes=1)).timestamp())
    token = _token_with(user, origIat=old_iat)
    refresh = gql(REFRESH, {"token": token})
    assert refresh["data"]["tokenRefresh"] is None
    assert "refresh has expired" in refresh["errors"][0]["message"].lower()


def test_a_suspended_channel_revokes_its_members_tokens(make_channel):
    channel = make_channel()
    result = signed_in(channel)
    assert gql(ME, token=result.saleor_token)["data"]["me"]
    channel.status = ChannelStatus.SUSPENDED.value
    channel.save(update_fields=["status"])

    for answer in (
        gql(ME, token=result.saleor_token),
        gql(REFRESH, {"token": result.saleor_token}),
    ):
        [error] = answer["errors"]
        assert error["extensions"]["exception"]["code"] == "CHANNEL_SUSPENDED"
        assert f"{channel.name} is suspended" in error["message"]

    channel.status = ChannelStatus.ACTIVE.value
    channel.save(update_fields=["status"])
    assert gql(ME, token=result.saleor_token)["data"]["me"]


def test_a_suspended_member_is_refused_by_token_and_refresh(make_channel):
    channel = make_channel()
    result = signed_in(channel)
    User.objects.filter(pk=result.member.user_id).update(is_active=False)
    assert gql(ME, token=result.saleor_token)["data"]["me"] is None
    assert gql(REFRESH, {"token": result.saleor_token})["data"]["tokenRefresh"] is None


def test_flash_holds_refuse_members_of_a_suspended_channel(make_channel):
    channel = make_channel()
    user = signed_in(channel).member.user
    item = make_item()
    item.sale.channels.add(channel)
    assert customer_may_buy_in_sale(item.pk, user.pk)
    channel.status = ChannelStatus.SUSPENDED.value
    channel.save(update_fields=["status"])
    assert not customer_may_buy_in_sale(item.pk, user.pk)


def test_checkout_of_a_suspended_member_is_refused(make_channel):
    channel = make_channel()
    user = signed_in(channel).member.user
    User.objects.filter(pk=user.pk).update(is_active=False)
    # Anyone holding the checkout's token can call checkoutComplete; the
    # member's account being disabled must stop it all the same.
    assert "disabled" in (refusal_for_checkout(user.pk, []) or "")
