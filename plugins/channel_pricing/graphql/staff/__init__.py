"""Staff mutations and types on channels, pools and price rules (MANAGE_PRODUCTS).

Split along the seams: ``channels`` (create, update, rotate the SSO secret),
``pools`` (add, remove, preview; the pool item type), ``below_cost``
(acknowledge; the report row type). Each mutation translates its input and
calls one service; ``base.ChannelStaffMutation`` holds the shared ``Meta``
and maps ``PriceRuleError`` to ``ChannelErrorCode`` in ``channelErrors``.
"""

from .below_cost import ChannelBelowCostAcknowledge, ChannelBelowCostRow
from .channels import SalesChannelCreate, SalesChannelRotateSecret, SalesChannelUpdate
from .pools import (
    ChannelPoolAdd,
    ChannelPoolItem,
    ChannelPoolRemove,
    ChannelPricePreview,
)

__all__ = [
    "ChannelBelowCostAcknowledge",
    "ChannelBelowCostRow",
    "ChannelPoolAdd",
    "ChannelPoolItem",
    "ChannelPoolRemove",
    "ChannelPricePreview",
    "SalesChannelCreate",
    "SalesChannelRotateSecret",
    "SalesChannelUpdate",
]
