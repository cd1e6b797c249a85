"""The typed error of every provider mutation, and the translation of the
services' exceptions (each carries ``code``, ``message`` and ``field``)."""

from typing import List

import graphene
from saleor.graphql.core.types.common import Error

from plugins.core.graphql.mutations import TypedError

from ..error_codes import ProviderErrorCode, SettlementErrorCode, SubOrderErrorCode
from ..invitations import InvitationError
from ..listings import ListingError
from ..memberships import ProviderAccessError
from ..notification_targets import WebhookSettingError
from ..onboarding import ApplicationError
from ..stock import StockError
from ..suspension import SuspensionError
from ..uploads import UploadError

ProviderErrorCodeEnum = graphene.Enum.from_enum(ProviderErrorCode)
SubOrderErrorCodeEnum = graphene.Enum.from_enum(SubOrderErrorCode)
SettlementErrorCodeEnum = graphene.Enum.from_enum(SettlementErrorCode)


class ProviderError(Error):
    code = ProviderErrorCodeEnum(description="The error code.", required=True)


class SubOrderError(Error):
    code = SubOrderErrorCodeEnum(description="The error code.", required=True)


class SettlementError(Error):
    code = SettlementErrorCodeEnum(description="The error code.", required=True)


def on_own_field(error: Exception) -> List[TypedError]:
    """The error on the field the service named (None: the whole input)."""
    return [TypedError(getattr(error, "field", None), error.code, error.message)]


TRANSLATED = {
    ApplicationError: on_own_field,
    InvitationError: on_own_field,
    ListingError: on_own_field,
    ProviderAccessError: on_own_field,
    StockError: on_own_field,
    SuspensionError: on_own_field,
    UploadError: on_own_field,
    WebhookSettingError: on_own_field,
}
