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

    @staticmethod
    def from_view(period) -> "PointsPeriod | None":
        """A ``PeriodView`` (or None) as the API shows it."""
        if period is None:
            return None
        return PointsPeriod(
            id=period.id,
            starts_at=period.starts_at,
            ends_at=period.ends_at,
            state=period.state,
        )


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
    balance_refreshed_at = graphene.DateTime(
        description=(
            "Pass-through channels with a balance URL: when the channel's "
            "answer became the balance (null: not refreshed)."
        )
    )
    balance_refresh_error = graphene.String(
        description=(
            "Why the balance could not be refreshed from the channel (the "
            "sign-in token's balance is shown); null when refreshed or not asked."
        )
    )
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
        return MemberPoints(
            available=view.available,
            expiring_points=[
                PointsExpiry(points=points, expires_at=at)
                for points, at in view.expiring
            ],
            period=PointsPeriod.from_view(view.period),
            external_id=view.external_id,
            channel=view.channel,
            balance=view.available,
            held=view.held,
            expiring=view.expiring[0][1] if view.expiring else None,
            history=movements,
            balance_refreshed_at=view.balance_refreshed_at,
            balance_refresh_error=view.balance_refresh_error or None,
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


class PointsChannelOverview(graphene.ObjectType):
    """A channel's points for staff: the open period's figures, as the
    console's Points page shows them."""

    channel = graphene.String(required=True, description="Channel slug.")
    mode = graphene.String(required=True, description="allowance or pass_through.")
    enabled = graphene.Boolean(required=True)
    period = graphene.Field(
        PointsPeriod, description="The open settlement period (null: none open)."
    )
    quota = graphene.Int(description="The period's quota.")
    granted = graphene.Int(
        description=(
            "Net points out of the quota: grants minus revocations "
            "(pass-through: held and redeemed)."
        )
    )
    held = graphene.Int(description="Points held by open checkouts.")
    redeemed = graphene.Int(description="Redeemed points minus refunds.")
    remaining = graphene.Int(description="What the quota still allows.")
    expiring = graphene.List(
        graphene.NonNull(PointsExpiry),
        required=True,
        description=(
            "Members' unspent points per validity end, earliest first "
            "(allowance mode; empty in pass-through mode)."
        ),
    )

    @staticmethod
    def from_view(view: "services.ChannelOverview"):
        status = view.quota
        period = status.period if status else None
        return PointsChannelOverview(
            channel=view.channel,
            mode=view.mode,
            enabled=view.enabled,
            period=PointsPeriod.from_view(period),
            quota=status.quota if status else None,
            granted=status.granted if status else None,
            held=status.held if status else None,
            redeemed=status.redeemed if status else None,
            remaining=status.remaining if status else None,
            expiring=[
                PointsExpiry(points=points, expires_at=at)
                for points, at in view.expiring
            ],
        )
