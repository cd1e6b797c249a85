import graphene
from graphql_jwt.decorators import login_required

from .. import services
from .types import MemberPoints


class PointsQueries(graphene.ObjectType):
    my_points = graphene.List(
        graphene.NonNull(MemberPoints),
        required=True,
        description="The signed-in member's points, one entry per channel.",
    )

    @login_required
    def resolve_my_points(self, info):
        views = services.member_points(info.context.user.pk)
        return [MemberPoints.from_view(view) for view in views]
