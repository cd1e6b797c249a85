"""A channel shop for the points gateway tests: a program, a pooled
product, a shipping method, members with points; and the storefront steps
(checkoutCreate → shipping → pointsPayment* → checkoutPaymentCreate →
checkoutComplete), in-process by default or over HTTP with
``send=over_http(url)`` (the bank test and bench/points_checkout.py)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Optional

import graphene
from django.conf import settings
from saleor.shipping import ShippingMethodType
from saleor.shipping.models import ShippingMethod, ShippingZone

from plugins.channel_pricing.models import Channel, ChannelPoolEntry
from plugins.channel_pricing.sign_in import sign_in
from plugins.core.models import OutboxMessage
from plugins.points_payment import services
from plugins.provider_dropship.models import Provider, SupplyListing
from tests.channel_pricing.tokens import channel_token
from tests.sale_windows.factories import make_stock, make_variant
from tests.storefront import (
    ADDRESS,
    CHECKOUT_CREATE,
    COMPLETE,
    PAYMENT_CREATE,
    SHIPPING_UPDATE,
)
from tests.support import gql_in_process as gql
from tests.support import post_graphql

from .ledger_support import make_program

GATEWAY = "flash.payments.points"
DUMMY = "mirumee.payments.dummy"

CODE_REQUEST = """
mutation($checkoutId: ID!) {
  pointsPaymentCodeRequest(checkoutId: $checkoutId) {
    sentTo expiresAt points amount { amount currency }
    pointsPaymentErrors { field code message }
  }
}"""
CONFIRM = """
mutation($checkoutId: ID!, $code: String, $password: String) {
  pointsPaymentConfirm(checkoutId: $checkoutId, code: $code, password: $password) {
    token expiresAt points amount { amount }
    pointsPaymentErrors { field code message }
  }
}"""
PASSWORD_SET = """
mutation($password: String!, $current: String) {
  pointsPaymentPasswordSet(password: $password, currentPassword: $current) {
    passwordSet
    pointsPaymentErrors { field code message }
  }
}"""
GATEWAYS = """
query($token: UUID!) { checkout(token: $token) { availablePaymentGateways { id } } }
"""


Send = Callable[..., dict]  # (query, variables=None, token=None) -> JSON body


def over_http(graphql_url: str, timeout: float = 60) -> Send:
    """A ``gql`` that POSTs to a running server's /graphql/."""

    def send(query, variables=None, token=None):
        return post_graphql(graphql_url, query, variables, token, timeout=timeout)

    return send


@dataclass
class Shop:
    channel_id: int
    slug: str
    secret: str
    variant_id: str


def _shipping_zone() -> ShippingZone:
    zone, _ = ShippingZone.objects.get_or_create(
        name="Points test zone", defaults={"countries": ["US"]}
    )
    ShippingMethod.objects.get_or_create(
        shipping_zone=zone,
        name="Points test standard",
        defaults={
            "type": ShippingMethodType.PRICE_BASED,
            "currency": settings.DEFAULT_CURRENCY,
            "price_amount": Decimal("5.00"),
            "minimum_order_price_amount": 0,
        },
    )
    return zone


def _provider() -> Provider:
    provider, _ = Provider.objects.get_or_create(
        slug="points-test-provider",
        defaults={"name": "Points test provider", "status": "approved"},
    )
    return provider


def ensure_site_settings() -> None:
    """A transactional test's flush leaves the Site without its settings."""
    from django.contrib.sites.models import Site
    from saleor.site.models import SiteSettings

    from saleor_flash import site_cache

    site, _ = Site.objects.get_or_create(
        pk=settings.SITE_ID, defaults={"domain": "localhost", "name": "Test"}
    )
    _, created = SiteSettings.objects.get_or_create(site=site)
    if created:
        site_cache.forget()


def make_shop(quota: int = 1_000_000, **program) -> Shop:
    ensure_site_settings()
    channel_id = make_program(quota=quota, **program)
    channel = Channel.objects.get(pk=channel_id)
    variant = make_variant(Decimal("20.00"))
    ChannelPoolEntry.objects.create(
        channel=channel, product=variant.product, fixed_price_amount=Decimal("20.00")
    )
    SupplyListing.objects.create(
        provider=_provider(), variant=variant, settlement_price_amount=Decimal("10")
    )
    make_stock(variant, 1000).warehouse.shipping_zones.add(_shipping_zone())
    return Shop(
        channel_id,
        channel.slug,
        channel.sso_secret,
        graphene.Node.to_global_id("ProductVariant", variant.pk),
    )


