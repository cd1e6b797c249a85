import graphene
from saleor.graphql.core.types.common import Error

from ..confirmation.rules import PointsPaymentErrorCode

PointsPaymentErrorCodeEnum = graphene.Enum.from_enum(PointsPaymentErrorCode)


class PointsPaymentError(Error):
    code = PointsPaymentErrorCodeEnum(description="The error code.", required=True)
