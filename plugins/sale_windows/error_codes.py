from enum import Enum


class FlashSaleErrorCode(str, Enum):
    # Storefront (flashSaleReserve / flashSaleRelease)
    NOT_FOUND = "not_found"
    NOT_LIVE = "not_live"
    SOLD_OUT = "sold_out"
    LIMIT_EXCEEDED = "limit_exceeded"
    INVALID_QUANTITY = "invalid_quantity"
    NOT_IN_CHANNEL = "not_in_channel"
    PROVIDER_UNAVAILABLE = "provider_unavailable"  # its provider is suspended
    # Brakes against hoarding (hold_policy.py)
    SIGN_IN_REQUIRED = "sign_in_required"
    RATE_LIMITED = "rate_limited"
    TOO_MANY_HOLDS = "too_many_holds"
    # Staff (create / update / cancel sales and items)
    INVALID = "invalid"
    REQUIRED = "required"
    INVALID_WINDOW = "invalid_window"
    INVALID_CAP = "invalid_cap"
    INVALID_PRICE = "invalid_price"
    DUPLICATE_VARIANT = "duplicate_variant"
    OVERLAPPING_SALE = "overlapping_sale"
    CAP_BELOW_COMMITTED = "cap_below_committed"
    INSUFFICIENT_STOCK = "insufficient_stock"
    VOUCHER_SALE_ONLY = "voucher_sale_only"
