"""Staff mutations and queries on channels, pools and price rules.

Thin: translate input, call the services, map ``PriceRuleError`` codes to
``ChannelErrorCode`` in ``channelErrors``. All need MANAGE_PRODUCTS.
"""

import graphene
from django.core.exceptions import ValidationError
from saleor.core.permissions import ProductPermissions
from saleor.graphql.core.mutations import BaseMutation
from saleor.graphql.core.scalars import Decimal
from saleor.graphql.core.types import Money as MoneyType
from saleor.graphql.product.types import Product, ProductVariant

from plugins.core.money import money

from .. import channel_admin, pool_admin, reports
from ..domain import CostStatus, PriceRuleError, Rounding, RuleOverride
from ..error_codes import ChannelErrorCode
from .errors import ChannelError
from .types import ChannelRoundingEnum, ChannelStatusEnum, SalesChannel

MANAGE_PRODUCTS = (ProductPermissions.MANAGE_PRODUCTS,)
ChannelCostStatusEnum = graphene.Enum.from_enum(CostStatus)


def rule_error(error: PriceRuleError, field=None) -> ValidationError:
    code = ChannelErrorCode(error.code)
    return ValidationError({field or "rule": ValidationError(error.message, code=code)})


def _channel_error(error: PriceRuleError) -> ValidationError:
    return rule_error(error, "slug" if error.code == "duplicate_slug" else "input")


class SalesChannelInput(graphene.InputObjectType):
    name = graphene.String()
    slug = graphene.String()
    contact_name = graphene.String()
    contact_phone = graphene.String()
    status = ChannelStatusEnum()
    storefront_url = graphene.String(
        description="Where the entry link sends members, with #token=<Saleor JWT>."
    )
    payment_pct = Decimal(description="Default markup: payment cost %.")
    platform_pct = Decimal(description="Default markup: platform %.")
    channel_pct = Decimal(description="Default markup: channel %.")
    fixed_markup = Decimal(description="Default markup: fixed amount per unit.")
    rounding = ChannelRoundingEnum()
    points_quota = graphene.Int()
    points_per_currency_unit = graphene.Int()
    settlement_period_days = graphene.Int()
    points_refundable = graphene.Boolean()


def _channel_fields(data) -> dict:
    fields = dict(data or {})
    for name in ("status", "rounding"):
        if fields.get(name) is not None:
            fields[name] = getattr(fields[name], "value", fields[name])
    return fields


class SalesChannelCreate(BaseMutation):
    sales_channel = graphene.Field(SalesChannel)

    class Arguments:
        input = SalesChannelInput(required=True)

    class Meta:
        description = "Create a partner channel with a fresh SSO secret."
        permissions = MANAGE_PRODUCTS
        error_type_class = ChannelError
        error_type_field = "channel_errors"

    @classmethod
    def perform_mutation(cls, _root, _info, input):
        fields = _channel_fields(input)
        if not fields.get("name"):
            raise ValidationError(
                {"name": ValidationError("A channel needs a name.", code="required")}
            )
        try:
            channel = channel_admin.create_channel(**fields)
        except PriceRuleError as error:
            raise _channel_error(error) from None
        return cls(sales_channel=channel)


class SalesChannelUpdate(BaseMutation):
    sales_channel = graphene.Field(SalesChannel)

    class Arguments:
        id = graphene.ID(required=True)
        input = SalesChannelInput(required=True)

    class Meta:
        description = "Update a channel's details, status or default price rule."
        permissions = MANAGE_PRODUCTS
        error_type_class = ChannelError
        error_type_field = "channel_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id, input):
        channel = cls.get_node_or_error(info, id, only_type=SalesChannel)
        try:
            channel = channel_admin.update_channel(channel, **_channel_fields(input))
        except PriceRuleError as error:
            raise _channel_error(error) from None
        return cls(sales_channel=channel)


