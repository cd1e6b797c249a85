"""Provider users' mutations: the provider is always the signed-in user's
own (``ProviderUserMutation.membership``); ids of another provider's rows
answer ``not_found``, exactly like ids that do not exist."""

import graphene
from saleor.graphql.core.scalars import Decimal
from saleor.graphql.core.types import Upload

from plugins.core import global_ids

from .. import assets, invitations, listings, notification_targets, stock
from ..domain import ProviderRole
from .base import ProviderUserMutation, user_id
from .types import (
    Provider,
    ProviderAsset,
    ProviderListing,
    ProviderRoleEnum,
    ProviderStockChange,
)


def _asset_pks(ids):
    return [global_ids.decode_int(i, "ProviderAsset", "asset_ids") for i in ids]


class ProviderListingSubmitInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    sku = graphene.String(required=True)
    settlement_price = Decimal(
        required=True, description="What the platform pays per unit, shipping included."
    )
    description = graphene.String()
    links = graphene.List(graphene.NonNull(graphene.String))
    asset_ids = graphene.List(graphene.NonNull(graphene.ID))


class ProviderListingSubmit(ProviderUserMutation):
    listing = graphene.Field(ProviderListing)

    class Arguments:
        input = ProviderListingSubmitInput(required=True)

    class Meta:
        description = "Submit a product for review (provider users)."

    @classmethod
    def perform_mutation(cls, _root, info, input):
        membership = cls.membership(info)
        data = listings.ListingInput(
            name=input["name"],
            sku=input["sku"],
            settlement_price=input["settlement_price"],
            description=input.get("description") or "",
            links=input.get("links") or [],
            asset_ids=_asset_pks(input.get("asset_ids") or []),
        )
        listing = listings.submit_listing(membership.provider_id, data, user_id(info))
        return cls(listing=listing)


class ProviderListingChangeInput(graphene.InputObjectType):
    name = graphene.String()
    description = graphene.String()
    links = graphene.List(graphene.NonNull(graphene.String))
    asset_ids = graphene.List(graphene.NonNull(graphene.ID))
    settlement_price = Decimal(
        description="On an approved listing the new price waits for review."
    )


class ProviderListingChange(ProviderUserMutation):
    listing = graphene.Field(ProviderListing)

    class Arguments:
        id = graphene.ID(required=True)
        input = ProviderListingChangeInput(required=True)

    class Meta:
        description = "Change one of your listings (provider users)."

    @classmethod
    def perform_mutation(cls, _root, info, id, input):
        membership = cls.membership(info)
        pk = global_ids.decode_int(id, "ProviderListing", "id")
        asset_ids = input.get("asset_ids")
        change = listings.ListingChange(
            name=input.get("name"),
            description=input.get("description"),
            links=input.get("links"),
            asset_ids=_asset_pks(asset_ids) if asset_ids is not None else None,
            settlement_price=input.get("settlement_price"),
        )
        listing = listings.update_listing(membership.provider_id, pk, change)
        return cls(listing=listing)


class ProviderAssetUpload(ProviderUserMutation):
    asset = graphene.Field(ProviderAsset)

    class Arguments:
        file = Upload(required=True, description="JPEG, PNG or WebP, 5 MB at most.")
        title = graphene.String()

    class Meta:
        description = "Upload an advertising image (multipart request)."

    @classmethod
    def perform_mutation(cls, _root, info, file, title=""):
        membership = cls.membership(info)
        upload = info.context.FILES.get(file)
        asset = assets.upload_asset(membership.provider_id, upload, title or "")
        return cls(asset=asset)


class ProviderStockSet(ProviderUserMutation):
    change = graphene.Field(ProviderStockChange)

    class Arguments:
        warehouse_id = graphene.ID(required=True)
        variant_id = graphene.ID(required=True)
        quantity = graphene.Int(required=True)
        reason = graphene.String(required=True)

    class Meta:
        description = (
            "Set the stock on hand of a variant in one of your warehouses "
            "(audited; never below what flash sales set aside)."
        )

    @classmethod
    def perform_mutation(cls, _root, info, warehouse_id, variant_id, quantity, reason):
        membership = cls.membership(info)
        warehouse = global_ids.decode_uuid(warehouse_id, "Warehouse", "warehouse")
        variant = global_ids.decode_int(variant_id, "ProductVariant", "variant")
        change = stock.set_stock(
            membership.provider_id, warehouse, variant, quantity, reason, user_id(info)
        )
        return cls(change=change.audit)


class ProviderUserInvite(ProviderUserMutation):
    email = graphene.String()

    owner_only = True

    class Arguments:
        email = graphene.String(required=True)
        role = ProviderRoleEnum(description="STAFF by default.")

    class Meta:
        description = "Invite a user to your provider (owners only)."

    @classmethod
    def perform_mutation(cls, _root, info, email, role=None):
        membership = cls.membership(info)
        role = ProviderRole(getattr(role, "value", role) or ProviderRole.STAFF.value)
        issued = invitations.invite_provider_user(
            membership.provider_id, email, role, user_id(info)
        )
        return cls(email=issued.invitation.user.email)


class MyProviderWebhookSet(ProviderUserMutation):
    provider = graphene.Field(Provider)
    webhook_secret = graphene.String(
        description="The signing secret, only when this call made one."
    )

    owner_only = True

    class Arguments:
        url = graphene.String(
            required=True, description="http(s) URL; empty: e-mails only."
        )
        rotate_secret = graphene.Boolean(description="Make a new signing secret.")

    class Meta:
        description = (
            "Where your new sub-orders are announced by signed webhook (owners only)."
        )

    @classmethod
    def perform_mutation(cls, _root, info, url, rotate_secret=False):
        membership = cls.membership(info)
        setting = notification_targets.set_provider_webhook(
            membership.provider_id, url, rotate_secret
        )
        return cls(provider=setting.provider, webhook_secret=setting.new_secret)
