"""Fixtures of the points tests: committed channels for the ledger's thread
races; channels with a points program and a signing client for the API."""

from __future__ import annotations

import uuid

import pytest

from plugins.channel_pricing.models import Channel

from . import ledger_support
from .channel_api import ChannelApi, program_for


@pytest.fixture(scope="module")
def committed_db(django_db_setup, django_db_blocker):
    """Autocommit access to the test database for a module: threads see the
    rows; the module removes exactly the channels it made."""
    with django_db_blocker.unblock():
        from django.db import connection

        assert connection.settings_dict["NAME"].startswith("test_")
        try:
            yield
        finally:
            ledger_support.delete_created()


def new_channel(**fields) -> Channel:
    slug = fields.pop("slug", None) or f"pts-{uuid.uuid4().hex[:10]}"
    fields.setdefault("name", slug)
    fields.setdefault("sso_secret", f"{slug}-sso")
    return Channel.objects.create(slug=slug, **fields)


@pytest.fixture
def points_channel(db):
    """A channel with points enabled, and an in-process signing client."""

    def make(**program_fields):
        channel = new_channel()
        program, secret = program_for(channel, **program_fields)
        return channel, program, ChannelApi(channel.slug, secret)

    return make
