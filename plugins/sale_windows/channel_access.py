"""Which customers a flash sale is offered to.

A sale without channels is open to every customer. A sale that runs in
channels is offered to members of those channels only (a member arrives
through the channel's entry link and is signed in). Membership is asked of
channel_pricing's service, never its models.
"""

from __future__ import annotations

from typing import Optional

from plugins.channel_pricing.services import is_member_of_any

from .models import FlashSale


def customer_may_buy_in_sale(item_id: int, user_id: Optional[int]) -> bool:
    sale = FlashSale.objects.filter(items__pk=item_id).only("pk").first()
    if sale is None:
        return True  # the locked decision answers NOT_FOUND
    channel_ids = list(sale.channels.values_list("pk", flat=True))
    if not channel_ids:
        return True
    return is_member_of_any(user_id, channel_ids)
