"""Saleor's GraphQL schema extended with our queries and mutations.

Built the way Saleor builds its own (``saleor/graphql/api.py``): the root types
are subclassed with our mixins and handed to ``graphene_federation``.
"""

from graphene_federation import build_schema
from saleor.graphql import api as saleor_api

from plugins.channel_pricing.graphql.schema import (
    ChannelMutations,
    ChannelQueries,
    MemberDomainMutations,
)
from plugins.checkout_guard.graphql.schema import GuardedCheckoutMutations
from plugins.engagement.graphql.schema import EngagementMutations, EngagementQueries
from plugins.points_payment.graphql import gateway_listing
from plugins.points_payment.graphql.confirmation import PointsPaymentMutations
from plugins.points_payment.graphql.schema import PointsQueries
from plugins.points_payment.graphql.staff import PointsStaffMutations
from plugins.provider_dropship.graphql.schema import ProviderMutations, ProviderQueries
from plugins.sale_windows.graphql.mutations import FlashSaleMutations
from plugins.sale_windows.graphql.schema import FlashSaleQueries


class Query(
    FlashSaleQueries,
    ChannelQueries,
    PointsQueries,
    ProviderQueries,
    EngagementQueries,
    saleor_api.Query,
):
    pass


class Mutation(
    FlashSaleMutations,
    ChannelMutations,
    MemberDomainMutations,
    GuardedCheckoutMutations,
    EngagementMutations,
    ProviderMutations,
    PointsPaymentMutations,
    PointsStaffMutations,
    saleor_api.Mutation,
):
    pass


schema = build_schema(Query, mutation=Mutation)
# Only members of channels with points see flash.payments.points.
gateway_listing.install(schema)
