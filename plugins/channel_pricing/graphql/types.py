import graphene
from saleor.core.permissions import ProductPermissions
from saleor.graphql.core.connection import CountableDjangoObjectType

from .. import models, services
from ..domain import ChannelStatus, Rounding

ChannelStatusEnum = graphene.Enum.from_enum(ChannelStatus)
ChannelRoundingEnum = graphene.Enum.from_enum(Rounding)


class SalesChannel(CountableDjangoObjectType):
    status = ChannelStatusEnum(required=True)
    rounding = ChannelRoundingEnum(required=True)
    entry_path = graphene.String(
        required=True, description="Fixed entry link path, opened with ?token=<JWT>."
    )
    pool_size = graphene.Int(required=True, description="Products in the pool.")
    sso_secret = graphene.String(
        description="Current SSO secret (HS256 key, UTF-8), staff only."
    )
    sso_secret_previous = graphene.String(
        description="The secret still accepted while a rotation is under way."
    )

    class Meta:
        description = "A partner app (channel) with its own pool and prices."
        model = models.Channel
        interfaces = [graphene.relay.Node]
        only_fields = [
            "id",
            "name",
            "slug",
            "contact_name",
            "contact_phone",
            "storefront_url",
            "payment_pct",
            "platform_pct",
            "channel_pct",
            "fixed_markup",
            "secret_rotated_at",
            "points_per_currency_unit",
            "points_quota",
            "settlement_period_days",
            "points_refundable",
        ]

    @staticmethod
    def resolve_entry_path(root: models.Channel, _info):
        return services.entry_path(root.slug)

    @staticmethod
    def resolve_pool_size(root: models.Channel, _info):
        size = getattr(root, "pool_size", None)
        if size is None:
            size = root.pool.values("product").distinct().count()
        return size

    @staticmethod
    def resolve_sso_secret(root: models.Channel, info):
        return root.sso_secret if _is_product_manager(info) else None

    @staticmethod
    def resolve_sso_secret_previous(root: models.Channel, info):
        if not _is_product_manager(info):
            return None
        return root.sso_secret_previous or None


def _is_product_manager(info) -> bool:
    user = info.context.user
    return bool(user and user.has_perm(ProductPermissions.MANAGE_PRODUCTS))
