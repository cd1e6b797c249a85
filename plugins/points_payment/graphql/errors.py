import graphene
from saleor.graphql.core.types.common import Error

from ..confirmation.rules import PointsPaymentErrorCode
from ..program_rules import ProgramErrorCode

PointsPaymentErrorCodeEnum = graphene.Enum.from_enum(PointsPaymentErrorCode)


class PointsPaymentError(Error):
    code = PointsPaymentErrorCodeEnum(description="The error code.", required=True)


ProgramErrorCodeEnum = graphene.Enum.from_enum(ProgramErrorCode)


class PointsProgramError(Error):
    code = ProgramErrorCodeEnum(description="The error code.", required=True)
