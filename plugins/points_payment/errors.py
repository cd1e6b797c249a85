"""The ledger's refusals: one exception class per REST error code.

Entry points (REST, GraphQL, the gateway) translate these; nothing has
changed when one is raised (the service's transaction rolls back).
"""

from __future__ import annotations

from enum import Enum
from typing import Optional


class PointsErrorCode(str, Enum):
    INSUFFICIENT_POINTS = "insufficient_points"
    QUOTA_EXCEEDED = "quota_exceeded"
    ALLOWANCE_CAP_EXCEEDED = "allowance_cap_exceeded"
    PERIOD_CLOSED = "period_closed"
    MEMBER_NOT_FOUND = "member_not_found"
    POINTS_NOT_ENABLED = "points_not_enabled"
    TRANSFER_ID_REUSED = "transfer_id_reused"
    HOLD_NOT_FOUND = "hold_not_found"
    HOLD_NOT_PENDING = "hold_not_pending"
    REFUND_REFUSED = "refund_refused"
    INVALID_POINTS = "invalid_points"
    INVALID_EXPIRES_AT = "invalid_expires_at"
    INVALID_TRANSFER_ID = "invalid_transfer_id"
    PERIOD_NOT_FOUND = "period_not_found"
    REDEMPTION_NOT_FOUND = "redemption_not_found"
    INVALID_PERIOD = "invalid_period"
    INVALID_CURSOR = "invalid_cursor"
    INVALID_LIMIT = "invalid_limit"
    INVALID_REFERENCE = "invalid_reference"
    PERIOD_ALREADY_OPEN = "period_already_open"


class PointsError(Exception):
    code = "points_error"
    default_message = "The points ledger refused the request."
    default_param: Optional[str] = None

    def __init__(self, message: Optional[str] = None, param: Optional[str] = None):
        self.message = message or self.default_message
        self.param = param if param is not None else self.default_param
        super().__init__(self.message)


class InsufficientPoints(PointsError):
    code = PointsErrorCode.INSUFFICIENT_POINTS.value
    default_message = "The member does not have enough points."
    default_param = "points"


class QuotaExceeded(PointsError):
    code = PointsErrorCode.QUOTA_EXCEEDED.value
    default_message = "The channel's quota for the period is used up."
    default_param = "points"


class AllowanceCapExceeded(PointsError):
    code = PointsErrorCode.ALLOWANCE_CAP_EXCEEDED.value
    default_message = "The member's cap for the period would be exceeded."
    default_param = "points"


class PeriodClosed(PointsError):
    code = PointsErrorCode.PERIOD_CLOSED.value
    default_message = "No settlement period is open for spending or granting."


class MemberNotFound(PointsError):
    code = PointsErrorCode.MEMBER_NOT_FOUND.value
    default_message = "No such member in this channel's points."
    default_param = "member"


class PointsNotEnabled(PointsError):
    code = PointsErrorCode.POINTS_NOT_ENABLED.value
    default_message = "Points are not enabled for this channel."


class TransferIdReused(PointsError):
    code = PointsErrorCode.TRANSFER_ID_REUSED.value
    default_message = "This transfer id was used with other parameters."
    default_param = "transfer_id"


class HoldNotFound(PointsError):
    code = PointsErrorCode.HOLD_NOT_FOUND.value
    default_message = "No such hold in this channel."
    default_param = "hold_id"


class HoldNotPending(PointsError):
    code = PointsErrorCode.HOLD_NOT_PENDING.value
    default_message = "The hold is already posted, voided or timed out."
    default_param = "hold_id"


class RefundRefused(PointsError):
    code = PointsErrorCode.REFUND_REFUSED.value
    default_message = "This channel does not refund points."


class InvalidPoints(PointsError):
    code = PointsErrorCode.INVALID_POINTS.value
    default_message = "Points must be a whole number greater than zero."
    default_param = "points"


class InvalidExpiresAt(PointsError):
    code = PointsErrorCode.INVALID_EXPIRES_AT.value
    default_message = "expires_at must be in the future and within the period."
    default_param = "expires_at"


class InvalidTransferId(PointsError):
    code = PointsErrorCode.INVALID_TRANSFER_ID.value
    default_message = "A transfer id is 1 to 255 characters."
    default_param = "transfer_id"


class PeriodNotFound(PointsError):
    code = PointsErrorCode.PERIOD_NOT_FOUND.value
    default_message = "No such settlement period in this channel."
    default_param = "id"


class RedemptionNotFound(PointsError):
    code = PointsErrorCode.REDEMPTION_NOT_FOUND.value
    default_message = "No such redemption in this channel."
    default_param = "redemption_id"


class InvalidPeriod(PointsError):
    code = PointsErrorCode.INVALID_PERIOD.value
    default_message = (
        "A period needs an end after its start, a quota >= 0, and no other open period."
    )


class PeriodAlreadyOpen(InvalidPeriod):
    code = PointsErrorCode.PERIOD_ALREADY_OPEN.value
    default_message = "The channel already has an open period."


class InvalidCursor(PointsError):
    code = PointsErrorCode.INVALID_CURSOR.value
    default_message = "This cursor is not one we gave out."
    default_param = "cursor"


class InvalidLimit(PointsError):
    code = PointsErrorCode.INVALID_LIMIT.value
    default_message = "limit must be a whole number from 1 to 100."
    default_param = "limit"


class InvalidReference(PointsError):
    code = PointsErrorCode.INVALID_REFERENCE.value
    default_message = "A reference is text of at most 255 characters."
    default_param = "reference"
