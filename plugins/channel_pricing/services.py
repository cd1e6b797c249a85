"""Channel use cases, and the service functions other plugins call."""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Tuple

from django.db.models import Count, QuerySet

from .domain import ChannelStatus
from .models import Channel, ChannelMember


def channels_with_pool_size() -> QuerySet:
    """All channels, each annotated with ``pool_size`` (products in its pool)."""
    return Channel.objects.annotate(pool_size=Count("pool__product", distinct=True))


def entry_path(channel_slug: str) -> str:
    """The fixed entry link partner apps open (with ``?token=<JWT>``)."""
    return f"/c/{channel_slug}/"


def channel_list() -> List[Tuple[int, str, str]]:
    """``(id, slug, name)`` of every channel, by name."""
    return list(
        Channel.objects.order_by("name", "pk").values_list("pk", "slug", "name")
    )


def channel_ids_by_slug(slugs: Iterable[str]) -> Dict[str, int]:
    """``{slug: channel id}`` for the channels that exist among ``slugs``."""
    return dict(Channel.objects.filter(slug__in=list(slugs)).values_list("slug", "pk"))


def is_member_login(email: Optional[str]) -> bool:
    """Whether ``email`` is in the members' reserved domain (a member's login,
    which no guest may use)."""
    from .member_accounts import is_member_address

    return is_member_address(email)


def is_member_of_any(user_id: Optional[int], channel_ids: Iterable[int]) -> bool:
    """Whether the user is a member of at least one of these channels that is
    not suspended (members of a suspended channel buy nothing)."""
    if user_id is None:
        return False
    return ChannelMember.objects.filter(
        channel_id__in=list(channel_ids),
        channel__status=ChannelStatus.ACTIVE.value,
        user_id=user_id,
    ).exists()


def memberships_of(user_id: int) -> List[Tuple[int, str, str]]:
    """``(channel id, channel slug, external id)`` of each of the user's
    channel memberships, by channel slug."""
    return list(
        ChannelMember.objects.filter(user_id=user_id)
        .order_by("channel__slug")
        .values_list("channel_id", "channel__slug", "external_id")
    )


def member_channel_slug(user_id: Optional[int]) -> Optional[str]:
    """The slug of the channel the user is a member of (one at most), or None."""
    if user_id is None:
        return None
    return (
        ChannelMember.objects.filter(user_id=user_id)
        .values_list("channel__slug", flat=True)
        .first()
    )
