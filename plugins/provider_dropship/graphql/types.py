import graphene
from saleor.graphql.core.connection import CountableDjangoObjectType
from saleor.graphql.core.types import Money
from saleor.graphql.product.types import ProductVariant
from saleor.graphql.warehouse.types import Warehouse

from plugins.core.money import money

from .. import models
from ..domain import (
    ApplicationStatus,
    ListingStatus,
    Onboarding,
    ProviderRole,
    ProviderStatus,
)

ProviderStatusEnum = graphene.Enum.from_enum(ProviderStatus)
ProviderOnboardingEnum = graphene.Enum.from_enum(Onboarding)


def _named_enum(name, enum):
    return graphene.Enum(name, [(member.name, member.value) for member in enum])


ProviderRoleEnum = _named_enum("ProviderRole", ProviderRole)
ProviderApplicationStatusEnum = _named_enum(
    "ProviderApplicationStatus", ApplicationStatus
)
ProviderListingStatusEnum = _named_enum("ProviderListingStatus", ListingStatus)


def _file_url(info, field_file):
    if not field_file:
        return None
    return info.context.build_absolute_uri(field_file.url)


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
            "tax_id",
            "contact_name",
            "contact_email",
            "contact_phone",
            "surety_bond",
            "created_at",
            "reviewed_at",
            "suspended_at",
            "suspension_reason",
            "webhook_url",
        ]

    @staticmethod
    def resolve_warehouse_count(root, _info):
        count = getattr(root, "warehouse_count", None)
        return count if count is not None else root.warehouses.count()

    @staticmethod
    def resolve_listing_count(root, _info):
        count = getattr(root, "listing_count", None)
        return count if count is not None else root.listings.count()


class ProviderApplicationReview(CountableDjangoObjectType):
    decision = ProviderApplicationStatusEnum(required=True)

    class Meta:
        description = "One staff decision on an application, with its note."
        model = models.ApplicationReview
        interfaces = [graphene.relay.Node]
        only_fields = ["id", "note", "created_at"]


class ProviderApplication(CountableDjangoObjectType):
    status = ProviderApplicationStatusEnum(required=True)
    business_licence_url = graphene.String()
    contract_url = graphene.String()
    inventory_proof_url = graphene.String()
    reviews = graphene.List(graphene.NonNull(ProviderApplicationReview), required=True)
    provider = graphene.Field(Provider)

    class Meta:
        description = "A self sign-up waiting for, or past, staff review."
        model = models.ProviderApplication
        interfaces = [graphene.relay.Node]
        only_fields = [
            "id",
            "company_name",
            "legal_name",
            "tax_id",
            "contact_name",
            "contact_phone",
            "email",
            "surety_bond",
            "street_address",
            "city",
            "postal_code",
            "country",
            "country_area",
            "review_note",
            "created_at",
            "submitted_at",
            "decided_at",
        ]

    @staticmethod
    def resolve_business_licence_url(root, info):
        return _file_url(info, root.business_licence)

    @staticmethod
    def resolve_contract_url(root, info):
        return _file_url(info, root.contract)

    @staticmethod
    def resolve_inventory_proof_url(root, info):
        return _file_url(info, root.inventory_proof)

    @staticmethod
    def resolve_reviews(root, _info):
        return root.reviews.all()


class ProviderAsset(CountableDjangoObjectType):
    url = graphene.String(required=True)

    class Meta:
        description = "An image a provider uploaded, reusable across its listings."
        model = models.ProviderAsset
        interfaces = [graphene.relay.Node]
        only_fields = ["id", "content_type", "size", "title", "created_at"]

    @staticmethod
    def resolve_url(root, info):
        return _file_url(info, root.file)


class ProviderListing(CountableDjangoObjectType):
    status = ProviderListingStatusEnum(required=True)
    settlement_price = graphene.Field(
        Money, required=True, description="The approved price the platform pays."
    )
    proposed_settlement_price = graphene.Field(
        Money, description="A new settlement price waiting for review."
    )
    sale_price = graphene.Field(
        Money, description="The unified sale price (统一销售价), set by staff."
    )
    links = graphene.List(graphene.NonNull(graphene.String), required=True)
    assets = graphene.List(graphene.NonNull(ProviderAsset), required=True)
    variant = graphene.Field(ProductVariant, required=True)
    provider = graphene.Field(Provider, required=True)

    class Meta:
        description = "A variant a provider supplies, and its review state."
        model = models.SupplyListing
        interfaces = [graphene.relay.Node]
        only_fields = [
            "id",
            "title",
            "description",
            "review_note",
            "submitted_at",
            "reviewed_at",
        ]

    @staticmethod
    def resolve_settlement_price(root, _info):
        return money(root.settlement_price_amount, root.currency)

    @staticmethod
    def resolve_proposed_settlement_price(root, _info):
        amount = root.proposed_settlement_price_amount
        return money(amount, root.currency) if amount is not None else None

    @staticmethod
    def resolve_sale_price(root, _info):
        amount = root.variant.price_override_amount  # None until staff set it
        return money(amount, root.currency) if amount is not None else None

    @staticmethod
    def resolve_links(root, _info):
        return list(root.links or [])

    @staticmethod
    def resolve_assets(root, _info):
        return root.assets.all()


class ProviderStock(graphene.ObjectType):
    warehouse = graphene.Field(Warehouse, required=True)
    variant = graphene.Field(ProductVariant, required=True)
    quantity = graphene.Int(required=True)
    quantity_allocated = graphene.Int(required=True)

    class Meta:
        description = "Stock of a variant in one of the provider's warehouses."

    @staticmethod
    def resolve_variant(root, _info):
        return root.product_variant

    @staticmethod
    def resolve_quantity_allocated(root, _info):
        return sum(a.quantity_allocated for a in root.allocations.all())


class ProviderStockChange(CountableDjangoObjectType):
    warehouse = graphene.Field(Warehouse, required=True)
    variant = graphene.Field(ProductVariant, required=True)
    actor_email = graphene.String()

    class Meta:
        description = "One audited stock change: who, when, before → after, why."
        model = models.StockAudit
        interfaces = [graphene.relay.Node]
        only_fields = [
            "id",
            "quantity_before",
            "quantity_after",
            "reason",
            "created_at",
        ]

    @staticmethod
    def resolve_actor_email(root, _info):
        return root.actor.email if root.actor_id else None


class ProviderUser(graphene.ObjectType):
    email = graphene.String(required=True)
    role = ProviderRoleEnum(required=True)
    is_active = graphene.Boolean(required=True)

    @staticmethod
    def resolve_email(root, _info):
        return root.user.email

    @staticmethod
    def resolve_is_active(root, _info):
        return root.user.is_active and root.user.has_usable_password()


class MyProvider(graphene.ObjectType):
    provider = graphene.Field(Provider, required=True)
    role = ProviderRoleEnum(required=True)
    warehouses = graphene.List(graphene.NonNull(Warehouse), required=True)
    users = graphene.List(graphene.NonNull(ProviderUser), required=True)

    class Meta:
        description = "The signed-in provider user's provider."
