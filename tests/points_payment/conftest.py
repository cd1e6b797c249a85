"""Fixtures for the channel API tests: channels with a points program."""

from __future__ import annotations

import uuid

import pytest

from plugins.channel_pricing.models import Channel

from .channel_api import ChannelApi, program_for


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
