import graphene
from saleor.graphql.core.types.common import Error

from ..error_codes import SettlementErrorCode, SubOrderErrorCode

SubOrderErrorCodeEnum = graphene.Enum.from_enum(SubOrderErrorCode)
SettlementErrorCodeEnum = graphene.Enum.from_enum(SettlementErrorCode)


class SubOrderError(Error):
    code = SubOrderErrorCodeEnum(description="The error code.", required=True)


class SettlementError(Error):
    code = SettlementErrorCodeEnum(description="The error code.", required=True)
