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
