"""Register our typed error-code enums with Saleor's error-code mapping.

Saleor 2.10 maps every code it does not know to ``invalid``
(``saleor/graphql/core/utils/error_codes.py``); appending our codes to its
list at app start-up keeps them intact in ``errors { code }``.
"""

from __future__ import annotations

from enum import Enum
from typing import Optional, Type


def register_error_codes(*enums: Type[Enum]) -> None:
    from saleor.graphql.core.utils import error_codes

    for enum in enums:
        for member in enum:
            if member.value not in error_codes.saleor_error_codes:
                error_codes.saleor_error_codes.append(member.value)


class ServiceRefusal(Exception):
    """A service's typed refusal, raised before anything is changed: a
    ``code`` (a string or an error-code enum member), a ``message`` for
    people, and the input ``field`` it concerns (None: the whole request).
    Each plugin subclasses it per area (``ListingError``, ``StockError``…) so
    its entry points catch only their own."""

    def __init__(self, code, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
