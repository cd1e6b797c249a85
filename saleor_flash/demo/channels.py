"""Partner channels: their pools, their members and the points issued to them."""

from __future__ import annotations

from datetime import timedelta
from typing import Dict, List

from django.db.models import F
from django.utils import timezone
from saleor.product.models import ProductVariant

from plugins.channel_pricing.member_accounts import create_member_user
from plugins.channel_pricing.models import Channel, ChannelMember, ChannelPoolEntry
from plugins.points_payment.domain import AccountKind, TransferState, check_debit
from plugins.points_payment.models import PointsAccount, PointsTransfer
from plugins.points_payment.services import balance_of

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


def ensure_quota_account(channel: Channel, tally: Tally) -> PointsAccount:
    account, created = PointsAccount.objects.get_or_create(
        channel=channel,
        kind=AccountKind.CHANNEL_QUOTA.value,
        member=None,
        defaults={
            "debits_must_not_exceed_credits": True,
            "credits_posted": channel.points_quota,
        },
    )
    tally.record("points accounts", created)
    return account


def ensure_member_account(member: ChannelMember, tally: Tally) -> PointsAccount:
    channel = member.channel
    account, created = PointsAccount.objects.get_or_create(
        member=member,
        defaults={
            "kind": AccountKind.MEMBER.value,
            "channel": channel,
            "debits_must_not_exceed_credits": True,
            "expires_at": timezone.now()
            + timedelta(days=channel.settlement_period_days),
        },
    )
    tally.record("points accounts", created)
    return account


def issue_points(
    channel: Channel,
    quota: PointsAccount,
    member: ChannelMember,
    account: PointsAccount,
    tally: Tally,
) -> None:
    """One posted quota -> member transfer per member, counted once in the balances."""
    amount = data.MEMBER_ISSUE_POINTS
    quota.refresh_from_db()
    _, created = PointsTransfer.objects.get_or_create(
        idempotency_key=data.issue_key(channel.slug, member.external_id),
        defaults={
            "debit_account": quota,
            "credit_account": account,
            "amount": amount,
            "state": TransferState.POSTED.value,
            "description": f"Demo points for {member.external_id}",
        },
    )
    tally.record("points transfers", created)
    if not created:
        return
    check_debit(balance_of(quota), amount, quota.debits_must_not_exceed_credits)
    PointsAccount.objects.filter(pk=quota.pk).update(
        debits_posted=F("debits_posted") + amount
    )
    PointsAccount.objects.filter(pk=account.pk).update(
        credits_posted=F("credits_posted") + amount
    )


def ensure_channels(variants: Dict[str, ProductVariant], tally: Tally) -> List[Channel]:
    """Both channels with pools, three members each, and their points."""
    channels = []
    for spec in data.CHANNELS:
        channel = ensure_channel(spec, tally)
        ensure_pool(channel, spec, variants, tally)
        quota = ensure_quota_account(channel, tally)
        for external_id in data.MEMBER_EXTERNAL_IDS:
            member = ensure_member(channel, external_id, tally)
            account = ensure_member_account(member, tally)
            issue_points(channel, quota, member, account, tally)
        channels.append(channel)
    return channels
