from enum import Enum


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
