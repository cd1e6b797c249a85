"""Staff mutations (MANAGE_PROVIDERS): application decisions, invitations,
suspension, warehouses, listing review."""

import graphene
from saleor.graphql.core.scalars import Decimal

from plugins.core import global_ids

from .. import (
    invitations,
    listings,
    notification_targets,
    onboarding,
    suspension,
    warehouses,
)
from ..domain import ApplicationStatus, ListingStatus
from ..models import Provider as ProviderModel
from .base import ProviderStaffMutation, user_id
from .types import (
    Provider,
    ProviderApplication,
    ProviderApplicationStatusEnum,
    ProviderListing,
    ProviderListingStatusEnum,
)


def _enum_value(value):
    return getattr(value, "value", value)


class ProviderApplicationDecide(ProviderStaffMutation):
    application = graphene.Field(ProviderApplication)

    class Arguments:
        id = graphene.ID(required=True)
        decision = ProviderApplicationStatusEnum(
            required=True, description="APPROVED, REJECTED or CHANGES_REQUESTED."
        )
        note = graphene.String(description="E-mailed to the applicant.")

    class Meta:
        description = (
            "Decide on a submitted application; approval creates the provider, "
            "its owner user (set-password e-mail) and its first warehouse."
        )

    @classmethod
    def perform_mutation(cls, _root, info, id, decision, note=""):
        pk = global_ids.decode_int(id, "ProviderApplication", "id")
        application = onboarding.decide_application(
            pk, ApplicationStatus(_enum_value(decision)), note or "", user_id(info)
        )
        return cls(application=application)


class ProviderInviteInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    email = graphene.String(required=True, description="The owner's e-mail.")
    legal_name = graphene.String()
    tax_id = graphene.String()
    contact_name = graphene.String()
    contact_phone = graphene.String(description="+86 or international format.")
    surety_bond = graphene.Boolean()


class ProviderInvite(ProviderStaffMutation):
    provider = graphene.Field(Provider)

    class Arguments:
        input = ProviderInviteInput(required=True)

    class Meta:
        description = (
            "Create a provider and its owner; the owner gets a single-use, "
            "expiring set-password link by e-mail."
        )

    @classmethod
    def perform_mutation(cls, _root, info, input):
        details = invitations.ProviderDetails(
            **{key: value for key, value in input.items() if value is not None}
        )
        issued = invitations.invite_provider(details, user_id(info))
        return cls(provider=issued.invitation.provider)


class ProviderSuspend(ProviderStaffMutation):
    provider = graphene.Field(Provider)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    class Meta:
        description = "Take every listing of the provider off sale at once."

    @classmethod
    def perform_mutation(cls, _root, _info, id, reason):
        pk = global_ids.decode_int(id, "Provider", "id")
        return cls(provider=suspension.suspend_provider(pk, reason))


class ProviderReactivate(ProviderStaffMutation):
    provider = graphene.Field(Provider)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        description = "Put a suspended provider's approved listings back on sale."

    @classmethod
    def perform_mutation(cls, _root, _info, id):
        pk = global_ids.decode_int(id, "Provider", "id")
        return cls(provider=suspension.reactivate_provider(pk))


class ProviderWebhookSet(ProviderStaffMutation):
    provider = graphene.Field(Provider)
    webhook_secret = graphene.String(
        description=(
            "The signing secret, only when this call made one (a first URL or "
            "a rotation): keep it, it is not shown again."
        )
    )

    class Arguments:
        id = graphene.ID(required=True)
        url = graphene.String(
            required=True, description="http(s) URL; empty: e-mails only."
        )
        rotate_secret = graphene.Boolean(description="Make a new signing secret.")

    class Meta:
        description = "Where the provider's new sub-orders are announced (signed)."

    @classmethod
    def perform_mutation(cls, _root, _info, id, url, rotate_secret=False):
        pk = global_ids.decode_int(id, "Provider", "id")
        setting = notification_targets.set_provider_webhook(pk, url, rotate_secret)
        return cls(provider=setting.provider, webhook_secret=setting.new_secret)


class ProviderWarehouseInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    street_address = graphene.String(required=True)
    city = graphene.String(required=True)
    postal_code = graphene.String(required=True)
    country = graphene.String(required=True, description="ISO 3166-1 alpha-2.")
    country_area = graphene.String()


class ProviderWarehouseCreate(ProviderStaffMutation):
    provider = graphene.Field(Provider)

    class Arguments:
        provider_id = graphene.ID(required=True)
        input = ProviderWarehouseInput(required=True)

    class Meta:
        description = (
            "Add a Saleor warehouse owned by the provider (shipping to every zone)."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, provider_id, input):
        pk = global_ids.existing_pk(
            provider_id, "Provider", "provider_id", ProviderModel
        )
        provider = ProviderModel.objects.get(pk=pk)
        address = warehouses.WarehouseAddress(
            street_address=input["street_address"],
            city=input["city"],
            postal_code=input["postal_code"],
            country=input["country"].upper(),
            country_area=input.get("country_area") or "",
        )
        warehouses.create_warehouse(provider, input["name"], address)
        return cls(provider=provider)


class ProviderListingReviewInput(graphene.InputObjectType):
    name = graphene.String(description="Staff may edit the product name.")
    description = graphene.String(description="Staff may edit the description.")
    sale_price = Decimal(
        description="The unified sale price (统一销售价): the variant's Saleor price."
    )


def _edit(input) -> listings.StaffEdit:
    input = input or {}
    return listings.StaffEdit(
        name=input.get("name"),
        description=input.get("description"),
        sale_price=input.get("sale_price"),
    )


class ProviderListingDecide(ProviderStaffMutation):
    listing = graphene.Field(ProviderListing)

    class Arguments:
        id = graphene.ID(required=True)
        decision = ProviderListingStatusEnum(
            required=True, description="APPROVED, REJECTED or CHANGES_REQUESTED."
        )
        note = graphene.String(description="E-mailed to the provider.")
        input = ProviderListingReviewInput()

    class Meta:
        description = (
            "Decide on a pending listing (approval publishes it into the "
            "platform pool) or on a new settlement price."
        )

    @classmethod
    def perform_mutation(cls, _root, info, id, decision, note="", input=None):
        pk = global_ids.decode_int(id, "ProviderListing", "id")
        listing = listings.decide_listing(
            pk,
            ListingStatus(_enum_value(decision)),
            note or "",
            user_id(info),
            _edit(input),
        )
        return cls(listing=listing)


class ProviderListingStaffUpdate(ProviderStaffMutation):
    listing = graphene.Field(ProviderListing)

    class Arguments:
        id = graphene.ID(required=True)
        input = ProviderListingReviewInput(required=True)

    class Meta:
        description = "Edit a listing's text or unified sale price."

    @classmethod
    def perform_mutation(cls, _root, _info, id, input):
        pk = global_ids.decode_int(id, "ProviderListing", "id")
        return cls(listing=listings.staff_update_listing(pk, _edit(input)))
