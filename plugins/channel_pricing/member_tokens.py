"""The account behind a Saleor JWT, refusing members of suspended channels.

``GRAPHQL_JWT["JWT_GET_USER_BY_NATURAL_KEY_HANDLER"]``: django-graphql-jwt
calls it on every authenticated GraphQL request and on every ``tokenRefresh``
(it then refuses inactive accounts itself). So suspending a channel revokes
its members' tokens at once, and they cannot be refreshed; resuming it makes
them work again. One query, as Saleor's own handler.
"""

from __future__ import annotations

from typing import Optional

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from graphql_jwt.exceptions import JSONWebTokenError

from .domain import ChannelStatus
from .error_codes import ChannelErrorCode
from .models import ChannelMember

# Saleor 2.10's GraphQLView reports an error's class name as
# ``extensions.exception.code``: named after the typed channel code, as
# channelSignIn, the entry link and channelCatalog report the same refusal.
ChannelSuspendedToken = type(
    ChannelErrorCode.CHANNEL_SUSPENDED.name,
    (JSONWebTokenError,),
    {"__doc__": "The token's member belongs to a suspended channel."},
)


def account_for_token(email: str):
    """The user a JWT names, or None; raises ``CHANNEL_SUSPENDED`` for a
    member of a suspended channel."""
    suspended_channel = ChannelMember.objects.filter(user_id=OuterRef("pk")).exclude(
        channel__status=ChannelStatus.ACTIVE.value
    )
    user = (
        get_user_model()
        .objects.filter(email=email)
        .annotate(
            suspended_channel_name=Subquery(
                suspended_channel.values("channel__name")[:1]
            )
        )
        .first()
    )
    name: Optional[str] = getattr(user, "suspended_channel_name", None)
    if name is not None:
        raise ChannelSuspendedToken(
            f"The channel {name} is suspended; its members are signed out."
        )
    return user
