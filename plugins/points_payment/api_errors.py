"""The channel API's errors, Stripe's shape: ``{"error": {"type", "code",
"message", "param"}}``; pure, no Django.

Every refusal has its own ``code`` (a public contract, listed in the
OpenAPI document and docs/api.md) and changes nothing. Ledger refusals
(``errors.PointsError``) keep the ledger's ``.code``; ``LEDGER_STATUS`` says
which HTTP status each gets.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Dict, Optional


class ErrorType(str, Enum):
    AUTHENTICATION = "authentication_error"  # 401: who is calling is not proven
    PERMISSION = "permission_error"  # 403: the caller may not use the API now
    INVALID_REQUEST = "invalid_request_error"  # 400/404/405: fix the request
    IDEMPOTENCY = "idempotency_error"  # 409/422: the key's first use decides
    POINTS = "points_error"  # 402/404/409: the ledger refused the movement
    API = "api_error"  # 500: our fault; safe to retry with the same key


class ApiErrorCode(str, Enum):
    # Authentication (401) and permission (403).
    AUTHENTICATION_REQUIRED = "authentication_required"
    TIMESTAMP_OUTSIDE_WINDOW = "timestamp_outside_window"
    UNKNOWN_CHANNEL = "unknown_channel"
    INVALID_SIGNATURE = "invalid_signature"
    OTHER_CHANNEL_SECRET = "other_channel_secret"
    NONCE_REUSED = "nonce_reused"
    CHANNEL_SUSPENDED = "channel_suspended"
    POINTS_NOT_ENABLED = "points_not_enabled"
    # Requests (400, 404, 405).
    INVALID_JSON = "invalid_json"
    PARAMETER_MISSING = "parameter_missing"
    PARAMETER_INVALID = "parameter_invalid"
    PARAMETER_UNKNOWN = "parameter_unknown"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # Idempotency (400, 409, 422).
    IDEMPOTENCY_KEY_MISSING = "idempotency_key_missing"
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid"
    IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    # Ours.
    INTERNAL_ERROR = "internal_error"


class ApiRefusal(Exception):
    """A request refused with a typed error; nothing was changed."""

    def __init__(
        self,
        status: int,
        error_type: ErrorType,
        code: str,
        message: str,
        param: Optional[str] = None,
    ):
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.code = code.value if isinstance(code, Enum) else code
        self.message = message
        self.param = param

    def as_api(self) -> Dict[str, Any]:
        return {
            "error": {
                "type": self.error_type.value,
                "code": self.code,
                "message": self.message,
                "param": self.param,
            }
        }


def unauthenticated(code: ApiErrorCode, message: str, param=None) -> ApiRefusal:
    return ApiRefusal(401, ErrorType.AUTHENTICATION, code, message, param)


def forbidden(code: ApiErrorCode, message: str) -> ApiRefusal:
    return ApiRefusal(403, ErrorType.PERMISSION, code, message)


def bad_request(code: ApiErrorCode, message: str, param=None) -> ApiRefusal:
    return ApiRefusal(400, ErrorType.INVALID_REQUEST, code, message, param)


def not_found(message: str = "No such endpoint.") -> ApiRefusal:
    return ApiRefusal(404, ErrorType.INVALID_REQUEST, ApiErrorCode.NOT_FOUND, message)


# HTTP status of each ledger refusal (errors.PointsError.code); others: 400.
LEDGER_STATUS = {
    "invalid_points": 400,
    "invalid_expires_at": 400,
    "invalid_transfer_id": 400,
    "invalid_period": 400,
    "invalid_cursor": 400,
    "invalid_limit": 400,
    "invalid_reference": 400,
    "member_not_found": 404,
    "period_not_found": 404,
    "hold_not_found": 404,
    "redemption_not_found": 404,
    "insufficient_points": 402,
    "quota_exceeded": 402,
    "allowance_cap_exceeded": 402,
    "period_closed": 409,
    "period_open": 409,
    "hold_not_pending": 409,
    "refund_refused": 409,
    "points_not_enabled": 403,
    "transfer_id_reused": 422,
}


def ledger_refusal(code: str, message: str, param: Optional[str]) -> ApiRefusal:
    """The API error for a ledger refusal. A transfer id reused with other
    parameters is the idempotency key reused (the key is the transfer id)."""
    if code == "transfer_id_reused":
        return ApiRefusal(
            422,
            ErrorType.IDEMPOTENCY,
            ApiErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This Idempotency-Key was used with other parameters.",
            "Idempotency-Key",
        )
    status = LEDGER_STATUS.get(code, 400)
    if status == 403:
        error_type = ErrorType.PERMISSION
    elif status == 400:
        error_type = ErrorType.INVALID_REQUEST
    else:
        error_type = ErrorType.POINTS
    return ApiRefusal(status, error_type, code, message, param)
