import graphene
from graphql_jwt.decorators import login_required
from saleor.graphql.decorators import permission_required

from .. import services
from ..permissions import PointsPermissions
from .types import MemberPoints, PointsChannelOverview


class PointsQueries(graphene.ObjectType):
    my_points = graphene.List(
        graphene.NonNull(MemberPoints),
        required=True,
        description="The signed-in member's points, one entry per channel.",
    )
    points_overview = graphene.List(
        graphene.NonNull(PointsChannelOverview),
        required=True,
        channel=graphene.String(description="Only this channel (its slug)."),
        description=(
            "Staff with points_payment.manage_points: per channel with points, "
            "the open period's quota, granted, held, redeemed, remaining and "
            "what expires when (the console's Points page)."
        ),
    )

    @login_required
    def resolve_my_points(self, info):
        views = services.member_points(info.context.user.pk)
        return [MemberPoints.from_view(view) for view in views]

    @permission_required(PointsPermissions.MANAGE_POINTS)
    def resolve_points_overview(self, info, channel=None):
        views = services.channel_overviews(channel)
        return [PointsChannelOverview.from_view(view) for view in views]
