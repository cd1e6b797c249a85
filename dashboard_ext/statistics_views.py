"""Console page of the storefront statistics: funnel, time on page, entry
points, channel comparison and a sale's sell-through curve as server-rendered
SVG, filtered by sale, channel and period; CSV of each.

Permission: ``engagement.view_statistics``, the one the GraphQL statistics
require. While the chosen sale is live the page reloads itself every 15 s.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from plugins.engagement import exports, statistics

from . import charts
from .navigation import visible_sections
from .permissions import VIEW_STATISTICS, console_permission_required

statistics_permission_required = console_permission_required(VIEW_STATISTICS)

PERIODS = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
REFRESH_SECONDS = 15
STEP_LABELS = {
    "views": "Views",
    "engaged": "Favourites + shares",
    "add_to_cart": "Add to cart",
    "checkout": "Checkout",
    "purchase": "Purchase",
}


def _int(value) -> Optional[int]:
    return int(value) if value and str(value).isdigit() else None


def _filters(request, now: datetime) -> dict:
    sales = statistics.sale_choices()
    sale_id = _int(request.GET.get("sale"))
    sale = next((row for row in sales if row[0] == sale_id), None)
    period = request.GET.get("period") or ("sale" if sale else "7d")
    if period == "sale" and sale:
        since, until = (
            sale[2],
            min(max(sale[3], sale[2] + timedelta(minutes=1)), now + timedelta(hours=1)),
        )
        since = min(since, now)
    else:
        period = period if period in PERIODS else "7d"
        since, until = now - PERIODS[period], now
    return {
        "sales": sales,
        "channels": statistics.channel_choices(),
        "sale": sale,
        "period": period,
        "scope": statistics.Scope(
            since=since,
            until=until,
            sale_id=sale[0] if sale else None,
            channel_id=_int(request.GET.get("channel")),
        ),
        "live": bool(sale and sale[2] <= now < sale[3]),
    }


def _sell_through_chart(sale, scope) -> str:
    points = statistics.sell_through(sale[0], sale[2], sale[3])
    span = max((sale[3] - sale[2]).total_seconds(), 60.0)
    return charts.line(
        "Units sold (cumulative)",
        [
            (
                (point.minute - sale[2]).total_seconds() / span,
                point.cumulative,
                f"{point.minute:%m-%d %H:%M}",
            )
            for point in points
        ],
    ), sum(point.units for point in points)


@statistics_permission_required
def statistics_page(request):
    now = timezone.now()
    chosen = _filters(request, now)
    scope = chosen["scope"]
    steps = statistics.funnel(scope)
    time_on_page = statistics.time_on_page(scope)
    entry_rows = statistics.entry_points(scope)
    channel_rows = statistics.channel_comparison(scope)
    funnel_chart = charts.horizontal_bars(
        "Funnel",
        [
            (
                STEP_LABELS[step.name],
                step.count,
                ""
                if step.rate_from_previous is None
                else f"({step.rate_from_previous:.0%} of previous)",
            )
            for step in steps
        ],
    )
    context = {
        "sections": visible_sections(request.user),
        "active": "statistics",
        **chosen,
        "steps": steps,
        "funnel_chart": funnel_chart,
        "time_on_page": time_on_page,
        "time_chart": charts.columns(
            "Time on page",
            [
                (f"≤{upper / 1000:.1f}s", pages)
                for upper, pages in time_on_page.histogram
            ],
        ),
        "entry_chart": charts.horizontal_bars(
            "Views by entry point",
            [
                (row.label, row.views, f"· {row.purchases} purchases")
                for row in entry_rows
                if row.views or row.purchases
            ],
        ),
        "entry_rows": entry_rows,
        "channel_chart": charts.horizontal_bars(
            "Views by channel",
            [
                (row.label, row.views, f"· {row.purchases} purchases")
                for row in channel_rows
            ],
        ),
        "channel_rows": channel_rows,
        "query": request.GET.urlencode(),
        "refresh_seconds": REFRESH_SECONDS if chosen["live"] else None,
        "generated_at": now,
    }
    if chosen["sale"]:
        context["sell_chart"], context["units_sold"] = _sell_through_chart(
            chosen["sale"], scope
        )
    return render(request, "dashboard_ext/statistics/page.html", context)


@statistics_permission_required
def statistics_csv(request, report):
    try:
        kind = exports.Report(report)
    except ValueError:
        raise Http404("No such report") from None
    chosen = _filters(request, timezone.now())
    scope = chosen["scope"]
    if kind == exports.Report.SELL_THROUGH:
        if not chosen["sale"]:
            raise Http404("Choose a sale")
        scope = statistics.Scope(
            since=chosen["sale"][2], until=chosen["sale"][3], sale_id=chosen["sale"][0]
        )
    response = HttpResponse(exports.report_csv(kind, scope), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{kind.value}.csv"'
    return response
