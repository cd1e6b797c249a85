import graphene
from saleor.graphql.account.types import User
from saleor.graphql.core.mutations import BaseMutation

from .. import sign_in as sign_in_service
from ..sso import SignInRefused
from .errors import ChannelError, refusal_error


class ChannelMember(graphene.ObjectType):
    id = graphene.GlobalID(required=True)
    external_id = graphene.String(
        required=True, description="The member's id in the channel's own system."
    )
    channel = graphene.String(required=True, description="The channel's slug.")
    name = graphene.String()
    email = graphene.String(description="The e-mail claim of the latest sign-in.")
    phone = graphene.String()
    user = graphene.Field(User, required=True, description="The Saleor account.")

    class Meta:
        description = "A person as known to one channel."
        interfaces = [graphene.relay.Node]

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug

    @staticmethod
    def resolve_user(root, _info):
        return root.user


class ChannelSignIn(BaseMutation):
    token = graphene.String(
        description="Saleor JWT: send it as `Authorization: JWT <token>`."
    )
    member = graphene.Field(ChannelMember)
    created = graphene.Boolean(description="True on the member's first sign-in.")
    token_expires_at = graphene.DateTime(
        description=(
            "When `token` expires. Renew it before then with Saleor's "
            "`tokenRefresh(token)`."
        )
    )
    refresh_expires_at = graphene.DateTime(
        description=(
            "Until when `tokenRefresh` renews tokens of this sign-in; after it "
            "the member comes in again through the channel's entry link."
        )
    )

    class Arguments:
        channel = graphene.String(required=True, description="The channel's slug.")
        token = graphene.String(
            required=True,
            description=(
                "The channel's sign-in JWT (HS256, iss = channel slug, sub, iat, "
                "exp at most 10 minutes ahead, single-use jti)."
            ),
        )

    class Meta:
        description = (
            "Sign a channel member in with the channel's token; returns a Saleor "
            "JWT. Refusals have their own codes and change nothing."
        )
        error_type_class = ChannelError
        error_type_field = "channel_errors"

    @classmethod
    def perform_mutation(cls, _root, _info, channel, token):
        try:
            result = sign_in_service.sign_in(channel, token)
        except SignInRefused as refusal:
            raise refusal_error(refusal) from None
        return cls(
            token=result.saleor_token,
            member=result.member,
            created=result.created,
            token_expires_at=result.token_expires_at,
            refresh_expires_at=result.refresh_expires_at,
        )
