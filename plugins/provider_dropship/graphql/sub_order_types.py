"""Sub-order types: ``Shipment`` for the buyer (no settlement figures, no
provider data beyond its name) and ``ProviderSubOrder`` for the provider and
staff (ship-to address, buyer name and phone, settlement amounts; never the
buyer's e-mail or the order's prices)."""

import graphene
from saleor.graphql.core.connection import CountableDjangoObjectType
from saleor.graphql.core.types import Money

from plugins.core.money import money

from .. import models
from ..provider_notices import ship_to
from ..shipping_rules import ShipmentState, SubOrderStatus

SubOrderStatusEnum = graphene.Enum.from_enum(SubOrderStatus)
ShipmentStateEnum = graphene.Enum.from_enum(ShipmentState)


class ShipmentLine(graphene.ObjectType):
    product_name = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    sku = graphene.String(required=True)
    quantity = graphene.Int(required=True, description="Units ordered.")
    cancelled_quantity = graphene.Int(
        required=True, description="Units the provider cancelled (refunded)."
    )

    @staticmethod
    def resolve_product_name(root, _info):
        return root.order_line.product_name

    @staticmethod
    def resolve_variant_name(root, _info):
        return root.order_line.variant_name

    @staticmethod
    def resolve_sku(root, _info):
        return root.order_line.product_sku


def _lines(root):
    return root.lines.select_related("order_line").order_by("pk")


class Shipment(graphene.ObjectType):
    """One provider's part of an order, as its buyer sees it."""

    id = graphene.ID(required=True)
    status = SubOrderStatusEnum(required=True)
    provider_name = graphene.String(required=True)
    carrier = graphene.String(required=True)
    tracking_number = graphene.String(required=True)
    shipped_at = graphene.DateTime()
    delivered_at = graphene.DateTime()
    lines = graphene.List(graphene.NonNull(ShipmentLine), required=True)

    @staticmethod
    def resolve_id(root, _info):
        return graphene.Node.to_global_id("ProviderSubOrder", root.pk)

    @staticmethod
    def resolve_provider_name(root, _info):
        return root.provider.name

    @staticmethod
    def resolve_lines(root, _info):
        return _lines(root)


class ShipTo(graphene.ObjectType):
    """Where the provider ships, and to whom (name and phone only)."""

    name = graphene.String(required=True)
    phone = graphene.String(required=True)
    company_name = graphene.String(required=True)
    street_address_1 = graphene.String(required=True)
    street_address_2 = graphene.String(required=True)
    city = graphene.String(required=True)
    city_area = graphene.String(required=True)
    postal_code = graphene.String(required=True)
    country = graphene.String(required=True)
    country_area = graphene.String(required=True)


class ProviderSubOrderLine(CountableDjangoObjectType):
    product_name = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    sku = graphene.String(required=True)
    settlement_price = graphene.Field(Money, required=True)
    open_quantity = graphene.Int(required=True, description="Units not cancelled.")

    class Meta:
        description = "Units of one order line a provider ships."
        model = models.SubOrderLine
        interfaces = [graphene.relay.Node]
        only_fields = ["id", "quantity", "cancelled_quantity", "cancel_reason"]

    resolve_product_name = ShipmentLine.resolve_product_name
    resolve_variant_name = ShipmentLine.resolve_variant_name
    resolve_sku = ShipmentLine.resolve_sku

    @staticmethod
    def resolve_settlement_price(root, _info):
        return money(root.settlement_price_amount, root.sub_order.currency)

    @staticmethod
    def resolve_open_quantity(root, _info):
        return root.open_quantity


class ProviderSubOrder(CountableDjangoObjectType):
    status = SubOrderStatusEnum(required=True)
    provider_name = graphene.String(required=True)
    reference = graphene.String(required=True, description="SO-<number>.")
    settlement_amount = graphene.Field(Money, required=True)
    ship_to = graphene.Field(ShipTo)
    lines = graphene.List(graphene.NonNull(ProviderSubOrderLine), required=True)
    order_shipment_state = ShipmentStateEnum(
        required=True, description="The whole order's state (partially shipped...)."
    )

    class Meta:
        description = "A provider's part of an order (provider users and staff)."
        model = models.SubOrder
        interfaces = [graphene.relay.Node]
        only_fields = [
            "id",
            "carrier",
            "tracking_number",
            "created_at",
            "accepted_at",
            "shipped_at",
            "delivered_at",
            "cancelled_at",
        ]

    @staticmethod
    def resolve_provider_name(root, _info):
        return root.provider.name

    @staticmethod
    def resolve_reference(root, _info):
        return f"SO-{root.pk}"

    @staticmethod
    def resolve_settlement_amount(root, _info):
        return money(root.settlement_amount, root.currency)

    @staticmethod
    def resolve_ship_to(root, _info):
        return (
            ShipTo(**ship_to(root.order.shipping_address))
            if root.order.shipping_address_id
            else None
        )

    @staticmethod
    def resolve_lines(root, _info):
        return _lines(root)

    @staticmethod
    def resolve_order_shipment_state(root, _info):
        from ..sub_order_workflow import order_shipment_state

        return order_shipment_state(root.order_id)
