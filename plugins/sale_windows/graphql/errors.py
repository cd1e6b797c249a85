"""The typed error of flash-sale mutations (global ids: ``plugins.core.global_ids``)."""

from saleor.graphql.core.types.common import Error

from .enums import FlashSaleErrorCodeEnum


class FlashSaleError(Error):
    code = FlashSaleErrorCodeEnum(description="The error code.", required=True)
