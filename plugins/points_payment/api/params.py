"""Strict validation of bodies and query strings: a typed 400 naming the
``param``, before anything is changed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Mapping, Optional

from django.utils.dateparse import parse_datetime

from ..api_errors import ApiErrorCode, bad_request

MAX_POINTS = 10**12
MAX_REFERENCE_LENGTH = 255
MAX_EXTERNAL_ID_LENGTH = 128
MAX_CURSOR_LENGTH = 64
CURSOR_PATTERN = r"^[A-Za-z0-9_=-]+$"
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_PERIOD_ID = 2**63 - 1


def json_object(body: bytes, allow_empty: bool = False) -> Dict[str, Any]:
    if allow_empty and not (body or b"").strip():
        return {}
    try:
        parsed = json.loads((body or b"").decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise bad_request(
            ApiErrorCode.INVALID_JSON, "The body must be a JSON object (UTF-8)."
        ) from None
    if not isinstance(parsed, dict):
        raise bad_request(ApiErrorCode.INVALID_JSON, "The body must be a JSON object.")
    return parsed


def _only(fields: Mapping[str, Any], allowed) -> None:
    for name in fields:
        if name not in allowed:
            raise bad_request(
                ApiErrorCode.PARAMETER_UNKNOWN,
                f"Unknown parameter {name!r}.",
                str(name)[:100],
            )


def _points(fields: Mapping[str, Any]) -> int:
    if "points" not in fields or fields["points"] is None:
        raise bad_request(
            ApiErrorCode.PARAMETER_MISSING, "points is required.", "points"
        )
    value = fields["points"]
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(
            ApiErrorCode.PARAMETER_INVALID, "points must be an integer.", "points"
        )
    if not 1 <= value <= MAX_POINTS:
        raise bad_request(
            ApiErrorCode.PARAMETER_INVALID,
            f"points must be between 1 and {MAX_POINTS}.",
            "points",
        )
    return value


def _reference(fields: Mapping[str, Any]) -> str:
    value = fields.get("reference")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_REFERENCE_LENGTH:
        raise bad_request(
            ApiErrorCode.PARAMETER_INVALID,
            f"reference must be a string of at most {MAX_REFERENCE_LENGTH} characters.",
            "reference",
        )
    if "\x00" in value:
        raise bad_request(
            ApiErrorCode.PARAMETER_INVALID,
            "reference must not contain NUL characters.",
            "reference",
        )
    return value


def _moment(fields: Mapping[str, Any], name: str) -> Optional[datetime]:
    value = fields.get(name)
    if value is None:
        return None
    moment = None
    if isinstance(value, str) and len(value) <= 64:
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        raise bad_request(
            ApiErrorCode.PARAMETER_INVALID,
            f"{name} must be an RFC 3339 date-time with a time zone.",
            name,
        )
    return moment


@dataclass(frozen=True)
class GrantParams:
    points: int
    expires_at: Optional[datetime]
    reference: str


@dataclass(frozen=True)
class RevocationParams:
    points: int
    reference: str


def grant_params(body: bytes) -> GrantParams:
    fields = json_object(body)
    _only(fields, ("points", "expires_at", "reference"))
    return GrantParams(
        _points(fields), _moment(fields, "expires_at"), _reference(fields)
    )


def revocation_params(body: bytes) -> RevocationParams:
    fields = json_object(body)
    _only(fields, ("points", "reference"))
    return RevocationParams(_points(fields), _reference(fields))


def empty_params(body: bytes) -> None:
    _only(json_object(body, allow_empty=True), ())


def external_id(value: str) -> str:
    if not value or len(value) > MAX_EXTERNAL_ID_LENGTH or not value.isprintable():
        raise bad_request(
            ApiErrorCode.PARAMETER_INVALID,
            f"A member's external id is 1 to {MAX_EXTERNAL_ID_LENGTH} printable "
            "characters.",
            "external_id",
        )
    return value


def period_id(value: str) -> int:
    number = int(value) if value.isdigit() and len(value) <= 19 else 0
    if not 1 <= number <= MAX_PERIOD_ID:
        raise bad_request(
            ApiErrorCode.PARAMETER_INVALID,
            "A period id is a positive integer.",
            "id",
        )
    return number


@dataclass(frozen=True)
class TransactionsQuery:
    member: Optional[str]
    limit: int
    cursor: Optional[str]


def transactions_query(query: Mapping[str, Any]) -> TransactionsQuery:
    _only(query, ("member", "limit", "cursor"))
    member = query.get("member") or None
    if member is not None:
        member = external_id(member) if len(member) else None
    raw_limit = query.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise bad_request(
                ApiErrorCode.PARAMETER_INVALID,
                f"limit must be an integer from 1 to {MAX_LIMIT}.",
                "limit",
            )
        limit = int(raw_limit)
    cursor = query.get("cursor") or None
    if cursor is not None and (
        len(cursor) > MAX_CURSOR_LENGTH or not re.match(CURSOR_PATTERN, cursor)
    ):
        raise bad_request("invalid_cursor", "cursor is not one we issued.", "cursor")
    return TransactionsQuery(member, limit, cursor)


def no_query(query: Mapping[str, Any]) -> None:
    _only(query, ())
