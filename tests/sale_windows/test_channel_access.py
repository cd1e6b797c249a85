"""A sale that runs in channels is offered to their members only; membership
is asked of channel_pricing's service (sale_windows does not read its models)."""

import uuid

import pytest

from plugins.channel_pricing.models import Channel, ChannelMember
from plugins.sale_windows import storefront
from plugins.sale_windows.channel_access import customer_may_buy_in_sale
from plugins.sale_windows.reservations import ReservationError

from . import factories

pytestmark = [pytest.mark.django_db]


def _channel(slug):
    return Channel.objects.create(slug=slug, name=slug, sso_secret=f"{slug}-secret")


def _member(channel, email):
    user = factories.make_user(email)
    ChannelMember.objects.create(channel=channel, external_id=email, user=user)
    return user


def test_a_sale_in_channels_is_for_their_members_only():
    tag = uuid.uuid4().hex[:6]
    wellness, sports = _channel(f"wellness-{tag}"), _channel(f"sports-{tag}")
    in_wellness = _member(wellness, f"w-{tag}@example.com")
    in_sports = _member(sports, f"s-{tag}@example.com")
    nobody = factories.make_user(f"n-{tag}@example.com")
    item = factories.make_item()

    # No channels: open to everyone, signed in or not.
    for user_id in (None, nobody.pk, in_sports.pk):
        assert customer_may_buy_in_sale(item.pk, user_id)

    item.sale.channels.set([wellness])
    assert customer_may_buy_in_sale(item.pk, in_wellness.pk)
    for user_id in (None, nobody.pk, in_sports.pk):
        assert not customer_may_buy_in_sale(item.pk, user_id)

    item.sale.channels.set([wellness, sports])
    assert customer_may_buy_in_sale(item.pk, in_sports.pk)
    assert not customer_may_buy_in_sale(item.pk, nobody.pk)

    # An unknown item is left to the locked decision (NOT_FOUND).
    assert customer_may_buy_in_sale(item.pk + 10_000, None)


def test_a_non_member_is_refused_before_anything_is_held():
    tag = uuid.uuid4().hex[:6]
    item = factories.make_item(cap=5)
    item.sale.channels.set([_channel(f"wellness-{tag}")])
    stranger = factories.make_user(f"x-{tag}@example.com")

    with pytest.raises(ReservationError) as refused:
        storefront.reserve_for_new_checkout(
            item.pk, 1, uuid.uuid4(), stranger.email, stranger
        )
    assert refused.value.code == "not_in_channel"
    assert not item.reservations.exists()
