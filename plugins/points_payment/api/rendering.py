"""Response bodies: compact, deterministic JSON (a replay is byte for byte
the first answer, and equal inputs render equal bytes)."""

from __future__ import annotations

import json
from datetime import date, datetime
from datetime import timezone as dt_timezone
from decimal import Decimal
from typing import Any, Tuple

from django.http import HttpResponse

from ..api_errors import ApiRefusal

JSON = "application/json"
CSV = "text/csv; charset=utf-8"


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, to the microsecond when it has one."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt_timezone.utc).replace(tzinfo=None)
    return moment.isoformat() + "Z"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "as_api"):
        return value.as_api()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_bytes(payload: Any) -> bytes:
    return json.dumps(
        payload, default=_default, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def rendered(status: int, payload: Any) -> Tuple[int, str, bytes]:
    return status, JSON, json_bytes(payload)


def refusal_rendered(refusal: ApiRefusal) -> Tuple[int, str, bytes]:
    return rendered(refusal.status, refusal.as_api())


def response(status: int, content_type: str, body: bytes, **headers) -> HttpResponse:
    answer = HttpResponse(body, status=status, content_type=content_type)
    for name, value in headers.items():
        answer[name.replace("_", "-")] = value
    return answer


def refusal_response(refusal: ApiRefusal) -> HttpResponse:
    return response(*refusal_rendered(refusal))
