import graphene

from ..domain import ReservationState, SaleKind, SaleStatus
from ..error_codes import FlashSaleErrorCode

FlashSaleKindEnum = graphene.Enum.from_enum(SaleKind, description="Kind of flash sale.")
FlashSaleStatusEnum = graphene.Enum.from_enum(
    SaleStatus, description="Status derived from the window, cancellation and sales."
)
FlashReservationStateEnum = graphene.Enum.from_enum(ReservationState)
FlashSaleErrorCodeEnum = graphene.Enum.from_enum(FlashSaleErrorCode)
