"""Which customers a flash sale is offered to.

A sale without channels is open to every customer. A sale that runs in
channels is offered to members of those channels only (a member arrives
through the channel's entry link and is signed in).

Membership is read through one small query on the channel_pricing app's
membership table; when that plugin grows a membership service, call it here.
"""

from __future__ import annotations

from typing import Optional

from .models import FlashSale


def customer_may_buy_in_sale(item_id: int, user_id: Optional[int]) -> bool:
    sale = FlashSale.objects.filter(items__pk=item_id).only("pk").first()
    if sale is None:
        return True  # the locked decision answers NOT_FOUND
    channel_ids = list(sale.channels.values_list("pk", flat=True))
    if not channel_ids:
        return True
    if user_id is None:
        return False
    from plugins.channel_pricing.domain import ChannelStatus
    from plugins.channel_pricing.models import ChannelMember

    # Members of a suspended channel buy nothing.
    return ChannelMember.objects.filter(
        channel_id__in=channel_ids,
        channel__status=ChannelStatus.ACTIVE.value,
        user_id=user_id,
    ).exists()
