"""Channel use cases."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from .models import Channel


def channels_with_pool_size() -> QuerySet:
    """All channels, each annotated with ``pool_size`` (products in its pool)."""
    return Channel.objects.annotate(pool_size=Count("pool__product", distinct=True))


def entry_path(channel_slug: str) -> str:
    """The fixed entry link partner apps open (with ``?token=<JWT>``)."""
    return f"/c/{channel_slug}/"
