"""Channel pools: add or re-price, remove, preview; the pool item type."""

import graphene
from saleor.graphql.core.scalars import Decimal
from saleor.graphql.core.types import Money as MoneyType
from saleor.graphql.product.types import ProductVariant

from ... import pool_admin
from ...domain import Rounding, RuleOverride
from ..types import ChannelRoundingEnum
from .base import PoolEditArguments, PoolEditMutation, money


class PriceRuleInput(graphene.InputObjectType):
    fixed_price = Decimal(description="A fixed channel price (no markups).")
    payment_pct = Decimal()
    platform_pct = Decimal()
    channel_pct = Decimal()
    fixed_markup = Decimal()
    rounding = ChannelRoundingEnum()


def _override(rule) -> RuleOverride:
    if not rule:
        return RuleOverride()
    rounding = rule.get("rounding")
    return RuleOverride(
        fixed_price=rule.get("fixed_price"),
        payment_pct=rule.get("payment_pct"),
        platform_pct=rule.get("platform_pct"),
        channel_pct=rule.get("channel_pct"),
        fixed_amount=rule.get("fixed_markup"),
        rounding=Rounding(getattr(rounding, "value", rounding)) if rounding else None,
    )


class ChannelPoolItem(graphene.ObjectType):
    variant = graphene.Field(ProductVariant, required=True)
    sku = graphene.String(required=True)
    product_name = graphene.String(required=True)
    settlement_price = graphene.Field(MoneyType, required=True)
    price = graphene.Field(MoneyType, required=True)
    margin = graphene.Field(MoneyType, required=True)
    margin_percent = graphene.Float(required=True)
    below_cost = graphene.Boolean(required=True)
    fixed_price = graphene.Boolean(
        required=True, description="Priced by a fixed price."
    )

    class Meta:
        description = "A variant's settlement price, channel price and margin."

    @staticmethod
    def resolve_variant(root: pool_admin.PoolItem, _info):
        return root.variant

    @staticmethod
    def resolve_settlement_price(root, _info):
        return money(root.quote.settlement)

    @staticmethod
    def resolve_price(root, _info):
        return money(root.quote.price)

    @staticmethod
    def resolve_margin(root, _info):
        return money(root.quote.margin)

    @staticmethod
    def resolve_margin_percent(root, _info):
        return float(root.quote.margin_pct)

    @staticmethod
    def resolve_below_cost(root, _info):
        return root.quote.below_cost

    @staticmethod
    def resolve_fixed_price(root, _info):
        return root.quote.fixed


class ChannelPoolAdd(PoolEditMutation):
    items = graphene.List(graphene.NonNull(ChannelPoolItem))

    class Arguments(PoolEditArguments):
        rule = PriceRuleInput(
            description="Override of the channel's default rule (empty = default)."
        )
        acknowledge_below_cost = graphene.Boolean(
            description="Accept prices below settlement; stored with who and when."
        )

    class Meta:
        description = (
            "Add products or variants to a channel's pool, or re-price them. "
            "Refused with BELOW_COST_NOT_ACKNOWLEDGED when a price would fall "
            "below settlement without acknowledgeBelowCost."
        )

    @classmethod
    def perform_mutation(cls, _root, info, **data):
        channel, product_ids, variant_ids = cls.targets(info, data)
        items = pool_admin.save_entries(
            channel,
            info.context.user,
            product_ids,
            variant_ids,
            _override(data.get("rule")),
            bool(data.get("acknowledge_below_cost")),
        )
        return cls(items=items)


class ChannelPoolRemove(PoolEditMutation):
    removed_count = graphene.Int()

    class Arguments(PoolEditArguments):
        pass

    class Meta:
        description = "Take products (with their variant entries) or variants out."

    @classmethod
    def perform_mutation(cls, _root, info, **data):
        channel, product_ids, variant_ids = cls.targets(info, data)
        removed = pool_admin.remove_entries(channel, product_ids, variant_ids)
        return cls(removed_count=removed)


class ChannelPricePreview(PoolEditMutation):
    items = graphene.List(graphene.NonNull(ChannelPoolItem))

    class Arguments(PoolEditArguments):
        rule = PriceRuleInput()

    class Meta:
        description = "Price and margin per variant for a rule, without saving."

    @classmethod
    def perform_mutation(cls, _root, info, **data):
        channel, product_ids, variant_ids = cls.targets(info, data)
        rule = data.get("rule")
        override = _override(rule) if rule else None
        items = pool_admin.preview(channel, product_ids, variant_ids, override)
        return cls(items=items)
