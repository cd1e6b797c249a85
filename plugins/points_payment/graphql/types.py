import graphene

from .. import services


class PointsMovement(graphene.ObjectType):
    amount = graphene.Int(
        required=True, description="Points in (positive) or out (negative)."
    )
    state = graphene.String(required=True)
    description = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)


class MemberPoints(graphene.ObjectType):
    channel = graphene.String(required=True, description="Channel slug.")
    balance = graphene.Int(required=True, description="Points available to spend.")
    held = graphene.Int(required=True, description="Points held by open checkouts.")
    expiring = graphene.DateTime(description="When the next points expire.")
    history = graphene.List(graphene.NonNull(PointsMovement), required=True)

    @staticmethod
    def from_view(view: "services.MemberPointsView"):
        inbound = {"grant", "refund"}
        movements = [
            PointsMovement(
                amount=transfer.points
                if transfer.code in inbound
                else -transfer.points,
                state=transfer.state,
                description=transfer.reference or transfer.code,
                created_at=transfer.created_at,
            )
            for transfer in view.history
        ]
        return MemberPoints(
            channel=view.channel,
            balance=view.available,
            held=view.held,
            expiring=view.expiring[0][1] if view.expiring else None,
            history=movements,
        )