class SalesChannelRotateSecret(BaseMutation):
    sales_channel = graphene.Field(SalesChannel)

    class Arguments:
        id = graphene.ID(required=True)
        finish = graphene.Boolean(
            description=(
                "End the rotation instead: drop the previous secret so only the "
                "current one signs in."
            )
        )

    class Meta:
        description = (
            "Rotate a channel's SSO secret: a new current secret, the old one "
            "stays valid as previous until the rotation is finished."
        )
        permissions = MANAGE_PRODUCTS
        error_type_class = ChannelError
        error_type_field = "channel_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id, finish=False):
        channel = cls.get_node_or_error(info, id, only_type=SalesChannel)
        if finish:
            channel = channel_admin.finish_rotation(channel)
        else:
            channel = channel_admin.rotate_secret(channel)
        return cls(sales_channel=channel)


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


class PoolEditArguments:
    channel = graphene.ID(required=True, description="The SalesChannel's id.")
    product_ids = graphene.List(graphene.NonNull(graphene.ID))
    variant_ids = graphene.List(graphene.NonNull(graphene.ID))


class PoolMutation(BaseMutation):
    class Meta:
        abstract = True

    @classmethod
    def targets(cls, info, data):
        channel = cls.get_node_or_error(info, data["channel"], only_type=SalesChannel)
        product_ids, variant_ids = data.get("product_ids"), data.get("variant_ids")
        products = (
            cls.get_nodes_or_error(product_ids, "product_ids", only_type=Product)
            if product_ids
            else []
        )
        variants = (
            cls.get_nodes_or_error(variant_ids, "variant_ids", only_type=ProductVariant)
            if variant_ids
            else []
        )
        return channel, [p.pk for p in products], [v.pk for v in variants]


class ChannelPoolAdd(PoolMutation):
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
        permissions = MANAGE_PRODUCTS
        error_type_class = ChannelError
        error_type_field = "channel_errors"

    @classmethod
    def perform_mutation(cls, _root, info, **data):
        channel, product_ids, variant_ids = cls.targets(info, data)
        try:
            items = pool_admin.save_entries(
                channel,
                info.context.user,
                product_ids,
                variant_ids,
                _override(data.get("rule")),
                bool(data.get("acknowledge_below_cost")),
            )
        except PriceRuleError as error:
            raise rule_error(error) from None
        return cls(items=items)


class ChannelPoolRemove(PoolMutation):
    removed_count = graphene.Int()

    class Arguments(PoolEditArguments):
        pass

    class Meta:
        description = "Take products (with their variant entries) or variants out."
        permissions = MANAGE_PRODUCTS
        error_type_class = ChannelError
        error_type_field = "channel_errors"

    @classmethod
    def perform_mutation(cls, _root, info, **data):
        channel, product_ids, variant_ids = cls.targets(info, data)
        removed = pool_admin.remove_entries(channel, product_ids, variant_ids)
        return cls(removed_count=removed)


class ChannelPricePreview(PoolMutation):
    items = graphene.List(graphene.NonNull(ChannelPoolItem))

    class Arguments(PoolEditArguments):
        rule = PriceRuleInput()

    class Meta:
        description = "Price and margin per variant for a rule, without saving."
        permissions = MANAGE_PRODUCTS
        error_type_class = ChannelError
        error_type_field = "channel_errors"

    @classmethod
    def perform_mutation(cls, _root, info, **data):
        channel, product_ids, variant_ids = cls.targets(info, data)
        rule = data.get("rule")
        try:
            items = pool_admin.preview(
                channel, product_ids, variant_ids, _override(rule) if rule else None
            )
        except PriceRuleError as error:
            raise rule_error(error) from None
        return cls(items=items)


class ChannelBelowCostAcknowledge(PoolMutation):
    items = graphene.List(graphene.NonNull(ChannelPoolItem))

    class Arguments(PoolEditArguments):
        pass

    class Meta:
        description = (
            "Accept the current below-cost prices of pooled products or variants "
            "as they are (e.g. after a settlement price rose), without "
            "re-pricing. The acknowledgement covers exactly the returned price "
            "and settlement price; if either changes, acknowledge again."
        )
        permissions = MANAGE_PRODUCTS
        error_type_class = ChannelError
        error_type_field = "channel_errors"

    @classmethod
    def perform_mutation(cls, _root, info, **data):
        channel, product_ids, variant_ids = cls.targets(info, data)
        try:
            items = pool_admin.acknowledge_current(
                channel, info.context.user, product_ids, variant_ids
            )
        except PriceRuleError as error:
            raise rule_error(error, "input") from None
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
