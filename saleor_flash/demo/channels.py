"""Partner channels: their pools, their members and the points issued to them."""

from __future__ import annotations

from datetime import timedelta
from typing import Dict, List

from django.utils import timezone
from saleor.product.models import ProductVariant

from plugins.channel_pricing.member_accounts import create_member_user
from plugins.channel_pricing.models import Channel, ChannelMember, ChannelPoolEntry
from plugins.points_payment import services as points
from plugins.points_payment.errors import PeriodClosed
from plugins.points_payment.models import PointsTransfer

from . import data
from .summary import Tally


def ensure_channel(spec: data.ChannelSpec, tally: Tally) -> Channel:
    """The channel's settings as documented; the SSO secret only at creation.

    A secret rotated since (through the console) is left alone; the summary
    prints whatever secret is current.
    """
    channel, created = Channel.objects.update_or_create(
        slug=spec.slug,
        defaults={
            "name": spec.name,
            "contact_name": spec.contact_name,
            "contact_phone": spec.contact_phone,
            "storefront_url": spec.storefront_url,
            "payment_pct": spec.payment_pct,
            "platform_pct": spec.platform_pct,
            "channel_pct": spec.channel_pct,
            "rounding": spec.rounding,
            "points_quota": spec.points_quota,
        },
    )
    if created or not channel.sso_secret:
        channel.sso_secret = spec.sso_secret
        channel.save(update_fields=["sso_secret"])
    tally.record("channels", created)
    return channel


def ensure_pool(
    channel: Channel,
    spec: data.ChannelSpec,
    variants: Dict[str, ProductVariant],
    tally: Tally,
) -> None:
    """One product-level pool entry per pooled product; one at a fixed price."""
    for product_spec in spec.pool:
        entry, created = ChannelPoolEntry.objects.get_or_create(
            channel=channel,
            product_id=variants[product_spec.sku].product_id,
            variant=None,
        )
        tally.record("pool entries", created)
        if product_spec.sku == spec.fixed_price_sku:
            entry.fixed_price_amount = spec.fixed_price
            entry.save(update_fields=["fixed_price_amount"])


def ensure_member(channel: Channel, external_id: str, tally: Tally) -> ChannelMember:
    """A channel member backed by a password-less Saleor customer account,
    created as a first sign-in creates it (never an existing account)."""
    member = (
        ChannelMember.objects.select_related("user")
        .filter(channel=channel, external_id=external_id)
        .first()
    )
    created = member is None
    if created:
        user = create_member_user(
            channel.slug, external_id, first_name="Member", last_name=external_id
        )
        tally.record("users", True)
        member = ChannelMember.objects.create(
            channel=channel, external_id=external_id, user=user
        )
    elif not member.user.is_active:
        member.user.is_active = True
        member.user.save(update_fields=["is_active"])
    tally.record("channel members", created)
    return member


def ensure_points(channel: Channel, spec: data.ChannelSpec, tally: Tally):
    """The channel's points program in its mode and an open settlement period
    with the channel's quota (a new one when the last has ended)."""
    program = points.program_for_channel(channel.pk)
    tally.record("points programs", program is None)
    points.enable_program(channel.pk, mode=spec.points_mode)
    now = timezone.now()
    try:
        period = points.current_period(channel.pk)
    except PeriodClosed:
        period = None
    if period is not None and period.ends_at <= now:
        points.close_period(channel.pk, period.pk)
        period = None
    if period is None:
        points.open_period(
            channel.pk,
            now,
            now + timedelta(days=channel.settlement_period_days),
            channel.points_quota,
        )
        period = points.current_period(channel.pk)
    tally.record("settlement periods", period.created_at >= now)
    return period


def issue_points(channel: Channel, period, member: ChannelMember, tally: Tally) -> None:
    """Allowance mode: one grant per member and period (the transfer id makes
    a second run a replay). Pass-through mode: a sign-in balance as if the
    member had signed in with a ``points`` claim."""
    if points.program_for_channel(channel.pk).mode == "pass_through":
        points.record_sign_in_balance(
            channel.pk,
            member.external_id,
            data.MEMBER_ISSUE_POINTS,
            token_id="demo-seed",
            issued_at=timezone.now(),
        )
        return
    transfer_id = f"{data.issue_key(channel.slug, member.external_id)}:{period.pk}"
    created = not PointsTransfer.objects.filter(
        channel=channel, transfer_id=transfer_id
    ).exists()
    points.grant(
        channel.pk,
        member.external_id,
        data.MEMBER_ISSUE_POINTS,
        transfer_id=transfer_id,
        reference=f"Demo points for {member.external_id}",
    )
    tally.record("points transfers", created)


def ensure_channels(variants: Dict[str, ProductVariant], tally: Tally) -> List[Channel]:
    """Both channels with pools, three members each, and their points."""
    channels = []
    for spec in data.CHANNELS:
        channel = ensure_channel(spec, tally)
        ensure_pool(channel, spec, variants, tally)
        period = ensure_points(channel, spec, tally)
        for external_id in data.MEMBER_EXTERNAL_IDS:
            member = ensure_member(channel, external_id, tally)
            issue_points(channel, period, member, tally)
        channels.append(channel)
    return channels
