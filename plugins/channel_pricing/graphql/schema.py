import graphene
from saleor.core.permissions import ProductPermissions
from saleor.graphql.core.fields import PrefetchingConnectionField
from saleor.graphql.decorators import permission_required

from .. import services
from .catalog import ChannelCatalogConnection, resolve_channel_catalog
from .member_accounts import (
    AccountRegister,
    ConfirmEmailChange,
    CustomerCreate,
    CustomerUpdate,
    RequestEmailChange,
    StaffCreate,
    StaffUpdate,
)
from .sign_in import ChannelSignIn
from .staff import (
    ChannelBelowCostAcknowledge,
    ChannelBelowCostRow,
    ChannelPoolAdd,
    ChannelPoolRemove,
    ChannelPricePreview,
    SalesChannelCreate,
    SalesChannelRotateSecret,
    SalesChannelUpdate,
)
from .types import SalesChannel


class ChannelQueries(graphene.ObjectType):
    sales_channels = PrefetchingConnectionField(
        SalesChannel, description="Partner channels (staff: MANAGE_PRODUCTS)."
    )

    channel_catalog = graphene.Field(
        ChannelCatalogConnection,
        channel=graphene.String(required=True, description="The channel's slug."),
        first=graphene.Int(description="Page size (at most 100, default 20)."),
        after=graphene.String(),
        search=graphene.String(description="Product name contains, or exact SKU."),
        description=(
            "The channel's pool with the channel's prices and live/upcoming flash "
            "sales. For the channel's signed-in members (and staff); refused "
            "with extensions.exception.code CHANNEL_SUSPENDED for the members "
            "of a suspended channel."
        ),
    )
    channel_below_cost_report = graphene.List(
        graphene.NonNull(ChannelBelowCostRow),
        channel=graphene.ID(description="A SalesChannel id; all channels if empty."),
        description=(
            "Items priced below settlement, acknowledged or not (unacknowledged "
            "first), with loss per unit and units sold (staff: MANAGE_PRODUCTS)."
        ),
    )

    @permission_required(ProductPermissions.MANAGE_PRODUCTS)
    def resolve_sales_channels(self, _info, **_kwargs):
        return services.channels_with_pool_size()

    def resolve_channel_catalog(self, info, channel, **kwargs):
        return resolve_channel_catalog(info, channel, **kwargs)

    @permission_required(ProductPermissions.MANAGE_PRODUCTS)
    def resolve_channel_below_cost_report(self, info, channel=None):
        from .. import reports

        found = None
        if channel:
            found = graphene.Node.get_node_from_global_id(info, channel, SalesChannel)
            if found is None:
                return []
        return reports.below_cost_report(found)


class ChannelMutations(graphene.ObjectType):
    channel_sign_in = ChannelSignIn.Field()
    sales_channel_create = SalesChannelCreate.Field()
    sales_channel_update = SalesChannelUpdate.Field()
    sales_channel_rotate_secret = SalesChannelRotateSecret.Field()
    channel_pool_add = ChannelPoolAdd.Field()
    channel_pool_remove = ChannelPoolRemove.Field()
    channel_price_preview = ChannelPricePreview.Field()
    channel_below_cost_acknowledge = ChannelBelowCostAcknowledge.Field()


class MemberDomainMutations(graphene.ObjectType):
    """Replace Saleor's e-mail-setting mutations of the same names in the root
    Mutation: none may put an address into the members' reserved domain."""

    account_register = AccountRegister.Field()
    request_email_change = RequestEmailChange.Field()
    confirm_email_change = ConfirmEmailChange.Field()
    customer_create = CustomerCreate.Field()
    customer_update = CustomerUpdate.Field()
    staff_create = StaffCreate.Field()
    staff_update = StaffUpdate.Field()
