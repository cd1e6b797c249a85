"""The OpenAPI 3 document of ``/points/v1/`` (served at ``openapi.json``).

Written by hand next to the views it describes; the contract test runs
schemathesis against a live server with it (tests/points_payment/
test_openapi_contract.py), so a difference between the two fails CI.
"""

from __future__ import annotations

from typing import Any, Dict

from ..api_errors import ApiErrorCode, ErrorType
from . import params

SECURITY_SCHEMES = {
    "channel": ("X-Flash-Channel", "The channel's slug."),
    "timestamp": ("X-Flash-Timestamp", "The request's time, Unix seconds (±300 s)."),
    "nonce": (
        "X-Flash-Nonce",
        "A new value per request (8-128 of A-Z a-z 0-9 . _ ~ : + / = -).",
    ),
    "signature": (
        "X-Flash-Signature",
        'v1=<hex HMAC-SHA256> of "{timestamp}.{nonce}.{METHOD}.{path with '
        'query}.{hex SHA-256 of body}", keyed with the API secret.',
    ),
}


def _ref(name: str) -> Dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Dict[str, Any]) -> Dict[str, Any]:
    return {**schema, "nullable": True}


DATE_TIME = {"type": "string", "format": "date-time"}
POINTS = {"type": "integer", "minimum": 0}

SCHEMAS: Dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["type", "code", "message", "param"],
                "properties": {
                    "type": {"type": "string", "enum": [t.value for t in ErrorType]},
                    "code": {
                        "type": "string",
                        "description": "One of the API's codes ("
                        + ", ".join(code.value for code in ApiErrorCode)
                        + ") or a ledger refusal (insufficient_points, "
                        "quota_exceeded, allowance_cap_exceeded, period_closed, "
                        "member_not_found, invalid_points, ...).",
                    },
                    "message": {"type": "string"},
                    "param": _nullable({"type": "string"}),
                },
            }
        },
    },
    "Period": {
        "type": "object",
        "required": ["id", "starts_at", "ends_at"],
        "properties": {
            "id": {"type": "integer"},
            "starts_at": DATE_TIME,
            "ends_at": DATE_TIME,
            "quota": POINTS,
            "state": {"type": "string", "enum": ["open", "closed"]},
        },
    },
    "Transfer": {
        "type": "object",
        "required": ["id", "code", "points", "member", "reference", "created_at"],
        "properties": {
            "id": {"type": "string"},
            "code": {"type": "string"},
            "points": {"type": "integer", "minimum": 1},
            "member": _nullable({"type": "string"}),
            "reference": {"type": "string"},
            "created_at": DATE_TIME,
            "state": {"type": "string", "enum": ["pending", "posted", "voided"]},
            "hold_id": _nullable({"type": "string"}),
            "expires_at": _nullable(DATE_TIME),
            "period_id": _nullable({"type": "integer"}),
        },
    },
    "Balance": {
        "type": "object",
        "required": ["member", "available", "held", "expiring", "period"],
        "properties": {
            "member": {"type": "string"},
            "available": POINTS,
            "held": POINTS,
            "expiring": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["points", "expires_at"],
                    "properties": {"points": POINTS, "expires_at": DATE_TIME},
                },
            },
            "period": _ref("Period"),
        },
    },
    "TransferList": {
        "type": "object",
        "required": ["data", "next_cursor"],
        "properties": {
            "data": {"type": "array", "items": _ref("Transfer")},
            "next_cursor": _nullable({"type": "string"}),
        },
    },
    "Quota": {
        "type": "object",
        "required": ["period", "quota", "granted", "held", "redeemed", "remaining"],
        "properties": {
            "period": _ref("Period"),
            "quota": POINTS,
            "granted": POINTS,
            "held": POINTS,
            "redeemed": POINTS,
            "remaining": POINTS,
        },
    },
    "Statement": {
        "type": "object",
        "required": [
            "channel",
            "period",
            "mode",
            "quota",
            "granted",
            "revoked",
            "redeemed",
            "refunded",
            "expired",
            "remaining",
            "payable",
            "closed_at",
            "lines",
        ],
        "properties": {
            "channel": {"type": "string"},
            "period": _ref("Period"),
            "mode": {"type": "string", "enum": ["allowance", "pass_through"]},
            "quota": POINTS,
            "granted": POINTS,
            "revoked": POINTS,
            "redeemed": POINTS,
            "refunded": POINTS,
            "expired": POINTS,
            "remaining": POINTS,
            "payable": {"type": "integer"},
            "closed_at": _nullable(DATE_TIME),
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "member",
                        "granted",
                        "revoked",
                        "redeemed",
                        "refunded",
                        "expired",
                    ],
                    "properties": {
                        "member": {"type": "string"},
                        "granted": POINTS,
                        "revoked": POINTS,
                        "redeemed": POINTS,
                        "refunded": POINTS,
                        "expired": POINTS,
                    },
                },
            },
        },
    },
    "GrantRequest": {
        "type": "object",
        "required": ["points"],
        "additionalProperties": False,
        "properties": {
            "points": {"type": "integer", "minimum": 1, "maximum": params.MAX_POINTS},
            "expires_at": _nullable(
                {
                    **DATE_TIME,
                    "description": "Validity end; at most the period's end "
                    "(default: the period's end).",
                }
            ),
            "reference": _nullable(
                {"type": "string", "maxLength": params.MAX_REFERENCE_LENGTH}
            ),
        },
    },
    "RevocationRequest": {
        "type": "object",
        "required": ["points"],
        "additionalProperties": False,
        "properties": {
            "points": {"type": "integer", "minimum": 1, "maximum": params.MAX_POINTS},
            "reference": _nullable(
                {"type": "string", "maxLength": params.MAX_REFERENCE_LENGTH}
            ),
        },
    },
}