def member_token(shop: Shop, external_id: str, points: int = 0) -> str:
    """A signed-in member's Saleor JWT (granted ``points`` first)."""
    if points:
        services.grant(
            shop.channel_id,
            external_id,
            points,
            transfer_id=f"grant-{uuid.uuid4().hex}",
        )
    return sign_in(
        shop.slug, channel_token(shop.secret, shop.slug, external_id)
    ).saleor_token


def ok(response, field, errors_key):
    assert "errors" not in response, response
    payload = response["data"][field]
    assert not payload.get(errors_key), payload[errors_key]
    return payload


def errors_of(response, field, errors_key="pointsPaymentErrors"):
    assert "errors" not in response, response
    return response["data"][field][errors_key]


def new_checkout(
    shop: Shop, token: str, quantity: int = 1, send: Optional[Send] = None
) -> dict:
    """A member's checkout with a shipping method; its id, token and total."""
    send = send or gql
    checkout = ok(
        send(
            CHECKOUT_CREATE,
            {
                "input": {
                    "email": f"m-{uuid.uuid4().hex[:6]}@example.com",
                    "lines": [{"variantId": shop.variant_id, "quantity": quantity}],
                    "shippingAddress": ADDRESS,
                    "billingAddress": ADDRESS,
                }
            },
            token,
        ),
        "checkoutCreate",
        "checkoutErrors",
    )["checkout"]
    method = checkout["availableShippingMethods"][0]["id"]
    total = ok(
        send(
            SHIPPING_UPDATE,
            {"checkoutId": checkout["id"], "shippingMethodId": method},
            token,
        ),
        "checkoutShippingMethodUpdate",
        "checkoutErrors",
    )["checkout"]["totalPrice"]["gross"]["amount"]
    checkout["total"] = total
    return checkout


def last_code(shop: Shop) -> str:
    """The code the channel's webhook carried (newest first)."""
    for message in OutboxMessage.objects.filter(
        event_type="points.payment_code"
    ).order_by("-pk"):
        body = json.loads(message.body)
        if body["channel"] == shop.slug:
            return body["code"]
    raise AssertionError("no code sent")


def confirm(checkout: dict, token: str, send: Optional[Send] = None, **secret):
    return (send or gql)(CONFIRM, {"checkoutId": checkout["id"], **secret}, token)


def pay_and_complete(
    checkout: dict,
    token: str,
    payment_token: str,
    send: Optional[Send] = None,
    gateway: str = GATEWAY,
) -> dict:
    """checkoutPaymentCreate for the total (its payment kept in
    ``checkout["payment"]``), then checkoutComplete's payload."""
    send = send or gql
    checkout["payment"] = ok(
        send(
            PAYMENT_CREATE,
            {
                "checkoutId": checkout["id"],
                "input": {
                    "gateway": gateway,
                    "token": payment_token,
                    "amount": checkout["total"],
                },
            },
            token,
        ),
        "checkoutPaymentCreate",
        "paymentErrors",
    )["payment"]
    answer = send(COMPLETE, {"checkoutId": checkout["id"]}, token)
    assert "errors" not in answer, answer
    return answer["data"]["checkoutComplete"]


def buy(
    checkout: dict, token: str, send: Optional[Send] = None, gateway: str = GATEWAY
) -> dict:
    """Pay ``checkout`` with ``gateway`` and complete it (points: confirmed
    first, for channels with confirmation ``none``); checkoutComplete's
    payload, with the confirmed points under ``points``."""
    send = send or gql
    points = None
    if gateway == GATEWAY:
        confirmed = ok(
            confirm(checkout, token, send),
            "pointsPaymentConfirm",
            "pointsPaymentErrors",
        )
        payment_token, points = confirmed["token"], confirmed["points"]
    else:
        payment_token = "charged"
    completed = pay_and_complete(checkout, token, payment_token, send, gateway)
    completed["points"] = points
    return completed


def available(shop: Shop, external_id: str) -> int:
    return services.balance(shop.channel_id, external_id).available


def held(shop: Shop, external_id: str) -> int:
    return services.balance(shop.channel_id, external_id).held


def gateway_ids(checkout_token: str, token: Optional[str]):
    response = gql(GATEWAYS, {"token": checkout_token}, token)
    assert "errors" not in response, response
    return [g["id"] for g in response["data"]["checkout"]["availablePaymentGateways"]]
