"""Typed error codes of the channel plugin (registered with Saleor at start-up)."""

from enum import Enum


class ChannelErrorCode(str, Enum):
    # Entry link / channelSignIn: one code per reason a token is refused.
    MALFORMED_TOKEN = "malformed_token"
    BAD_SIGNATURE = "bad_signature"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_REUSED = "token_reused"
    UNKNOWN_CHANNEL = "unknown_channel"
    CHANNEL_SUSPENDED = "channel_suspended"
    WRONG_CHANNEL = "wrong_channel"
    MISSING_CLAIMS = "missing_claims"
    INVALID_CLAIMS = "invalid_claims"
    EXP_TOO_FAR_AHEAD = "exp_too_far_ahead"
    ISSUED_IN_FUTURE = "issued_in_future"
    MEMBER_DISABLED = "member_disabled"
    # The member's account has become a staff account: no channel may sign
    # anyone in as staff.
    MEMBER_IS_STAFF = "member_is_staff"
    # Staff management of channels, pools and price rules. GRAPHQL_ERROR,
    # REQUIRED and INVALID are the codes Saleor's mutation helpers emit.
    GRAPHQL_ERROR = "graphql_error"
    REQUIRED = "required"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    DUPLICATE_SLUG = "duplicate_slug"
    INVALID_STOREFRONT_URL = "invalid_storefront_url"
    INVALID_RULE = "invalid_rule"
    NOT_IN_PLATFORM_POOL = "not_in_platform_pool"
    BELOW_COST_NOT_ACKNOWLEDGED = "below_cost_not_acknowledged"
    # A member asking for another channel's pool.
    NOT_A_MEMBER = "not_a_member"
