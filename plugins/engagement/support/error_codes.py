"""Typed error codes of feedback and support requests (registered with
Saleor at start-up)."""

from enum import Enum


class SupportErrorCode(str, Enum):
    GRAPHQL_ERROR = "graphql_error"
    REQUIRED = "required"
    INVALID = "invalid"
    # No such order/payment/request, or not the buyer's own (one answer for
    # both: a buyer cannot probe other buyers' ids).
    NOT_FOUND = "not_found"
    INVALID_RATING = "invalid_rating"
    TOO_LONG = "too_long"
    # A members.local login has no mailbox: the request needs an address.
    EMAIL_REQUIRED = "email_required"
    INVALID_EMAIL = "invalid_email"
    INVALID_STATUS = "invalid_status"
    INVALID_URL = "invalid_url"
    RATE_LIMITED = "rate_limited"
