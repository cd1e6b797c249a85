"""Typed error codes of the newsletter (registered with Saleor at start-up)."""

from enum import Enum


class NewsletterErrorCode(str, Enum):
    GRAPHQL_ERROR = "graphql_error"
    REQUIRED = "required"
    INVALID = "invalid"
    NOT_FOUND = "not_found"  # an unknown channel
    INVALID_EMAIL = "invalid_email"
    RATE_LIMITED = "rate_limited"
