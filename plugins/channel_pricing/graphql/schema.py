import graphene
from saleor.core.permissions import ProductPermissions
from saleor.graphql.core.fields import PrefetchingConnectionField
from saleor.graphql.decorators import permission_required

from .. import services
from .sign_in import ChannelSignIn
from .types import SalesChannel


class ChannelQueries(graphene.ObjectType):
    sales_channels = PrefetchingConnectionField(
        SalesChannel, description="Partner channels (staff: MANAGE_PRODUCTS)."
    )

    @permission_required(ProductPermissions.MANAGE_PRODUCTS)
    def resolve_sales_channels(self, _info, **_kwargs):
        return services.channels_with_pool_size()


class ChannelMutations(graphene.ObjectType):
    channel_sign_in = ChannelSignIn.Field()
