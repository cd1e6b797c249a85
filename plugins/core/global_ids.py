"""Relay global ids ("Type:value", base64) decoded in one place.

A GraphQL argument that is not an id of the expected type raises
``InvalidGlobalId``: a ``ValidationError`` on the argument's field, so every
Saleor mutation (``BaseMutation.mutate`` catches ``ValidationError``) answers
it as a typed field error with code ``not_found`` and changes nothing. The
lenient ``*_or_none`` forms are for places that hand a bad id on to Saleor's
own handling instead (e.g. the guarded ``checkoutComplete``).
"""

from __future__ import annotations

import uuid
from typing import Optional, Tuple

import graphene
from django.core.exceptions import ValidationError

NOT_FOUND = "not_found"  # a code in every error enum of ours and Saleor's
MAX_PK = 2**31 - 1  # Django's AutoField is a PostgreSQL integer


class InvalidGlobalId(ValidationError):
    """``field`` does not hold an id of ``expected_type`` (or no such object)."""

    def __init__(
        self,
        field: str,
        expected_type: str,
        message: Optional[str] = None,
        code: str = NOT_FOUND,
    ):
        self.field = field
        self.expected_type = expected_type
        super().__init__(
            {field: ValidationError(message or f"Not a {expected_type} ID.", code=code)}
        )


def parse(global_id) -> Tuple[Optional[str], Optional[str]]:
    """``(type name, value)``, or ``(None, None)`` for anything malformed."""
    if not isinstance(global_id, str) or not global_id:
        return None, None
    try:
        type_name, value = graphene.Node.from_global_id(global_id)
    except Exception:
        return None, None
    return type_name, value


def value_or_none(global_id, expected_type: str) -> Optional[str]:
    """The id's value when it is a non-empty id of ``expected_type``, else None."""
    type_name, value = parse(global_id)
    return value if type_name == expected_type and value else None


def int_or_none(global_id, expected_type: str) -> Optional[int]:
    """The id's integer primary key (1 to 2**31-1), else None."""
    value = value_or_none(global_id, expected_type)
    if value is None or not (value.isascii() and value.isdigit()):
        return None
    pk = int(value)
    return pk if 0 < pk <= MAX_PK else None


def uuid_or_none(global_id, expected_type: str) -> Optional[uuid.UUID]:
    """The id's value as a UUID (checkout and reservation tokens), else None."""
    value = value_or_none(global_id, expected_type)
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def decode_value(global_id, expected_type: str, field: str) -> str:
    """The id's value; ``InvalidGlobalId`` on ``field`` when it is not one."""
    value = value_or_none(global_id, expected_type)
    if value is None:
        raise InvalidGlobalId(field, expected_type)
    return value


def decode_int(global_id, expected_type: str, field: str) -> int:
    """The id's integer primary key; ``InvalidGlobalId`` when it is not one."""
    pk = int_or_none(global_id, expected_type)
    if pk is None:
        raise InvalidGlobalId(field, expected_type)
    return pk


def decode_uuid(global_id, expected_type: str, field: str) -> uuid.UUID:
    """The id's value as a UUID; ``InvalidGlobalId`` when it is not one."""
    token = uuid_or_none(global_id, expected_type)
    if token is None:
        raise InvalidGlobalId(field, expected_type)
    return token


def existing_pk(global_id, expected_type: str, field: str, model) -> int:
    """The primary key of an existing ``model`` row the id names; else
    ``InvalidGlobalId`` ("No <type> with this ID.")."""
    pk = decode_int(global_id, expected_type, field)
    if not model.objects.filter(pk=pk).exists():
        raise InvalidGlobalId(field, expected_type, f"No {expected_type} with this ID.")
    return pk
