"""``/points/v1/`` endpoints (names are a public contract, docs/api.md).

Each view translates the request into one ledger use case of ``services``;
``endpoint`` does authentication, idempotency and errors.
"""

from __future__ import annotations

from django.http import HttpResponse

from .. import services
from ..api_errors import ApiErrorCode, bad_request, not_found
from . import params, rendering
from .endpoint import channel_get, channel_post
from .openapi import document


def _transfer(view):
    return view.as_api()


@channel_post
def grants(request, caller, transfer_id, external_id):
    """Grant points to a member out of the period's quota (allowance mode)."""
    member = params.external_id(external_id)
    grant = params.grant_params(request.body)

    def effect():
        transfer = services.grant(
            caller.channel_id,
            member,
            grant.points,
            transfer_id=transfer_id,
            expires_at=grant.expires_at,
            reference=grant.reference,
            program=caller.program,
        )
        return rendering.rendered(201, _transfer(transfer))

    return effect


@channel_post
def revocations(request, caller, transfer_id, external_id):
    """Take unspent points back from a member into the period's quota."""
    member = params.external_id(external_id)
    revocation = params.revocation_params(request.body)

    def effect():
        transfer = services.revoke(
            caller.channel_id,
            member,
            revocation.points,
            transfer_id=transfer_id,
            reference=revocation.reference,
        )
        return rendering.rendered(201, _transfer(transfer))

    return effect


@channel_get
def balance(request, caller, external_id):
    params.no_query(request.GET)
    member = services.balance(caller.channel_id, params.external_id(external_id))
    return rendering.rendered(200, {"member": external_id, **member.as_api()})


@channel_get
def transactions(request, caller):
    query = params.transactions_query(request.GET.dict())
    try:
        found, next_cursor = services.transactions(
            caller.channel_id,
            member=query.member,
            limit=query.limit,
            cursor=query.cursor,
        )
    except ValueError:
        raise bad_request(
            ApiErrorCode.PARAMETER_INVALID,
            "cursor is not one we issued.",
            "cursor",
        ) from None
    return rendering.rendered(
        200, {"data": [_transfer(view) for view in found], "next_cursor": next_cursor}
    )


@channel_get
def quota(request, caller):
    params.no_query(request.GET)
    status = services.quota_status(caller.channel_id)
    return rendering.rendered(200, status.as_api())


@channel_post
def close_period(request, caller, transfer_id, period_id):
    """Close a settlement period: spending stops, the rest expires, and the
    statement is final."""
    period = params.period_id(period_id)
    params.empty_params(request.body)

    def effect():
        statement = services.close_period(caller.channel_id, period)
        return rendering.rendered(200, statement.as_api())

    return effect


@channel_get
def statement(request, caller, period_id):
    params.no_query(request.GET)
    found = services.statement(caller.channel_id, params.period_id(period_id))
    return rendering.rendered(200, found.as_api())


@channel_get
def statement_csv(request, caller, period_id):
    params.no_query(request.GET)
    found = services.statement(caller.channel_id, params.period_id(period_id))
    return 200, rendering.CSV, found.as_csv().encode("utf-8")


def index(request):
    return HttpResponse(
        rendering.json_bytes(
            {"api": "points", "version": "v1", "openapi": "/points/v1/openapi.json"}
        ),
        content_type=rendering.JSON,
    )


def openapi(request):
    return HttpResponse(rendering.json_bytes(document()), content_type=rendering.JSON)


def unknown(request, path=""):
    return rendering.refusal_response(not_found())
