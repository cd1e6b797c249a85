import graphene

from .. import services


class PointsMovement(graphene.ObjectType):
    amount = graphene.Int(
        required=True, description="Points in (positive) or out (negative)."
    )
    state = graphene.String(required=True)
    description = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)
    id = graphene.String(description="The ledger transfer's id.")
    code = graphene.String(description="grant, hold, post, void, refund, ...")


INBOUND_CODES = {"grant", "refund"}


def movement(transfer) -> PointsMovement:
    return PointsMovement(
        id=transfer.id,
        code=transfer.code,
        amount=transfer.points if transfer.code in INBOUND_CODES else -transfer.points,
        state=transfer.state,
        description=transfer.reference or transfer.code,
        created_at=transfer.created_at,
    )


class PointsExpiry(graphene.ObjectType):
    points = graphene.Int(required=True)
    expires_at = graphene.DateTime(required=True)


class PointsPeriod(graphene.ObjectType):
    id = graphene.Int(required=True, description="The settlement period's number.")
    starts_at = graphene.DateTime(required=True)
    ends_at = graphene.DateTime(
        required=True, description="No points are spent after this."
    )
    state = graphene.String(required=True, description="open or closed.")


class PointsHistoryPage(graphene.ObjectType):
    movements = graphene.List(graphene.NonNull(PointsMovement), required=True)
    next_cursor = graphene.String(
        description="Pass as `after` for older movements; null on the last page."
    )


class MemberPoints(graphene.ObjectType):
    channel = graphene.String(required=True, description="Channel slug.")
    balance = graphene.Int(required=True, description="Points available to spend.")
    held = graphene.Int(required=True, description="Points held by open checkouts.")
    expiring = graphene.DateTime(description="When the next points expire.")
    history = graphene.List(graphene.NonNull(PointsMovement), required=True)
    available = graphene.Int(required=True, description="Points available to spend.")
    external_id = graphene.String(
        required=True, description="The member's id in the channel's system."
    )
    expiring_points = graphene.List(
        graphene.NonNull(PointsExpiry),
        required=True,
        description="Unspent points by validity end, soonest first.",
    )
    period = graphene.Field(PointsPeriod, description="The settlement period.")
    history_page = graphene.Field(
        PointsHistoryPage,
        first=graphene.Int(default_value=20, description="At most 100."),
        after=graphene.String(description="The previous page's nextCursor."),
        required=True,
        description="The member's movements, newest first, a page at a time.",
    )

    @staticmethod
    def from_view(view: "services.MemberPointsView"):
        movements = [movement(transfer) for transfer in view.history]
        period = view.period
        return MemberPoints(
            available=view.available,
            expiring_points=[
                PointsExpiry(points=points, expires_at=at)
                for points, at in view.expiring
            ],
            period=PointsPeriod(
                id=period.id,
                starts_at=period.starts_at,
                ends_at=period.ends_at,
                state=period.state,
            )
            if period
            else None,
            external_id=view.external_id,
            channel=view.channel,
            balance=view.available,
            held=view.held,
            expiring=view.expiring[0][1] if view.expiring else None,
            history=movements,
        )

    @staticmethod
    def resolve_history_page(root, info, first=20, after=None):
        from plugins.channel_pricing.services import channel_ids_by_slug

        channel_id = channel_ids_by_slug([root.channel]).get(root.channel)
        if channel_id is None:
            return PointsHistoryPage(movements=[], next_cursor=None)
        transfers, next_cursor = services.transactions(
            channel_id,
            member=root.external_id,
            limit=max(1, min(int(first or 20), 100)),
            cursor=after or None,
        )
        return PointsHistoryPage(
            movements=[movement(transfer) for transfer in transfers],
            next_cursor=next_cursor,
        )
