from enum import Enum


class FlashSaleErrorCode(str, Enum):
    NOT_FOUND = "not_found"
    NOT_LIVE = "not_live"
    SOLD_OUT = "sold_out"
    LIMIT_EXCEEDED = "limit_exceeded"
    INVALID_QUANTITY = "invalid_quantity"
    NOT_IN_CHANNEL = "not_in_channel"
