"""What every channel staff mutation shares: permission, typed error, the
translation of ``PriceRuleError`` and Money for the output types."""

import graphene
from saleor.core.permissions import ProductPermissions
from saleor.graphql.product.types import Product, ProductVariant

from plugins.core.graphql.mutations import TranslatingMutation, on_field
from plugins.core.money import money  # noqa: F401 (re-exported to pools/below_cost)

from ...domain import PriceRuleError
from ..errors import ChannelError
from ..types import SalesChannel

MANAGE_PRODUCTS = (ProductPermissions.MANAGE_PRODUCTS,)


class ChannelStaffMutation(TranslatingMutation):
    """MANAGE_PRODUCTS, errors in ``channelErrors``; a ``PriceRuleError`` is
    an error on ``rule`` unless a mutation maps it elsewhere."""

    meta_defaults = {
        "permissions": MANAGE_PRODUCTS,
        "error_type_class": ChannelError,
        "error_type_field": "channel_errors",
    }
    translated_errors = {PriceRuleError: on_field("rule")}

    class Meta:
        abstract = True


class PoolEditArguments:
    channel = graphene.ID(required=True, description="The SalesChannel's id.")
    product_ids = graphene.List(graphene.NonNull(graphene.ID))
    variant_ids = graphene.List(graphene.NonNull(graphene.ID))


class PoolEditMutation(ChannelStaffMutation):
    """A mutation on some products and variants of one channel's pool."""

    class Meta:
        abstract = True

    @classmethod
    def targets(cls, info, data):
        """(channel, product pks, variant pks) from the pool edit arguments."""
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
