"""Console screens for points: per channel the current period's quota,
granted, held, redeemed, remaining and what expires when; member search and
history; period close with its statement (CSV); the channel's webhook
deliveries (re-sent through the outbox page); the channel API secret's
rotation.

Permission: ``points_payment.manage_points`` (``PointsPermissions.MANAGE_POINTS``)
on every page and action. Thin: the ledger's services do the work.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from plugins.core.models import OutboxMessage
from plugins.points_payment import api_secrets, services
from plugins.points_payment.errors import PointsError
from plugins.points_payment.models import PointsProgram

from .navigation import visible_sections
from .permissions import MANAGE_OUTBOX, MANAGE_POINTS, console_permission_required, may

points_permission = console_permission_required(MANAGE_POINTS)

NOTICES = {
    "closed": "Period closed; its statement is ready.",
    "period_closed": "That period is already closed.",
    "period_not_found": "No such period.",
}


def _quota(channel_id: int):
    try:
        return services.quota_status(channel_id)
    except PointsError:
        return None  # no open period


def _program(slug: str) -> PointsProgram:
    program = services.program_by_slug(slug)
    if program is None:
        raise Http404("No points program for this channel.")
    return program


@points_permission
def points_list(request):
    # The same figures as the staff GraphQL query ``pointsOverview``.
    overviews = {view.channel: view for view in services.channel_overviews()}
    programs = PointsProgram.objects.select_related("channel").order_by("channel__name")
    rows = [
        (
            program,
            overviews[program.channel.slug].quota,
            overviews[program.channel.slug].expiring,
        )
        for program in programs
    ]
    return render(
        request,
        "dashboard_ext/points/list.html",
        {"sections": visible_sections(request.user), "active": "points", "rows": rows},
    )


@points_permission
def points_channel(request, slug):
    program = _program(slug)
    channel_id = program.channel_id
    member = request.GET.get("member", "").strip()
    cursor = request.GET.get("cursor") or None
    balance = error = None
    if member:
        try:
            balance = services.balance(channel_id, member)
        except PointsError as refusal:
            error = refusal.message
    try:
        history, next_cursor = services.transactions(
            channel_id, member=member or None, limit=20, cursor=cursor
        )
    except PointsError as refusal:
        history, next_cursor, error = [], None, refusal.message
    deliveries = (
        OutboxMessage.objects.filter(url=program.webhook_url).order_by("-pk")[:20]
        if program.webhook_url
        else []
    )
    return render(
        request,
        "dashboard_ext/points/channel.html",
        {
            "sections": visible_sections(request.user),
            "active": "points",
            "program": program,
            "channel": program.channel,
            "quota": _quota(channel_id),
            "member": member,
            "balance": balance,
            "history": history,
            "next_cursor": next_cursor,
            "error": error,
            "deliveries": deliveries,
            "may_resend": may(request.user, MANAGE_OUTBOX),
            "new_secret": request.session.pop("points_new_secret", None),
            "notice": NOTICES.get(request.GET.get("notice", ""), ""),
            "closed_period": request.GET.get("period", ""),
        },
    )


@points_permission
@require_POST
def points_close_period(request, slug, period_id):
    program = _program(slug)
    try:
        services.close_period(program.channel_id, period_id)
    except PointsError as refusal:
        return redirect(f"/dashboard-ext/points/{slug}/?notice={refusal.code}")
    return redirect(f"/dashboard-ext/points/{slug}/?notice=closed&period={period_id}")


@points_permission
def points_statement_csv(request, slug, period_id):
    program = _program(slug)
    try:
        statement = services.statement(program.channel_id, period_id)
    except PointsError as refusal:
        raise Http404(refusal.message) from refusal
    response = HttpResponse(statement.as_csv(), content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="points-{slug}-period-{period_id}.csv"'
    )
    return response


@points_permission
@require_POST
def points_rotate_secret(request, slug):
    program = _program(slug)
    # Shown once, on the next page only (kept in the staff session).
    request.session["points_new_secret"] = api_secrets.rotate_api_secret(
        program.channel_id
    )
    return redirect(f"/dashboard-ext/points/{slug}/")
