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
    expiring = graphene.DateTime(description="When the current points expire.")
    history = graphene.List(graphene.NonNull(PointsMovement), required=True)

    @staticmethod
    def from_account(account):
        balance = services.balance_of(account)
        movements = [
            PointsMovement(
                amount=transfer.amount
                if transfer.credit_account_id == account.pk
                else -transfer.amount,
                state=transfer.state,
                description=transfer.description,
                created_at=transfer.created_at,
            )
            for transfer in services.history(account)
        ]
        return MemberPoints(
            channel=account.channel.slug,
            balance=balance.available,
            held=balance.held,
            expiring=account.expires_at,
            history=movements,
        )
