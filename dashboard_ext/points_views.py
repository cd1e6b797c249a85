"""Console screens for points: per channel the current period's quota,
granted, held, redeemed, remaining and what expires when; member search and
history; period close with its statement (CSV); the channel's webhook
deliveries (re-sent through the outbox page); the channel API secret's
rotation. Staff turn points on for a channel ("Enable points"), change its
program's settings and open a period with its quota (``program_settings``,
the same service as ``pointsProgramSet`` / ``pointsPeriodOpen``); a refusal
shows on the page with status 400 and changes nothing.

Permission: ``points_payment.manage_points`` (``PointsPermissions.MANAGE_POINTS``)
on every page and action. Thin: the ledger's services do the work.
"""

from __future__ import annotations

from datetime import timezone as dt_timezone
from typing import Any, Dict, List, Mapping, Optional

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods, require_POST

from plugins.core.models import OutboxMessage
from plugins.points_payment import api_secrets, program_settings, services
from plugins.points_payment.domain import ProgramMode
from plugins.points_payment.errors import PointsError
from plugins.points_payment.models import PointsProgram
from plugins.points_payment.program_rules import (
    EDITABLE_SETTINGS,
    ProgramRefused,
)

from .navigation import visible_sections
from .permissions import MANAGE_OUTBOX, MANAGE_POINTS, console_permission_required, may

points_permission = console_permission_required(MANAGE_POINTS)

NOTICES = {
    "closed": "Period closed; its statement is ready.",
    "period_closed": "That period is already closed.",
    "period_not_found": "No such period.",
    "enabled": "Points are on for this channel: check its settings below.",
    "saved": "Settings saved.",
    "period_opened": "Period opened with its quota.",
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


def _errors_by_field(refusal: Optional[ProgramRefused]) -> Dict[str, List[str]]:
    by_field: Dict[str, List[str]] = {}
    for violation in refusal.violations if refusal else []:
        by_field.setdefault(violation.field or "", []).append(violation.message)
    return by_field


def _setting_rows(
    current: Mapping[str, Any], errors: Mapping[str, List[str]]
) -> List[Dict[str, Any]]:
    """One form row per editable setting (``program_rules.EDITABLE_SETTINGS``)."""
    rows = []
    for setting in EDITABLE_SETTINGS:
        value = current.get(setting.name)
        rows.append(
            {
                "name": setting.name,
                "label": setting.label,
                "kind": setting.kind.value,
                "help": setting.help,
                "choices": [m.value for m in setting.choices or ()],
                "value": "" if value is None else value,
                "errors": errors.get(setting.name, []),
            }
        )
    return rows


def _submitted_settings(post) -> Dict[str, Any]:
    # An unticked checkbox is not posted: off.
    return {setting.name: post.get(setting.name, "") for setting in EDITABLE_SETTINGS}


def _moment(text: str):
    """Console times are UTC; a bad one goes to the service as it is (typed
    refusal)."""
    try:
        moment = parse_datetime((text or "").strip().replace(" ", "T", 1))
    except ValueError:  # well formed but not a date (month 13)
        return text
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt_timezone.utc)
    return moment if moment is not None else text


def _list_page(request, error: str = "", status: int = 200):
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
        {
            "sections": visible_sections(request.user),
            "active": "points",
            "rows": rows,
            "without_program": program_settings.channels_without_program(),
            "modes": [mode.value for mode in ProgramMode],
            "error": error,
        },
        status=status,
    )


@points_permission
@require_http_methods(["GET", "POST"])
def points_list(request):
    """The channels' quotas; POST: "Enable points" for a channel (its
    program with the defaults and the mode chosen)."""
    if request.method == "GET":
        return _list_page(request)
    slug = request.POST.get("channel", "")
    try:
        program_settings.set_program(slug, {"mode": request.POST.get("mode", "")})
    except ProgramRefused as refusal:
        return _list_page(request, error=refusal.message, status=400)
    return redirect(f"/dashboard-ext/points/{slug}/?notice=enabled")


def _channel_page(
    request,
    program: PointsProgram,
    status: int = 200,
    submitted: Optional[Mapping[str, Any]] = None,
    refusal: Optional[ProgramRefused] = None,
    period_form: Optional[Mapping[str, str]] = None,
):
    channel_id = program.channel_id
    member = request.GET.get("member", "").strip()
    cursor = request.GET.get("cursor") or None
    balance = error = None
    if member:
        try:
            balance = services.balance(channel_id, member)
        except PointsError as refused:
            error = refused.message
    try:
        history, next_cursor = services.transactions(
            channel_id, member=member or None, limit=20, cursor=cursor
        )
    except PointsError as refused:
        history, next_cursor, error = [], None, refused.message
    deliveries = (
        OutboxMessage.objects.filter(url=program.webhook_url).order_by("-pk")[:20]
        if program.webhook_url
        else []
    )
    errors = _errors_by_field(refusal)
    period_errors, errors = (errors, {}) if period_form is not None else ({}, errors)
    current = (
        submitted if submitted is not None else program_settings.settings_of(program)
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
            "new_webhook_secret": request.session.pop(
                "points_new_webhook_secret", None
            ),
            "notice": NOTICES.get(request.GET.get("notice", ""), ""),
            "closed_period": request.GET.get("period", ""),
            "setting_rows": _setting_rows(current, errors),
            "settings_error": errors.get("", [])
            + errors.get("channel", [])
            + errors.get("rotate_webhook_secret", []),
            "period_form": period_form or {},
            "period_errors": period_errors,
            "period_messages": period_errors.get("", [])
            + period_errors.get("channel", []),
        },
        status=status,
    )


@points_permission
def points_channel(request, slug):
    return _channel_page(request, _program(slug))


@points_permission
@require_POST
def points_settings(request, slug):
    program = _program(slug)
    submitted = _submitted_settings(request.POST)
    try:
        saved = program_settings.set_program(
            slug,
            submitted,
            rotate_webhook_secret=bool(request.POST.get("rotate_webhook_secret")),
        )
    except ProgramRefused as refusal:
        return _channel_page(
            request, program, status=400, submitted=submitted, refusal=refusal
        )
    if saved.new_webhook_secret:
        # Shown once, on the next page only (kept in the staff session).
        request.session["points_new_webhook_secret"] = saved.new_webhook_secret
    return redirect(f"/dashboard-ext/points/{slug}/?notice=saved")


@points_permission
@require_POST
def points_open_period(request, slug):
    program = _program(slug)
    form = {
        name: request.POST.get(name, "") for name in ("starts_at", "ends_at", "quota")
    }
    try:
        program_settings.open_settlement_period(
            slug, _moment(form["starts_at"]), _moment(form["ends_at"]), form["quota"]
        )
    except ProgramRefused as refusal:
        return _channel_page(
            request, program, status=400, refusal=refusal, period_form=form
        )
    return redirect(f"/dashboard-ext/points/{slug}/?notice=period_opened")


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
