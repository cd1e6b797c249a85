"""Staff use cases on channels: create, update, rotate the SSO secret."""

from __future__ import annotations

import secrets
from typing import Any, Dict

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from .domain import (
    ChannelStatus,
    PriceRuleError,
    Rounding,
    RuleOverride,
    validate_storefront_url,
)
from .domain import validate_override as validate_rule_override
from .models import Channel

EDITABLE_FIELDS = (
    "name",
    "slug",
    "contact_name",
    "contact_phone",
    "status",
    "storefront_url",
    "payment_pct",
    "platform_pct",
    "channel_pct",
    "fixed_markup",
    "rounding",
    "points_quota",
    "points_per_currency_unit",
    "settlement_period_days",
    "points_refundable",
)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _validate(fields: Dict[str, Any]) -> None:
    validate_rule_override(
        RuleOverride(
            payment_pct=fields.get("payment_pct"),
            platform_pct=fields.get("platform_pct"),
            channel_pct=fields.get("channel_pct"),
            fixed_amount=fields.get("fixed_markup"),
        )
    )
    if "status" in fields:
        ChannelStatus(fields["status"])
    if "rounding" in fields:
        Rounding(fields["rounding"])
    if "slug" in fields and not fields["slug"]:
        raise PriceRuleError("invalid_rule", "A channel needs a slug.")
    if "storefront_url" in fields:
        validate_storefront_url(fields["storefront_url"])


def create_channel(**fields: Any) -> Channel:
    """A new channel with a fresh SSO secret; the slug defaults from the name."""
    fields = {k: v for k, v in fields.items() if v is not None}
    fields.setdefault("slug", slugify(fields.get("name", "")))
    _validate(fields)
    try:
        with transaction.atomic():
            return Channel.objects.create(sso_secret=new_secret(), **fields)
    except IntegrityError:
        raise PriceRuleError(
            "duplicate_slug", f"A channel with slug {fields['slug']!r} exists."
        ) from None


def update_channel(channel: Channel, **fields: Any) -> Channel:
    fields = {k: v for k, v in fields.items() if v is not None}
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    _validate(fields)
    for name, value in fields.items():
        setattr(channel, name, value)
    try:
        with transaction.atomic():
            channel.save()
    except IntegrityError:
        raise PriceRuleError(
            "duplicate_slug", f"A channel with slug {channel.slug!r} exists."
        ) from None
    return channel


def rotate_secret(channel: Channel) -> Channel:
    """Start a rotation: a new current secret; the old one stays valid as previous.

    Rotating again ends the old rotation (its previous secret stops working).
    """
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        channel.sso_secret_previous = channel.sso_secret
        channel.sso_secret = new_secret()
        channel.secret_rotated_at = timezone.now()
        channel.save(
            update_fields=["sso_secret", "sso_secret_previous", "secret_rotated_at"]
        )
    return channel


def finish_rotation(channel: Channel) -> Channel:
    """End a rotation: only the current secret signs in from now on."""
    Channel.objects.filter(pk=channel.pk).update(sso_secret_previous="")
    channel.refresh_from_db()
    return channel
