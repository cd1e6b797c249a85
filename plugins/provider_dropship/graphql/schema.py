import graphene
from saleor.core.permissions import ProductPermissions
from saleor.graphql.core.fields import PrefetchingConnectionField
from saleor.graphql.decorators import permission_required

from .. import services
from .settlement import SettlementMutations, SettlementQueries
from .sub_orders import SubOrderMutations, SubOrderQueries
from .types import Provider


class ProviderQueries(SubOrderQueries, SettlementQueries, graphene.ObjectType):
    providers = PrefetchingConnectionField(
        Provider, description="Providers (suppliers) (staff: MANAGE_PRODUCTS)."
    )

    @permission_required(ProductPermissions.MANAGE_PRODUCTS)
    def resolve_providers(self, _info, **_kwargs):
        return services.providers_overview()


class ProviderMutations(SubOrderMutations, SettlementMutations, graphene.ObjectType):
    pass
