"""Sub-order queries (buyer: orderShipments; provider and staff:
providerSubOrders) and the provider's workflow mutations."""

import graphene
from saleor.graphql.core.fields import PrefetchingConnectionField

from plugins.core import global_ids
from plugins.core.graphql.mutations import TranslatingMutation, on_field

from .. import sub_order_access, sub_order_workflow
from ..shipping_rules import SubOrderRefusal
from .errors import SubOrderError
from .sub_order_types import (
    ProviderSubOrder,
    Shipment,
    ShipmentStateEnum,
    SubOrderStatusEnum,
)


def _order_for(info, order_id):
    """The order if the signed-in user may see its shipments, else None."""
    from saleor.order.models import Order

    pk = global_ids.int_or_none(order_id, "Order")
    if pk is None:
        return None
    order = Order.objects.filter(pk=pk).first()
    if order is None or not sub_order_access.may_see_order(info.context.user, order):
        return None
    return order


class SubOrderQueries(graphene.ObjectType):
    order_shipments = graphene.List(
        graphene.NonNull(Shipment),
        order_id=graphene.Argument(graphene.ID, required=True),
        description=(
            "The order's shipments, one per provider sub-order (the order's "
            "owner or order staff; anyone else gets null)."
        ),
    )
    order_shipment_state = graphene.Field(
        ShipmentStateEnum,
        order_id=graphene.Argument(graphene.ID, required=True),
        description=(
            "Not shipped, partially shipped, shipped, delivered or cancelled, "
            "from the order's sub-orders (owner or staff; else null)."
        ),
    )
    provider_sub_orders = PrefetchingConnectionField(
        ProviderSubOrder,
        status=SubOrderStatusEnum(description="Only sub-orders in this status."),
        description=(
            "Sub-orders: a provider user's own providers' only; staff "
            "(MANAGE_PROVIDERS) every one."
        ),
    )

    def resolve_order_shipments(self, info, order_id):
        order = _order_for(info, order_id)
        if order is None:
            return None
        return order.sub_orders.select_related("provider").order_by("pk")

    def resolve_order_shipment_state(self, info, order_id):
        order = _order_for(info, order_id)
        if order is None:
            return None
        return sub_order_workflow.order_shipment_state(order.pk)

    def resolve_provider_sub_orders(self, info, status=None, **_kwargs):
        sub_orders = sub_order_access.visible_sub_orders(info.context.user)
        if status:
            sub_orders = sub_orders.filter(status=status)
        return sub_orders.select_related(
            "provider", "order__shipping_address"
        ).order_by("-pk")


class ProviderSubOrderMutation(TranslatingMutation):
    """A provider user's action on one of its sub-orders; another provider's
    sub-order answers NOT_FOUND, as one that does not exist."""

    sub_order = graphene.Field(ProviderSubOrder)

    meta_defaults = {
        "error_type_class": SubOrderError,
        "error_type_field": "sub_order_errors",
    }
    translated_errors = {
        SubOrderRefusal: lambda error: on_field(error.field)(error),
    }

    class Meta:
        abstract = True

    @classmethod
    def sub_order_pk(cls, data) -> int:
        # A malformed or foreign id is the same NOT_FOUND as a missing one.
        pk = global_ids.int_or_none(data.get("id"), "ProviderSubOrder")
        if pk is None:
            raise SubOrderRefusal("not_found", "No such sub-order.", "id")
        return pk


class SubOrderAccept(ProviderSubOrderMutation):
    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        description = "Accept a new sub-order (its provider's users)."

    @classmethod
    def perform_mutation(cls, _root, info, **data):
        return cls(
            sub_order=sub_order_workflow.accept(
                info.context.user, cls.sub_order_pk(data)
            )
        )


class SubOrderTrackingUpdate(ProviderSubOrderMutation):
    class Arguments:
        id = graphene.ID(required=True)
        carrier = graphene.String(required=True)
        tracking_number = graphene.String(required=True)

    class Meta:
        description = "Set the carrier and tracking number of a sub-order."

    @classmethod
    def perform_mutation(cls, _root, info, **data):
        return cls(
            sub_order=sub_order_workflow.set_tracking(
                info.context.user,
                cls.sub_order_pk(data),
                data["carrier"],
                data["tracking_number"],
            )
        )


class SubOrderShip(ProviderSubOrderMutation):
    class Arguments:
        id = graphene.ID(required=True)
        carrier = graphene.String(description="Default: the one already set.")
        tracking_number = graphene.String(description="Default: the one already set.")

    class Meta:
        description = (
            "Mark an accepted sub-order shipped: a Saleor fulfilment with the "
            "tracking number; the buyer is e-mailed."
        )

    @classmethod
    def perform_mutation(cls, _root, info, **data):
        return cls(
            sub_order=sub_order_workflow.ship(
                info.context.user,
                cls.sub_order_pk(data),
                data.get("carrier"),
                data.get("tracking_number"),
            )
        )


class SubOrderDeliver(ProviderSubOrderMutation):
    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        description = "Mark a shipped sub-order delivered (enters settlement)."

    @classmethod
    def perform_mutation(cls, _root, info, **data):
        return cls(
            sub_order=sub_order_workflow.deliver(
                info.context.user, cls.sub_order_pk(data)
            )
        )


class SubOrderLineCancelInput(graphene.InputObjectType):
    line_id = graphene.ID(required=True, description="A ProviderSubOrderLine id.")
    quantity = graphene.Int(required=True)


class SubOrderCancelLines(ProviderSubOrderMutation):
    class Arguments:
        id = graphene.ID(required=True)
        lines = graphene.List(graphene.NonNull(SubOrderLineCancelInput), required=True)
        reason = graphene.String(required=True)

    class Meta:
        description = (
            "Cancel units of a sub-order not yet shipped: they go back to "
            "stock, the buyer is refunded for them, flash-sale units and "
            "allowance come back."
        )

    @classmethod
    def perform_mutation(cls, _root, info, **data):
        requested = []
        for line in data["lines"]:
            pk = global_ids.int_or_none(line["line_id"], "ProviderSubOrderLine")
            if pk is None:
                raise SubOrderRefusal(
                    "not_found", "No such line in this sub-order.", "lines"
                )
            requested.append((pk, line["quantity"]))
        return cls(
            sub_order=sub_order_workflow.cancel_lines(
                info.context.user, cls.sub_order_pk(data), requested, data["reason"]
            )
        )


class SubOrderMutations(graphene.ObjectType):
    sub_order_accept = SubOrderAccept.Field()
    sub_order_tracking_update = SubOrderTrackingUpdate.Field()
    sub_order_ship = SubOrderShip.Field()
    sub_order_deliver = SubOrderDeliver.Field()
    sub_order_cancel_lines = SubOrderCancelLines.Field()
