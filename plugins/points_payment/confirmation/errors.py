from __future__ import annotations

from typing import Optional

from .rules import PointsPaymentErrorCode


class ConfirmationError(Exception):
    """A confirmation step refused: a typed code, a message, the input field."""

    def __init__(
        self,
        code: PointsPaymentErrorCode,
        message: str,
        field: Optional[str] = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
