"""Fixtures for the channel tests: channels with known secrets, staff tokens."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Permission
from saleor.account.models import User

from plugins.channel_pricing.models import Channel


@pytest.fixture
def make_channel(db):
    def make(slug=None, **fields) -> Channel:
        slug = slug or f"chan-{uuid.uuid4().hex[:8]}"
        fields.setdefault("name", slug.replace("-", " ").title())
        fields.setdefault("sso_secret", f"{slug}-secret-ü")
        fields.setdefault("storefront_url", f"https://{slug}.example/shop")
        return Channel.objects.create(slug=slug, **fields)

    return make


@pytest.fixture
def staff_token(api_server):
    """A Saleor JWT for a new staff user with the given permission codenames."""

    def make(*codenames) -> str:
        email = f"staff-{uuid.uuid4().hex[:8]}@example.com"
        user = User.objects.create_user(email, "s3cret-pass", is_staff=True)
        user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
        response = api_server.gql(
            'mutation($e: String!) { tokenCreate(email: $e, password: "s3cret-pass")'
            " { token } }",
            {"e": email},
        )
        return response["data"]["tokenCreate"]["token"]

    return make


@pytest.fixture
def demo(db):
    """The demo world: 2 channels with pools, 20 products with settlement prices."""
    import io

    from saleor_flash.demo import seed_demo

    return seed_demo(io.StringIO())
