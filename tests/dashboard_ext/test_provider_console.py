"""The console's Providers pages, in-process: every page and POST needs
MANAGE_PROVIDERS (the permission of the provider_dropship staff GraphQL);
staff without it get 403 and nothing changes. With it: the application
queue with documents and decisions, listing review with assets and the
unified sale price, suspend / reactivate / invite, the sub-orders board,
statements with CSV."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from saleor.account.models import User
from saleor.order.models import Order

from plugins.core.models import OutboxMessage
from plugins.provider_dropship import settlement
from plugins.provider_dropship.models import (
    Provider,
    ProviderApplication,
    ProviderInvitation,
    SettlementStatement,
    SupplyListing,
)
from tests.provider_dropship.world import make_supplier, place_order, store

from .provider_world import pending_listing, submitted_application

pytestmark = pytest.mark.django_db

BASE = "/dashboard-ext/providers"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def staff(*codenames, is_superuser=False) -> Client:
    user = User.objects.create_user(
        f"console-{uuid.uuid4().hex[:8]}@example.com",
        "pw",
        is_staff=True,
        is_superuser=is_superuser,
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def world():
    store()
    a, b = make_supplier(), make_supplier()
    placed = place_order([(a.variants[0], 1), (b.variants[0], 1)])
    past = timezone.now().replace(microsecond=0) - timedelta(days=2)
    statement = settlement.produce_statement(
        a.provider.pk, past, past + timedelta(days=1)
    )
    return {
        "a": a,
        "application": submitted_application(),
        "listing": pending_listing(a.provider.pk),
        "order": Order.objects.get(token=placed["token"]),
        "statement": statement,
    }


def pages(world):
    application, listing = world["application"], world["listing"]
    return [
        f"{BASE}/",
        f"{BASE}/applications/",
        f"{BASE}/applications/{application.pk}/",
        f"{BASE}/applications/{application.pk}/documents/contract/",
        f"{BASE}/listings/",
        f"{BASE}/listings/{listing.pk}/",
        f"{BASE}/listings/{listing.pk}/assets/{listing.assets.get().pk}/",
        f"{BASE}/sub-orders/",
        f"{BASE}/statements/",
        f"{BASE}/statements/{world['statement'].pk}.csv",
    ]


def actions(world):
    provider = world["a"].provider.pk
    return [
        (f"{BASE}/{provider}/suspend/", {"reason": "Late shipments"}),
        (f"{BASE}/{provider}/reactivate/", {}),
        (f"{BASE}/invite/", {"name": "Intruder", "email": "intruder@example.com"}),
        (f"{BASE}/applications/{world['application'].pk}/approve/", {"note": "ok"}),
        (
            f"{BASE}/listings/{world['listing'].pk}/approve/",
            {"sale_price": "59.00", "description": "x", "note": "ok"},
        ),
        (
            f"{BASE}/statements/",
            {
                "provider": provider,
                "period_start": "2020-01-01 00:00:00",
                "period_end": "2020-02-01 00:00:00",
            },
        ),
    ]


def snapshot():
    models = [
        Provider,
        ProviderApplication,
        ProviderInvitation,
        SupplyListing,
        SettlementStatement,
        OutboxMessage,
    ]
    return [list(model.objects.order_by("pk").values()) for model in models]


def test_staff_without_manage_providers_get_403_and_change_nothing(world):
    client = staff("manage_products", "manage_discounts", "manage_orders")
    assert (
        "/dashboard-ext/providers/"
        not in client.get("/dashboard-ext/").content.decode()
    )
    for path in pages(world):
        assert client.get(path).status_code == 403, path
    before = snapshot()
    for path, data in actions(world):
        assert client.post(path, data).status_code == 403, path
    assert snapshot() == before


def test_signed_out_and_provider_users_are_sent_to_the_console_sign_in(world):
    provider_user = Client()
    provider_user.force_login(
        world["a"].user, backend="django.contrib.auth.backends.ModelBackend"
    )
    for client in (Client(), provider_user):
        for path in pages(world)[:3]:
            response = client.get(path)
            assert response.status_code == 302
            assert response.url.startswith("/dashboard-ext/login/")


def test_every_page_opens_with_the_permission(world):
    client = staff("manage_providers")
    for path in pages(world):
        assert client.get(path).status_code == 200, path
    board = client.get(f"{BASE}/sub-orders/").content.decode()
    assert f'data-order="{world["order"].pk}"' in board
    csv = client.get(f"{BASE}/statements/{world['statement'].pk}.csv")
    assert csv["Content-Type"].startswith("text/csv")
    document = client.get(pages(world)[3])
    assert b"".join(document.streaming_content).startswith(b"%PDF")


def test_application_decisions(world):
    client = staff("manage_providers")
    application = world["application"]
    detail = client.get(f"{BASE}/applications/{application.pk}/").content.decode()
    assert "Business licence" in detail and "documents/inventory_proof/" in detail

    refused = client.post(f"{BASE}/applications/{application.pk}/reject/", {"note": ""})
    assert refused.status_code == 400
    application.refresh_from_db()
    assert application.status == "submitted"

    response = client.post(
        f"{BASE}/applications/{application.pk}/approve/", {"note": "Welcome aboard"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.provider.status == "approved"
    page = client.get(response.url).content.decode()
    assert "Welcome aboard" in page


def test_listing_review_sets_the_unified_price_and_approves(world):
    client = staff("manage_providers")
    listing = world["listing"]
    path = f"{BASE}/listings/{listing.pk}"
    page = client.get(f"{path}/").content.decode()
    assert f"/assets/{listing.assets.get().pk}/" in page

    # Approval needs the unified sale price.
    refused = client.post(f"{path}/approve/", {"description": "Hand-rolled edges."})
    assert refused.status_code == 400
    listing.refresh_from_db()
    assert listing.status == "pending"

    client.post(
        f"{path}/approve/",
        {"sale_price": "59.00", "description": "Hand-rolled, 100% silk.", "note": ""},
    )
    listing.refresh_from_db()
    assert listing.status == "approved"
    assert listing.variant.price_override_amount == Decimal("59.00")
    assert listing.description == "Hand-rolled, 100% silk."
    assert listing.variant.product.is_published


def test_suspend_reactivate_and_invite(world):
    client = staff("manage_providers")
    provider = world["a"].provider
    assert (
        client.post(f"{BASE}/{provider.pk}/suspend/", {"reason": ""}).status_code == 400
    )
    client.post(f"{BASE}/{provider.pk}/suspend/", {"reason": "Late shipments"})
    provider.refresh_from_db()
    assert (provider.status, provider.suspension_reason) == (
        "suspended",
        "Late shipments",
    )
    client.post(f"{BASE}/{provider.pk}/reactivate/")
    provider.refresh_from_db()
    assert provider.status == "approved"

    bad = client.post(
        f"{BASE}/invite/",
        {
            "name": "Dragon Tea",
            "email": "owner@dragontea.example",
            "contact_phone": "12",
        },
    )
    assert bad.status_code == 400
    response = client.post(
        f"{BASE}/invite/",
        {
            "name": "Dragon Tea",
            "email": "owner@dragontea.example",
            "contact_phone": "+86 21 1234 5678",
        },
    )
    assert response.url == f"{BASE}/?notice=invited"
    invited = Provider.objects.get(name="Dragon Tea")
    assert invited.status == "invited"
    assert ProviderInvitation.objects.filter(provider=invited).exists()
    assert OutboxMessage.objects.filter(event_type="provider.invitation").exists()


def test_statement_produced_from_the_console(world):
    client = staff("manage_providers")
    provider = world["a"].provider
    previous_end = world["statement"].period_end
    response = client.post(
        f"{BASE}/statements/",
        {
            "provider": provider.pk,
            "period_start": previous_end.strftime("%Y-%m-%d %H:%M:%S"),
            "period_end": (previous_end + timedelta(hours=1)).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SettlementStatement.objects.filter(provider=provider).count() == 2
    overlap = client.post(
        f"{BASE}/statements/",
        {
            "provider": provider.pk,
            "period_start": "2020-01-01 00:00:00",
            "period_end": "2020-01-02 00:00:00",
        },
    )
    assert overlap.status_code == 400
