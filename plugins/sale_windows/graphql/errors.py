"""The typed error of flash-sale mutations and global-ID decoding."""

import uuid

import graphene
from django.core.exceptions import ValidationError
from saleor.graphql.core.types.common import Error

from .enums import FlashSaleErrorCodeEnum


class FlashSaleError(Error):
    code = FlashSaleErrorCodeEnum(description="The error code.", required=True)


def decode_id(global_id: str, expected_type: str, field: str) -> str:
    try:
        type_name, value = graphene.Node.from_global_id(global_id)
    except Exception:
        type_name, value = None, None
    if type_name != expected_type or not value:
        raise ValidationError(
            {field: ValidationError(f"Not a {expected_type} ID.", code="not_found")}
        )
    return value


def decode_uuid(global_id: str, expected_type: str, field: str) -> uuid.UUID:
    value = decode_id(global_id, expected_type, field)
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationError(
            {field: ValidationError(f"Not a {expected_type} ID.", code="not_found")}
        ) from None
