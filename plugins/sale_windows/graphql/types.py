import graphene
from django.utils import timezone
from prices import Money as PricesMoney
from saleor.graphql.core.connection import CountableDjangoObjectType
from saleor.graphql.core.types import Money
from saleor.graphql.product.types import ProductVariant

from .. import domain, models
from .enums import (
    FlashReservationStateEnum,
    FlashSaleKindEnum,
    FlashSaleStatusEnum,
)


class FlashSaleItem(CountableDjangoObjectType):
    variant = graphene.Field(ProductVariant, required=True)
    sale_price = graphene.Field(
        Money, required=True, description="Price per unit held."
    )
    cap = graphene.Int(required=True, description="Units this sale may sell in all.")
    sold = graphene.Int(required=True, description="Units sold (orders placed).")
    reserved = graphene.Int(required=True, description="Units under live holds.")
    remaining = graphene.Int(required=True, description="Units open to new holds.")
    per_customer_limit = graphene.Int(
        description="Units one customer may buy across all orders; null = no limit."
    )

    class Meta:
        description = "A variant offered in a flash sale, with its own unit cap."
        model = models.FlashSaleItem
        interfaces = [graphene.relay.Node]
        only_fields = ["id"]

    @staticmethod
    def resolve_sale_price(root: models.FlashSaleItem, _info):
        return PricesMoney(root.sale_price_amount, root.currency)

    @staticmethod
    def resolve_reserved(root: models.FlashSaleItem, _info):
        return _reserved(root)

    @staticmethod
    def resolve_remaining(root: models.FlashSaleItem, _info):
        return domain.units_remaining(root.cap, root.sold, _reserved(root))


def _reserved(item: models.FlashSaleItem) -> int:
    # Annotated by services.items_with_reserved on list queries.
    reserved = getattr(item, "reserved", None)
    if reserved is None:
        from ..services import items_with_reserved

        reserved = items_with_reserved().get(pk=item.pk).reserved
    return reserved


class FlashSale(CountableDjangoObjectType):
    kind = FlashSaleKindEnum(required=True)
    status = FlashSaleStatusEnum(required=True)
    items = graphene.List(graphene.NonNull(FlashSaleItem), required=True)
    channels = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="Slugs of the channels the sale runs in.",
    )
    server_time = graphene.DateTime(
        required=True, description="The server's clock, for storefront countdowns."
    )

    class Meta:
        description = "A time-boxed sale with unit caps per item."
        model = models.FlashSale
        interfaces = [graphene.relay.Node]
        only_fields = [
            "id",
            "name",
            "starts_at",
            "ends_at",
            "description",
            "media_url",
            "ships_by",
            "minimum_quantity",
            "sign_in_required",
            "settlement",
        ]

    @staticmethod
    def resolve_status(root: models.FlashSale, _info):
        items = list(root.items.all())
        unsold = sum(max(item.cap - item.sold, 0) for item in items)
        return domain.sale_status(
            timezone.now(),
            root.starts_at,
            root.ends_at,
            root.cancelled_at is not None,
            unsold if items else 1,
        )

    @staticmethod
    def resolve_items(root: models.FlashSale, _info):
        from ..services import items_with_reserved

        return items_with_reserved(root.items.select_related("variant"))

    @staticmethod
    def resolve_channels(root: models.FlashSale, _info):
        return [channel.slug for channel in root.channels.all()]

    @staticmethod
    def resolve_server_time(_root, _info):
        return timezone.now()


class FlashReservation(graphene.ObjectType):
    id = graphene.ID(required=True, description="Opaque ID; holding it allows release.")
    item = graphene.Field(FlashSaleItem, required=True)
    quantity = graphene.Int(required=True, description="Units held.")
    expires_at = graphene.DateTime(
        required=True, description="When the hold lapses and the units come back."
    )
    state = FlashReservationStateEnum(required=True)
    server_time = graphene.DateTime(
        required=True, description="The server's clock, for countdowns."
    )

    class Meta:
        description = "Flash-sale units held for a checkout."

    @staticmethod
    def resolve_id(root: models.Reservation, _info):
        return graphene.Node.to_global_id("FlashReservation", str(root.token))

    @staticmethod
    def resolve_item(root: models.Reservation, _info):
        return root.item

    @staticmethod
    def resolve_state(root: models.Reservation, _info):
        return root.state

    @staticmethod
    def resolve_server_time(_root, _info):
        return timezone.now()