def _error(description: str) -> Dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}},
    }


COMMON_ERRORS = {
    "400": _error("Invalid request (typed code, names the param)."),
    "401": _error("Authentication refused (headers, timestamp, signature, nonce)."),
    "403": _error("Channel suspended, or points not enabled."),
    "404": _error("No such member, period or endpoint."),
    "405": _error("Method not allowed."),
}
POST_ERRORS = {
    **COMMON_ERRORS,
    "402": _error(
        "The ledger refused: insufficient_points, quota_exceeded, "
        "allowance_cap_exceeded."
    ),
    "409": _error(
        "idempotency_key_in_use (the first request is still running), "
        "period_closed, or another ledger conflict."
    ),
    "422": _error("idempotency_key_reused: the key was used with another request."),
}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "At most 255 characters, kept at least 24 h: a retry "
    "replays the first response byte for byte.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
EXTERNAL_ID = {
    "name": "external_id",
    "in": "path",
    "required": True,
    "description": "The member's id in the channel's system.",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": params.MAX_EXTERNAL_ID_LENGTH,
    },
}
PERIOD_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": params.MAX_PERIOD_ID},
}


def _json(status: str, description: str, schema: str) -> Dict[str, Any]:
    return {
        status: {
            "description": description,
            "content": {"application/json": {"schema": _ref(schema)}},
        }
    }


def _body(schema: str) -> Dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": _ref(schema)}},
    }


PATHS: Dict[str, Any] = {
    "/members/{external_id}/grants": {
        "post": {
            "operationId": "grantPoints",
            "summary": "Grant points to a member out of the period's quota.",
            "parameters": [EXTERNAL_ID, IDEMPOTENCY_KEY],
            "requestBody": _body("GrantRequest"),
            "responses": {
                **_json("201", "The grant transfer.", "Transfer"),
                **POST_ERRORS,
            },
        }
    },
    "/members/{external_id}/revocations": {
        "post": {
            "operationId": "revokePoints",
            "summary": "Take a member's unspent points back into the quota.",
            "parameters": [EXTERNAL_ID, IDEMPOTENCY_KEY],
            "requestBody": _body("RevocationRequest"),
            "responses": {
                **_json("201", "The revocation transfer.", "Transfer"),
                **POST_ERRORS,
            },
        }
    },
    "/members/{external_id}/balance": {
        "get": {
            "operationId": "memberBalance",
            "parameters": [EXTERNAL_ID],
            "responses": {**_json("200", "The balance.", "Balance"), **COMMON_ERRORS},
        }
    },
    "/transactions": {
        "get": {
            "operationId": "listTransactions",
            "summary": "The channel's transfers, newest first, by cursor.",
            "parameters": [
                {
                    "name": "member",
                    "in": "query",
                    "schema": {
                        "type": "string",
                        "maxLength": params.MAX_EXTERNAL_ID_LENGTH,
                    },
                },
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": params.MAX_LIMIT,
                        "default": params.DEFAULT_LIMIT,
                    },
                },
                {
                    "name": "cursor",
                    "in": "query",
                    "description": "next_cursor of the previous page.",
                    "schema": {
                        "type": "string",
                        "maxLength": params.MAX_CURSOR_LENGTH,
                        "pattern": params.CURSOR_PATTERN,
                    },
                },
            ],
            "responses": {
                **_json("200", "One page of transfers.", "TransferList"),
                **COMMON_ERRORS,
            },
        }
    },
    "/quota": {
        "get": {
            "operationId": "channelQuota",
            "responses": {
                **_json("200", "The current period's quota.", "Quota"),
                **COMMON_ERRORS,
            },
        }
    },
    "/periods/{id}/close": {
        "post": {
            "operationId": "closePeriod",
            "summary": "Close a period: spending stops, the rest expires.",
            "parameters": [PERIOD_ID, IDEMPOTENCY_KEY],
            "responses": {
                **_json("200", "The final statement.", "Statement"),
                **POST_ERRORS,
            },
        }
    },
    "/periods/{id}/statement": {
        "get": {
            "operationId": "periodStatement",
            "parameters": [PERIOD_ID],
            "responses": {
                **_json("200", "The period's statement.", "Statement"),
                **COMMON_ERRORS,
            },
        }
    },
    "/periods/{id}/statement.csv": {
        "get": {
            "operationId": "periodStatementCsv",
            "parameters": [PERIOD_ID],
            "responses": {
                "200": {
                    "description": "The statement as CSV.",
                    "content": {"text/csv": {"schema": {"type": "string"}}},
                },
                **COMMON_ERRORS,
            },
        }
    },
}


def document() -> Dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Saleor Flash points API for channel systems",
            "version": "1",
            "description": "Signed, idempotent REST API (docs/api.md 'Channel API').",
        },
        "servers": [{"url": "/points/v1"}],
        "security": [{name: [] for name in SECURITY_SCHEMES}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                name: {
                    "type": "apiKey",
                    "in": "header",
                    "name": header,
                    "description": description,
                }
                for name, (header, description) in SECURITY_SCHEMES.items()
            },
        },
    }
