"""Who is offered the points gateway: members of channels whose points
program is enabled (and not suspended). ``checkout.availablePaymentGateways``
lists it only for a checkout of such a member (``graphql/gateway_listing``)."""

from __future__ import annotations

from typing import Optional

from plugins.channel_pricing.services import is_member_of_any

from ..models import PointsProgram


def offered_to(user_id: Optional[int]) -> bool:
    if not user_id:
        return False
    channel_ids = PointsProgram.objects.filter(enabled=True).values_list(
        "channel_id", flat=True
    )
    return is_member_of_any(user_id, channel_ids)
