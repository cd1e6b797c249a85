import graphene
from django.utils import timezone
from saleor.graphql.core.fields import PrefetchingConnectionField

from .. import services
from ..domain import SaleStatus
from .enums import FlashSaleStatusEnum
from .types import FlashSale


class FlashSaleQueries(graphene.ObjectType):
    flash_sales = PrefetchingConnectionField(
        FlashSale,
        channel=graphene.String(description="Only sales running in this channel."),
        status=FlashSaleStatusEnum(description="Only sales in this status."),
        description="Flash sales, soonest first.",
    )
    flash_sale = graphene.Field(
        FlashSale,
        id=graphene.Argument(graphene.ID, required=True),
        description="Look up a flash sale by ID.",
    )

    def resolve_flash_sales(self, _info, channel=None, status=None, **_kwargs):
        sales = services.sales_for_channel(channel)
        status = SaleStatus(status) if status else None
        return services.sales_in_status(status, timezone.now(), sales).prefetch_related(
            "items", "channels"
        )

    def resolve_flash_sale(self, info, id):
        return graphene.Node.get_node_from_global_id(info, id, FlashSale)
