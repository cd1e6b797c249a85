"""Staff mutations (MANAGE_DISCOUNTS): create, update and cancel flash sales
and their items. Thin: IDs are translated, ``sale_admin`` decides, and a
``SaleAdminError`` becomes one typed error per broken rule (the translating
base in ``plugins.core.graphql``)."""

import graphene
from django.core.exceptions import ValidationError
from saleor.core.permissions import DiscountPermissions
from saleor.graphql.core.scalars import Decimal

from plugins.channel_pricing.services import channel_ids_by_slug
from plugins.core.global_ids import decode_int, existing_pk
from plugins.core.graphql.mutations import TranslatingMutation, each_violation

from .. import sale_admin
from ..models import FlashSale as FlashSaleModel
from ..models import FlashSaleItem as FlashSaleItemModel
from ..sale_admin import ItemInput, SaleAdminError, SaleInput
from .enums import FlashSaleKindEnum
from .errors import FlashSaleError
from .types import FlashSale, FlashSaleItem


def _channel_ids(slugs):
    if slugs is None:
        return None
    found = channel_ids_by_slug(slugs)
    missing = sorted(set(slugs) - set(found))
    if missing:
        raise ValidationError(
            {
                "channels": ValidationError(
                    f"Unknown channels: {', '.join(missing)}", code="not_found"
                )
            }
        )
    return list(found.values())


class FlashSaleInput(graphene.InputObjectType):
    name = graphene.String(description="Shown to buyers.")
    kind = FlashSaleKindEnum(description="While supplies last by default.")
    starts_at = graphene.DateTime(description="Goes live at this second (UTC).")
    ends_at = graphene.DateTime(description="Ends at this second (exclusive).")
    channels = graphene.List(
        graphene.NonNull(graphene.String),
        description="Slugs of the channels it runs in; none = every channel.",
    )
    description = graphene.String()
    media_url = graphene.String()
    ships_by = graphene.Date(description="Pre-orders: the date it ships by.")
    minimum_quantity = graphene.Int(
        description="Pre-orders: units (all items) that confirm the sale at its "
        "end; below it every order is cancelled and refunded."
    )
    sign_in_required = graphene.Boolean(
        description="Guests may not hold units; buyers must be signed in "
        "(a sale in channels needs signed-in members in any case)."
    )


class FlashSaleItemInput(graphene.InputObjectType):
    variant_id = graphene.ID(description="ProductVariant (on create only).")
    sale_price = Decimal(description="Price per unit held, above 0.")
    cap = graphene.Int(description="Units this sale may sell; at least 1.")
    per_customer_limit = graphene.Int(
        description="Units one customer may buy across orders; 0 clears the limit."
    )
    voucher_value = Decimal(
        description="Voucher sales: value of the voucher each unit issues "
        "(default: the sale price)."
    )
    voucher_valid_days = graphene.Int(
        description="Voucher sales: days the voucher stays valid (default 90)."
    )


class _StaffMutation(TranslatingMutation):
    meta_defaults = {
        "permissions": (DiscountPermissions.MANAGE_DISCOUNTS,),
        "error_type_class": FlashSaleError,
        "error_type_field": "flash_sale_errors",
    }
    translated_errors = {SaleAdminError: each_violation()}

    class Meta:
        abstract = True


def _sale_input(data) -> SaleInput:
    kind = data.get("kind")
    return SaleInput(
        name=data.get("name"),
        kind=getattr(kind, "value", kind),
        starts_at=data.get("starts_at"),
        ends_at=data.get("ends_at"),
        description=data.get("description"),
        media_url=data.get("media_url"),
        channel_ids=_channel_ids(data.get("channels")),
        ships_by=data.get("ships_by"),
        minimum_quantity=data.get("minimum_quantity"),
        sign_in_required=data.get("sign_in_required"),
    )


