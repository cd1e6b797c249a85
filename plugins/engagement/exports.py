"""CSV of each statistic (the console's download links and the GraphQL
``engagementStatisticsCsv`` field give the same bytes)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from enum import Enum
from typing import List

from . import statistics
from .statistics import Scope


class Report(str, Enum):
    FUNNEL = "funnel"
    TIME_ON_PAGE = "time_on_page"
    ENTRY_POINTS = "entry_points"
    CHANNELS = "channels"
    SELL_THROUGH = "sell_through"


def _rate(value) -> str:
    return "" if value is None else f"{value:.4f}"


def _breakdown_rows(rows) -> List[list]:
    return [
        ["key", "label", "views", "add_to_cart", "checkouts", "purchases", "conversion"]
    ] + [
        [
            r.key,
            r.label,
            r.views,
            r.add_to_cart,
            r.checkouts,
            r.purchases,
            _rate(r.conversion),
        ]
        for r in rows
    ]


def report_rows(report: Report, scope: Scope) -> List[list]:
    if report == Report.FUNNEL:
        return [["step", "count", "rate_from_previous", "rate_from_first"]] + [
            [s.name, s.count, _rate(s.rate_from_previous), _rate(s.rate_from_first)]
            for s in statistics.funnel(scope)
        ]
    if report == Report.TIME_ON_PAGE:
        result = statistics.time_on_page(scope)
        rows = [["bucket_upper_ms", "pages"]]
        rows += [[upper, pages] for upper, pages in result.histogram]
        rows += [["median_ms", result.median_ms or ""], ["p90_ms", result.p90_ms or ""]]
        return rows
    if report == Report.ENTRY_POINTS:
        return _breakdown_rows(statistics.entry_points(scope))
    if report == Report.CHANNELS:
        return _breakdown_rows(statistics.channel_comparison(scope))
    if report == Report.SELL_THROUGH:
        if scope.sale_id is None:
            raise ValueError("sale_id")
        return [["minute", "units", "cumulative"]] + [
            [p.minute.isoformat(), p.units, p.cumulative]
            for p in statistics.sell_through(scope.sale_id, scope.since, scope.until)
        ]
    raise ValueError("report")


def to_csv(rows: List[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_safe(cell) for cell in row])
    return buffer.getvalue()


def _safe(cell):
    # No formula injection when a label (a channel name) opens in a sheet.
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@"):
        return "'" + cell
    if isinstance(cell, datetime):
        return cell.isoformat()
    return cell


def report_csv(report: Report, scope: Scope) -> str:
    return to_csv(report_rows(report, scope))
