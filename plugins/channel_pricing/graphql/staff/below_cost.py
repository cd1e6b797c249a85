"""Below-cost prices: acknowledge them as they are; the report row type."""

import graphene
from saleor.graphql.core.types import Money as MoneyType
from saleor.graphql.product.types import ProductVariant

from plugins.core.graphql.mutations import on_field

from ... import pool_admin, reports
from ...domain import CostStatus, PriceRuleError
from .base import PoolEditArguments, PoolEditMutation, money
from .pools import ChannelPoolItem

ChannelCostStatusEnum = graphene.Enum.from_enum(CostStatus)


class ChannelBelowCostAcknowledge(PoolEditMutation):
    items = graphene.List(graphene.NonNull(ChannelPoolItem))

    translated_errors = {PriceRuleError: on_field("input")}

    class Arguments(PoolEditArguments):
        pass

    class Meta:
        description = (
            "Accept the current below-cost prices of pooled products or variants "
            "as they are (e.g. after a settlement price rose), without "
            "re-pricing. The acknowledgement covers exactly the returned price "
            "and settlement price; if either changes, acknowledge again."
        )

    @classmethod
    def perform_mutation(cls, _root, info, **data):
        channel, product_ids, variant_ids = cls.targets(info, data)
        items = pool_admin.acknowledge_current(
            channel, info.context.user, product_ids, variant_ids
        )
        return cls(items=items)


class ChannelBelowCostRow(graphene.ObjectType):
    channel = graphene.String(required=True)
    variant = graphene.Field(ProductVariant)
    sku = graphene.String(required=True)
    product_name = graphene.String(required=True)
    settlement_price = graphene.Field(MoneyType, required=True)
    price = graphene.Field(MoneyType, required=True)
    loss_per_unit = graphene.Field(MoneyType, required=True)
    units_sold = graphene.Int(required=True)
    total_loss = graphene.Field(MoneyType, required=True)
    status = ChannelCostStatusEnum(
        required=True,
        description=(
            "ACKNOWLEDGED: staff accepted this price against this settlement "
            "price and it sells; UNACKNOWLEDGED: not for sale until a staff "
            "user acknowledges or re-prices it."
        ),
    )
    acknowledged = graphene.Boolean(required=True)
    acknowledged_by = graphene.String()
    acknowledged_at = graphene.DateTime()
    previously_acknowledged_price = graphene.Field(
        MoneyType,
        description="An earlier acknowledgement's price that no longer covers it.",
    )
    previously_acknowledged_settlement_price = graphene.Field(
        MoneyType,
        description="The settlement price that earlier acknowledgement accepted.",
    )

    class Meta:
        description = (
            "An item priced below its settlement price: acknowledged (sells at "
            "a loss the platform accepted) or unacknowledged (does not sell)."
        )

    @staticmethod
    def resolve_variant(root: reports.BelowCostRow, _info):
        from saleor.product.models import ProductVariant as VariantModel

        return VariantModel.objects.filter(pk=root.variant_id).first()

    @staticmethod
    def resolve_status(root: reports.BelowCostRow, _info):
        return root.status

    @staticmethod
    def resolve_acknowledged(root: reports.BelowCostRow, _info):
        return root.acknowledged

    @staticmethod
    def resolve_previously_acknowledged_price(root: reports.BelowCostRow, _info):
        if root.stale_ack_price is None:
            return None
        return money(root.stale_ack_price)

    @staticmethod
    def resolve_previously_acknowledged_settlement_price(root, _info):
        if root.stale_ack_settlement is None:
            return None
        return money(root.stale_ack_settlement)

    @staticmethod
    def resolve_channel(root: reports.BelowCostRow, _info):
        return root.channel_slug

    @staticmethod
    def resolve_settlement_price(root, _info):
        return money(root.settlement)

    @staticmethod
    def resolve_price(root, _info):
        return money(root.price)

    @staticmethod
    def resolve_loss_per_unit(root, _info):
        return money(root.loss_per_unit)

    @staticmethod
    def resolve_total_loss(root, _info):
        return money(root.total_loss)
