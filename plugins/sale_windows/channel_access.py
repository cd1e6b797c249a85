"""Which customers a flash sale is offered to.

A sale without channels is open to every customer. A sale that runs in
channels is offered to members of those channels only (a member arrives
through the channel's entry link and is signed in). Membership is asked of
channel_pricing's service, never its models.
"""

from __future__ import annotations

from typing import Optional, Tuple

from plugins.channel_pricing.services import is_member_of_any

from .models import FlashSale


def customer_may_buy_in_sale(item_id: int, user_id: Optional[int]) -> bool:
    sale = FlashSale.objects.filter(items__pk=item_id).only("pk").first()
    # No sale: the locked decision answers NOT_FOUND.
    return sale is None or _offered_to(sale, user_id)


def buyer_refusal(item_id: int, user_id: Optional[int]) -> Optional[Tuple[str, str]]:
    """(code, message) when this buyer may not hold units of the item's sale:
    a guest where the sale requires signing in, or someone outside its
    channels; None when they may. One read of the sale for both."""
    sale = (
        FlashSale.objects.filter(items__pk=item_id)
        .only("pk", "sign_in_required")
        .first()
    )
    if sale is None:
        return None
    if user_id is None and sale.sign_in_required:
        return ("sign_in_required", "Sign in to hold units of this flash sale.")
    if not _offered_to(sale, user_id):
        return ("not_in_channel", "This flash sale is not offered in your channel.")
    return None


def _offered_to(sale: FlashSale, user_id: Optional[int]) -> bool:
    channel_ids = list(sale.channels.values_list("pk", flat=True))
    return not channel_ids or is_member_of_any(user_id, channel_ids)
