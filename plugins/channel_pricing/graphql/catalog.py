"""``channelCatalog``: the channel's pool with channel prices and flash offers."""

import graphene
from django.utils import timezone
from graphene import relay
from graphql_jwt.exceptions import PermissionDenied
from graphql_relay.connection.arrayconnection import cursor_to_offset, offset_to_cursor
from saleor.core.permissions import ProductPermissions
from saleor.graphql.core.types import Money as MoneyType
from saleor.graphql.product.types import Product, ProductVariant

from plugins.core.money import money

from .. import catalog
from ..error_codes import ChannelErrorCode

MAX_PAGE = 100
DEFAULT_PAGE = 20

# Saleor 2.10's GraphQLView reports an error's type name as
# ``extensions.exception.code``: this class is named after the typed channel
# code, so a suspended channel's member reads ``CHANNEL_SUSPENDED`` there, the
# code channelSignIn and the entry link give for the same refusal.
ChannelSuspendedDenied = type(
    ChannelErrorCode.CHANNEL_SUSPENDED.name,
    (PermissionDenied,),
    {"__doc__": "The channel is suspended: its members cannot read its catalog."},
)


class ChannelFlashOffer(graphene.ObjectType):
    sale_id = graphene.ID(required=True, description="The FlashSale's global id.")
    item_id = graphene.ID(required=True, description="The FlashSaleItem's global id.")
    sale_name = graphene.String(required=True)
    status = graphene.String(required=True, description="LIVE or SCHEDULED.")
    starts_at = graphene.DateTime(required=True)
    ends_at = graphene.DateTime(required=True)
    sale_price = graphene.Field(MoneyType, required=True)
    remaining = graphene.Int(required=True, description="cap - sold - reserved.")
    per_customer_limit = graphene.Int()

    class Meta:
        description = "A live or upcoming flash-sale offer of a variant."

    @staticmethod
    def resolve_sale_id(root, _info):
        return graphene.Node.to_global_id("FlashSale", root["sale_id"])

    @staticmethod
    def resolve_item_id(root, _info):
        return graphene.Node.to_global_id("FlashSaleItem", root["item_id"])

    @staticmethod
    def resolve_sale_name(root, _info):
        return root["sale_name"]

    @staticmethod
    def resolve_status(root, _info):
        return "LIVE" if root["live"] else "SCHEDULED"

    @staticmethod
    def resolve_starts_at(root, _info):
        return root["starts_at"]

    @staticmethod
    def resolve_ends_at(root, _info):
        return root["ends_at"]

    @staticmethod
    def resolve_sale_price(root, _info):
        return money(root["sale_price_amount"], root["currency"])

    @staticmethod
    def resolve_remaining(root, _info):
        return max(root["cap"] - root["sold"] - root["reserved"], 0)

    @staticmethod
    def resolve_per_customer_limit(root, _info):
        return root["per_customer_limit"]


class ChannelCatalogVariant(graphene.ObjectType):
    variant = graphene.Field(ProductVariant, required=True)
    sku = graphene.String(required=True)
    price = graphene.Field(
        MoneyType, required=True, description="The channel's price for one unit."
    )
    flash_offers = graphene.List(
        graphene.NonNull(ChannelFlashOffer),
        required=True,
        description="Live and upcoming flash sales of this variant in the channel.",
    )
    available = graphene.Boolean(
        required=True,
        description=(
            "Whether members can buy it now; false e.g. while a price below "
            "cost awaits staff acknowledgement (checkoutComplete refuses it)."
        ),
    )
    unavailable_reason = graphene.String(
        description="Why it cannot be bought now, when available is false."
    )

    @staticmethod
    def resolve_sku(root: catalog.CatalogVariant, _info):
        return root.variant.sku

    @staticmethod
    def resolve_price(root: catalog.CatalogVariant, _info):
        return money(root.quote.price)

    @staticmethod
    def resolve_available(root: catalog.CatalogVariant, _info):
        return root.available


class ChannelCatalogProduct(graphene.ObjectType):
    product = graphene.Field(Product, required=True)
    name = graphene.String(required=True)
    price_from = graphene.Field(
        MoneyType, description="The lowest channel price of its variants."
    )
    variants = graphene.List(graphene.NonNull(ChannelCatalogVariant), required=True)

    class Meta:
        description = "A product of a channel's pool, priced for the channel."

    @staticmethod
    def resolve_name(root: catalog.CatalogProduct, _info):
        return root.product.name

    @staticmethod
    def resolve_price_from(root: catalog.CatalogProduct, _info):
        price = root.price_from
        return money(price) if price is not None else None


class ChannelCatalogConnection(relay.Connection):
    total_count = graphene.Int(description="Products in the (searched) pool.")

    class Meta:
        node = ChannelCatalogProduct

    @staticmethod
    def resolve_total_count(root, _info):
        return root.queryset.count()


def resolve_channel_catalog(info, channel, first=None, after=None, search=None):
    user = info.context.user

    def is_staff():
        return user.has_perm(ProductPermissions.MANAGE_PRODUCTS)

    try:
        found = catalog.channel_for_viewer(channel, user, is_staff)
    except catalog.CatalogChannelSuspended as suspended:
        raise ChannelSuspendedDenied(str(suspended)) from None
    except catalog.CatalogAccessDenied as denied:
        raise PermissionDenied(str(denied)) from None
    size = min(first or DEFAULT_PAGE, MAX_PAGE)
    offset = cursor_to_offset(after) + 1 if after else 0
    products = catalog.catalog_products(found, search)
    page = list(products[offset : offset + size + 1])
    has_next = len(page) > size
    priced = catalog.price_page(found, page[:size], timezone.now())
    edges = [
        ChannelCatalogConnection.Edge(node=node, cursor=offset_to_cursor(offset + i))
        for i, node in enumerate(priced)
    ]
    connection = ChannelCatalogConnection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=has_next,
            has_previous_page=offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
    connection.queryset = products
    return connection