class FlashSaleCreate(_StaffMutation):
    sale = graphene.Field(FlashSale)

    class Arguments:
        input = FlashSaleInput(required=True)

    class Meta:
        description = "Create a flash sale (staff, MANAGE_DISCOUNTS)."

    @classmethod
    def perform_mutation(cls, _root, _info, input):
        sale = sale_admin.create_sale(_sale_input(input))
        return FlashSaleCreate(sale=sale)


class FlashSaleUpdate(_StaffMutation):
    sale = graphene.Field(FlashSale)

    class Arguments:
        id = graphene.ID(required=True)
        input = FlashSaleInput(required=True)

    class Meta:
        description = "Change a flash sale's window, channels or texts."

    @classmethod
    def perform_mutation(cls, _root, _info, id, input):
        sale_id = existing_pk(id, "FlashSale", "id", FlashSaleModel)
        sale = sale_admin.update_sale(sale_id, _sale_input(input))
        return FlashSaleUpdate(sale=sale)


class FlashSaleCancel(_StaffMutation):
    sale = graphene.Field(FlashSale)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        description = "Cancel a flash sale: no new holds from now on."

    @classmethod
    def perform_mutation(cls, _root, _info, id):
        sale_id = existing_pk(id, "FlashSale", "id", FlashSaleModel)
        return FlashSaleCancel(sale=sale_admin.cancel_sale(sale_id))


def _item_input(data, on_create: bool) -> ItemInput:
    limit = data.get("per_customer_limit")
    variant_id = None
    if on_create and data.get("variant_id"):
        variant_id = decode_int(data["variant_id"], "ProductVariant", "variantId")
    return ItemInput(
        variant_id=variant_id,
        sale_price=data.get("sale_price"),
        cap=data.get("cap"),
        per_customer_limit=limit if limit else None,
        clear_per_customer_limit=limit == 0,
        voucher_value=data.get("voucher_value"),
        voucher_valid_days=data.get("voucher_valid_days"),
    )


class FlashSaleItemCreate(_StaffMutation):
    item = graphene.Field(FlashSaleItem)

    class Arguments:
        sale_id = graphene.ID(required=True)
        input = FlashSaleItemInput(required=True)

    class Meta:
        description = (
            "Add a variant to a flash sale with its sale price, cap and limit. "
            "The cap sets aside that many units of warehouse stock (pre-orders "
            "excepted)."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, sale_id, input):
        sale_pk = existing_pk(sale_id, "FlashSale", "saleId", FlashSaleModel)
        item = sale_admin.create_item(sale_pk, _item_input(input, True))
        return FlashSaleItemCreate(item=item)


class FlashSaleItemUpdate(_StaffMutation):
    item = graphene.Field(FlashSaleItem)

    class Arguments:
        id = graphene.ID(required=True)
        input = FlashSaleItemInput(required=True)

    class Meta:
        description = (
            "Change an item's price, cap or limit; a cap never drops below "
            "sold + reserved."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, id, input):
        item_pk = existing_pk(id, "FlashSaleItem", "id", FlashSaleItemModel)
        item = sale_admin.update_item(item_pk, _item_input(input, False))
        return FlashSaleItemUpdate(item=item)


class FlashSaleItemDelete(_StaffMutation):
    deleted_id = graphene.ID()

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        description = "Remove an item nobody has bought or holds."

    @classmethod
    def perform_mutation(cls, _root, _info, id):
        item_pk = existing_pk(id, "FlashSaleItem", "id", FlashSaleItemModel)
        sale_admin.delete_item(item_pk)
        return FlashSaleItemDelete(deleted_id=id)


class FlashSaleStaffMutations(graphene.ObjectType):
    flash_sale_create = FlashSaleCreate.Field()
    flash_sale_update = FlashSaleUpdate.Field()
    flash_sale_cancel = FlashSaleCancel.Field()
    flash_sale_item_create = FlashSaleItemCreate.Field()
    flash_sale_item_update = FlashSaleItemUpdate.Field()
    flash_sale_item_delete = FlashSaleItemDelete.Field()
