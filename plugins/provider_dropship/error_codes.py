"""Typed error codes of the provider plugin (registered with Saleor at start-up)."""

from enum import Enum


class SubOrderErrorCode(str, Enum):
    GRAPHQL_ERROR = "graphql_error"
    REQUIRED = "required"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    INVALID_STATUS = "invalid_status"
    INVALID_QUANTITY = "invalid_quantity"
    REFUND_FAILED = "refund_failed"
    NOT_A_PROVIDER = "not_a_provider"


class SettlementErrorCode(str, Enum):
    GRAPHQL_ERROR = "graphql_error"
    REQUIRED = "required"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    INVALID_PERIOD = "invalid_period"
    PERIOD_OVERLAPS = "period_overlaps"
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_STATUS = "invalid_status"


class ProviderErrorCode(str, Enum):
    """Every refusal of the providers' area (staff, applicants, provider users)."""

    NOT_FOUND = "not_found"
    REQUIRED = "required"
    INVALID = "invalid"
    INVALID_PHONE = "invalid_phone"
    EMAIL_TAKEN = "email_taken"
    RATE_LIMITED = "rate_limited"  # too many sign-ups from one address
    # Links: application drafts and invitations
    INVALID_TOKEN = "invalid_token"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_USED = "token_used"
    INVALID_PASSWORD = "invalid_password"
    # Reviews and status changes
    NOT_EDITABLE = "not_editable"
    INVALID_DECISION = "invalid_decision"
    NOTE_REQUIRED = "note_required"
    INVALID_TRANSITION = "invalid_transition"
    REASON_REQUIRED = "reason_required"
    # Provider users
    NOT_PROVIDER_USER = "not_provider_user"
    PROVIDER_INACTIVE = "provider_inactive"
    OWNER_ONLY = "owner_only"
    # Stock
    INVALID_QUANTITY = "invalid_quantity"
    BELOW_SET_ASIDE = "below_set_aside"
    # Listings and uploads
    INVALID_PRICE = "invalid_price"
    SKU_TAKEN = "sku_taken"
    INVALID_FILE_TYPE = "invalid_file_type"
    FILE_TOO_LARGE = "file_too_large"
