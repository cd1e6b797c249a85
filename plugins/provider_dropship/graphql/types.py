import graphene
from saleor.graphql.core.connection import CountableDjangoObjectType

from .. import models
from ..domain import Onboarding, ProviderStatus

ProviderStatusEnum = graphene.Enum.from_enum(ProviderStatus)
ProviderOnboardingEnum = graphene.Enum.from_enum(Onboarding)


class Provider(CountableDjangoObjectType):
    status = ProviderStatusEnum(required=True)
    onboarding = ProviderOnboardingEnum(required=True)
    warehouse_count = graphene.Int(required=True)
    listing_count = graphene.Int(required=True)

    class Meta:
        description = "A supplier that ships drop-ship sub-orders from its warehouses."
        model = models.Provider
        interfaces = [graphene.relay.Node]
        only_fields = [
            "id",
            "name",
            "slug",
            "legal_name",
            "contact_email",
            "created_at",
        ]
