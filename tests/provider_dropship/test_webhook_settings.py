"""Where a provider hears of new sub-orders: staff (GraphQL) and the
provider's owner (GraphQL and the portal) set the webhook URL; a first URL
or a rotation makes a new signing secret that signs the next sub-order's
webhook; bad input and non-owners change nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from plugins.core.models import OutboxMessage
from plugins.provider_dropship.domain import ProviderRole
from plugins.provider_dropship.models import Provider

from .factories import gid, make_provider, make_provider_user, staff_user, token
from .graphql_client import codes, gql, payload
from .world import make_supplier, place_order, store

pytestmark = pytest.mark.django_db

STAFF_SET = """
mutation ($id: ID!, $url: String!, $rotate: Boolean) {
  providerWebhookSet(id: $id, url: $url, rotateSecret: $rotate) {
    provider { webhookUrl } webhookSecret providerErrors { field code }
  }
}"""
OWN_SET = """
mutation ($url: String!, $rotate: Boolean) {
  myProviderWebhookSet(url: $url, rotateSecret: $rotate) {
    provider { webhookUrl } webhookSecret providerErrors { field code }
  }
}"""


def test_staff_set_rotate_and_remove_the_webhook():
    provider = make_provider()
    staff = token(staff_user("manage_providers"))
    variables = {"id": gid("Provider", provider.pk), "url": "https://hooks.test/a"}

    first = payload(gql(STAFF_SET, variables, staff), "providerWebhookSet")
    assert first["provider"]["webhookUrl"] == "https://hooks.test/a"
    secret = first["webhookSecret"]
    assert secret.startswith("whsec_") and len(secret) == 54
    assert Provider.objects.get(pk=provider.pk).webhook_secret == secret

    variables["url"] = "https://hooks.test/b"  # a new URL keeps the secret
    again = payload(gql(STAFF_SET, variables, staff), "providerWebhookSet")
    assert again["webhookSecret"] is None
    assert Provider.objects.get(pk=provider.pk).webhook_secret == secret

    rotated = payload(
        gql(STAFF_SET, {**variables, "rotate": True}, staff), "providerWebhookSet"
    )
    assert rotated["webhookSecret"] not in (None, secret)

    variables["url"] = ""  # e-mails only
    payload(gql(STAFF_SET, variables, staff), "providerWebhookSet")
    stored = Provider.objects.get(pk=provider.pk)
    assert stored.webhook_url == "" and stored.webhook_secret == ""


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "//hooks.test/x", "https://", "ftp://hooks.test/"]
)
def test_a_bad_url_is_refused_and_changes_nothing(url):
    provider = make_provider()
    staff = token(staff_user("manage_providers"))
    answer = gql(STAFF_SET, {"id": gid("Provider", provider.pk), "url": url}, staff)
    assert codes(answer, "providerWebhookSet") == ["invalid"]
    assert Provider.objects.get(pk=provider.pk).webhook_url == ""


def test_without_the_permission_nothing_changes():
    provider = make_provider()
    other_staff = token(staff_user())
    owner = token(make_provider_user(provider))
    variables = {"id": gid("Provider", provider.pk), "url": "https://hooks.test/a"}
    for user_token in (other_staff, owner):
        answer = gql(STAFF_SET, variables, user_token)
        assert answer.get("errors"), answer
    assert Provider.objects.get(pk=provider.pk).webhook_url == ""


def test_the_owner_sets_it_staff_users_of_the_provider_may_not():
    provider = make_provider()
    owner = token(make_provider_user(provider))
    worker = token(make_provider_user(provider, role=ProviderRole.STAFF))

    refused = gql(OWN_SET, {"url": "https://hooks.test/w"}, worker)
    assert codes(refused, "myProviderWebhookSet") == ["owner_only"]
    assert Provider.objects.get(pk=provider.pk).webhook_url == ""

    done = payload(
        gql(OWN_SET, {"url": "https://hooks.test/o"}, owner), "myProviderWebhookSet"
    )
    assert done["provider"]["webhookUrl"] == "https://hooks.test/o"
    assert done["webhookSecret"].startswith("whsec_")


def test_the_next_sub_order_is_signed_with_the_new_secret():
    store()
    supplier = make_supplier()
    staff = token(staff_user("manage_providers"))
    answer = gql(
        STAFF_SET,
        {"id": gid("Provider", supplier.provider.pk), "url": "https://hooks.test/n"},
        staff,
    )
    secret = payload(answer, "providerWebhookSet")["webhookSecret"]
    place_order([(supplier.variants[0], 1)])
    webhook = OutboxMessage.objects.get(kind="webhook", url="https://hooks.test/n")
    assert webhook.secrets == [secret]


def sign_in(client, user):
    answer = client.post(
        "/provider/login/", {"email": user.email, "password": "pw-provider-123"}
    )
    assert answer.status_code == 302, answer.content


def test_the_portal_page_for_the_owner_and_for_staff_users():
    provider = make_provider()
    owner = make_provider_user(provider)
    worker = make_provider_user(provider, role=ProviderRole.STAFF)
    client = Client()
    sign_in(client, owner)

    page = client.get("/provider/notifications/")
    assert page.status_code == 200 and "No webhook" in page.content.decode()
    bad = client.post("/provider/notifications/webhook/", {"url": "javascript:x"})
    assert bad.status_code == 400
    assert Provider.objects.get(pk=provider.pk).webhook_url == ""

    saved = client.post(
        "/provider/notifications/webhook/", {"url": "https://hooks.test/p"}
    )
    assert saved.status_code == 302
    stored = Provider.objects.get(pk=provider.pk)
    assert stored.webhook_url == "https://hooks.test/p"
    shown = client.get("/provider/notifications/").content.decode()
    assert stored.webhook_secret in shown

    client.post("/provider/logout/")
    sign_in(client, worker)
    seen = client.get("/provider/notifications/").content.decode()
    assert "https://hooks.test/p" in seen and stored.webhook_secret not in seen
    refused = client.post("/provider/notifications/webhook/", {"url": ""})
    assert refused.status_code == 403
    assert Provider.objects.get(pk=provider.pk).webhook_url == "https://hooks.test/p"
