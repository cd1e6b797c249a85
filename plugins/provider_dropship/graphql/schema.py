import graphene
from graphql_jwt.exceptions import PermissionDenied
from saleor.graphql.core.fields import PrefetchingConnectionField
from saleor.graphql.decorators import permission_required

from plugins.core import global_ids

from .. import assets, listings, onboarding, services, stock
from ..memberships import ProviderAccessError, require_membership
from ..permissions import ProviderPermissions
from . import portal, public, staff
from .settlement import SettlementMutations, SettlementQueries
from .sub_orders import SubOrderMutations, SubOrderQueries
from .types import (
    MyProvider,
    Provider,
    ProviderApplication,
    ProviderApplicationStatusEnum,
    ProviderAsset,
    ProviderListing,
    ProviderListingStatusEnum,
    ProviderStock,
    ProviderStockChange,
)

MANAGE_PROVIDERS = ProviderPermissions.MANAGE_PROVIDERS


def _membership(info):
    """The signed-in provider user's membership, or a permission error."""
    try:
        return require_membership(info.context.user)
    except ProviderAccessError as error:
        raise PermissionDenied(error.message) from None


def _status(value):
    return getattr(value, "value", value)


class ProviderQueries(SubOrderQueries, SettlementQueries, graphene.ObjectType):
    # Staff
    providers = PrefetchingConnectionField(
        Provider, description="Providers (suppliers) (staff: MANAGE_PROVIDERS)."
    )
    provider_applications = PrefetchingConnectionField(
        ProviderApplication,
        status=ProviderApplicationStatusEnum(),
        description="The application queue, newest first (staff).",
    )
    provider_listings = PrefetchingConnectionField(
        ProviderListing,
        status=ProviderListingStatusEnum(),
        awaiting_review=graphene.Boolean(
            description="Only new listings and settlement-price changes to decide."
        ),
        description="Every provider's listings (staff).",
    )
    # Applicants
    provider_application_draft = graphene.Field(
        ProviderApplication,
        token=graphene.String(required=True),
        description="The application a draft link names (applicants).",
    )
    # Provider users: always their own provider's data
    my_provider = graphene.Field(MyProvider, description="Your provider.")
    my_provider_listings = PrefetchingConnectionField(
        ProviderListing, description="Your listings and their review notes."
    )
    my_provider_assets = PrefetchingConnectionField(
        ProviderAsset, description="Your uploaded images."
    )
    my_provider_stock = graphene.List(
        graphene.NonNull(ProviderStock),
        required=True,
        warehouse_id=graphene.ID(),
        description="Stock in your warehouses.",
    )
    my_provider_stock_audit = PrefetchingConnectionField(
        ProviderStockChange,
        warehouse_id=graphene.ID(),
        description="Your stock changes, newest first.",
    )

    @permission_required(MANAGE_PROVIDERS)
    def resolve_providers(self, _info, **_kwargs):
        return services.providers_overview()

    @permission_required(MANAGE_PROVIDERS)
    def resolve_provider_applications(self, _info, status=None, **_kwargs):
        return onboarding.applications(_status(status) if status else None)

    @permission_required(MANAGE_PROVIDERS)
    def resolve_provider_listings(
        self, _info, status=None, awaiting_review=False, **_kwargs
    ):
        if awaiting_review:
            return listings.review_queue()
        return listings.all_listings(_status(status) if status else None)

    def resolve_provider_application_draft(self, _info, token):
        try:
            return onboarding.application_for_token(token)
        except onboarding.ApplicationError:
            return None

    def resolve_my_provider(self, info):
        membership = _membership(info)
        provider = services.providers_overview().get(pk=membership.provider_id)
        return MyProvider(
            provider=provider,
            role=membership.role.value,
            warehouses=[link.warehouse for link in provider.warehouses.all()],
            users=list(provider.memberships.select_related("user")),
        )

    def resolve_my_provider_listings(self, info, **_kwargs):
        return listings.provider_listings(_membership(info).provider_id)

    def resolve_my_provider_assets(self, info, **_kwargs):
        return assets.provider_assets(_membership(info).provider_id)

    def resolve_my_provider_stock(self, info, warehouse_id=None):
        rows = stock.provider_stocks(_membership(info).provider_id)
        if warehouse_id:
            rows = rows.filter(
                warehouse_id=global_ids.uuid_or_none(warehouse_id, "Warehouse")
            )
        return rows.prefetch_related("allocations")

    def resolve_my_provider_stock_audit(self, info, warehouse_id=None, **_kwargs):
        warehouse = (
            global_ids.uuid_or_none(warehouse_id, "Warehouse") if warehouse_id else None
        )
        rows = stock.stock_audit(_membership(info).provider_id, warehouse)
        if warehouse_id and warehouse is None:
            return rows.none()
        return rows


class ProviderMutations(SubOrderMutations, SettlementMutations, graphene.ObjectType):
    # Staff (MANAGE_PROVIDERS)
    provider_application_decide = staff.ProviderApplicationDecide.Field()
    provider_invite = staff.ProviderInvite.Field()
    provider_suspend = staff.ProviderSuspend.Field()
    provider_reactivate = staff.ProviderReactivate.Field()
    provider_warehouse_create = staff.ProviderWarehouseCreate.Field()
    provider_listing_decide = staff.ProviderListingDecide.Field()
    provider_listing_staff_update = staff.ProviderListingStaffUpdate.Field()
    provider_webhook_set = staff.ProviderWebhookSet.Field()
    # Applicants and invitees
    provider_application_create = public.ProviderApplicationCreate.Field()
    provider_application_update = public.ProviderApplicationUpdate.Field()
    provider_application_upload = public.ProviderApplicationUpload.Field()
    provider_application_submit = public.ProviderApplicationSubmit.Field()
    provider_invitation_accept = public.ProviderInvitationAccept.Field()
    # Provider users
    provider_listing_submit = portal.ProviderListingSubmit.Field()
    provider_listing_change = portal.ProviderListingChange.Field()
    provider_asset_upload = portal.ProviderAssetUpload.Field()
    provider_stock_set = portal.ProviderStockSet.Field()
    provider_user_invite = portal.ProviderUserInvite.Field()
    my_provider_webhook_set = portal.MyProviderWebhookSet.Field()
