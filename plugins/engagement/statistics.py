"""Statistics for staff, read from the hourly roll-ups (never the raw
events): funnel, time on page, entry points, channel comparison; and a
flash sale's sell-through curve from its orders (sale_windows' services).

A range is cut to whole hours: ``since`` rounds down, ``until`` up, so a
range always covers the hours it touches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Tuple

from django.db import connection

from plugins.channel_pricing.services import channels_with_pool_size
from plugins.sale_windows.services import sales_for_channel, sold_units_by_minute

from . import domain
from .domain import EntryPoint, EventKind


@dataclass(frozen=True)
class Scope:
    """What a statistic is about: a time range and optional sale, channel
    and product (ids; None = all)."""

    since: datetime
    until: datetime
    sale_id: Optional[int] = None
    channel_id: Optional[int] = None
    product_id: Optional[int] = None

    @property
    def per_item(self) -> bool:
        return self.sale_id is not None or self.product_id is not None

    def hours(self) -> Tuple[datetime, datetime]:
        start = self.since.replace(minute=0, second=0, microsecond=0)
        end = self.until.replace(minute=0, second=0, microsecond=0)
        if end < self.until:
            end += timedelta(hours=1)
        return start, end

    def where(self, with_product: bool = True) -> Tuple[str, list]:
        start, end = self.hours()
        clauses = ["hour >= %s", "hour < %s"]
        params: list = [start, end]
        for column, value in (
            ("sale_id", self.sale_id),
            ("channel_id", self.channel_id),
            ("product_id", self.product_id if with_product else None),
        ):
            if value is not None:
                clauses.append(f"{column} = %s")
                params.append(value)
        return " AND ".join(clauses), params


def _fetch(sql: str, params) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _single_scope(scope: Scope) -> Optional[Tuple[str, int]]:
    given = [
        (name, value)
        for name, value in (
            ("sale", scope.sale_id),
            ("channel", scope.channel_id),
            ("product", scope.product_id),
        )
        if value is not None
    ]
    if not given:
        return ("all", 0)
    return given[0] if len(given) == 1 else None


_SCOPE_COUNTS = """
SELECT kind, sum(events) FROM engagement_scoperollup
WHERE scope = %(scope)s AND scope_id = %(scope_id)s AND (
    (period = 'd' AND period_start >= %(first_day)s AND period_start < %(last_day)s)
    OR (period = 'h' AND period_start >= %(start)s AND period_start < %(head_end)s)
    OR (period = 'h' AND period_start >= %(last_day)s AND period_start < %(end)s))
GROUP BY kind
"""


def counts_by_kind(scope: Scope) -> Dict[str, int]:
    """Events per kind in the scope. One sale, channel or product (or all):
    whole days from the daily scope totals, the range's partial days from
    hourly ones, so the rows read do not grow with the events stored.
    Combinations read the hourly roll-up."""
    single = _single_scope(scope)
    if single is not None:
        start, end = scope.hours()
        first_day = start.replace(hour=0)
        if first_day < start:
            first_day += timedelta(days=1)
        last_day = end.replace(hour=0)
        if last_day < first_day:
            last_day = first_day
        rows = _fetch(
            _SCOPE_COUNTS,
            {
                "scope": single[0],
                "scope_id": single[1],
                "first_day": first_day,
                "last_day": last_day,
                "head_end": min(first_day, end),
                "start": start,
                "end": end,
            },
        )
        return {kind: int(total) for kind, total in rows}
    where, params = scope.where()
    rows = _fetch(
        f"SELECT kind, sum(events) FROM engagement_hourlyrollup WHERE {where} "
        "GROUP BY kind",
        params,
    )
    return {kind: int(total) for kind, total in rows}


def funnel(scope: Scope) -> List[domain.FunnelStep]:
    """Views → favourites/shares → add to cart → checkout → purchase."""
    return domain.funnel(counts_by_kind(scope), per_item=scope.per_item)


@dataclass(frozen=True)
class TimeOnPage:
    pages: int
    median_ms: Optional[int]
    p90_ms: Optional[int]
    mean_engaged_ms: Optional[int]
    # (upper edge of the bucket in ms, page leaves), ascending.
    histogram: List[Tuple[int, int]]


def time_on_page(scope: Scope) -> TimeOnPage:
    where, params = scope.where()
    buckets = {
        int(bucket): int(pages)
        for bucket, pages in _fetch(
            f"SELECT bucket, sum(pages) FROM engagement_timeonpagerollup "
            f"WHERE {where} GROUP BY bucket",
            params,
        )
    }
    engaged = _fetch(
        f"SELECT sum(events), sum(engaged_ms) FROM engagement_hourlyrollup "
        f"WHERE {where} AND kind = %s",
        params + [EventKind.PAGE_LEAVE.value],
    )[0]
    leaves = int(engaged[0] or 0)
    return TimeOnPage(
        pages=sum(buckets.values()),
        median_ms=domain.percentile_from_histogram(buckets, 0.5),
        p90_ms=domain.percentile_from_histogram(buckets, 0.9),
        mean_engaged_ms=int(engaged[1] / leaves) if leaves else None,
        histogram=[
            (domain.bucket_upper_ms(index), buckets[index]) for index in sorted(buckets)
        ],
    )


@dataclass(frozen=True)
class Breakdown:
    """One row of a breakdown (entry point or channel)."""

    key: str
    label: str
    views: int
    add_to_cart: int
    checkouts: int
    purchases: int

    @property
    def conversion(self) -> Optional[float]:
        return None if not self.views else round(self.purchases / self.views, 4)


def _breakdown(scope: Scope, column: str) -> Dict[object, Dict[str, int]]:
    where, params = scope.where()
    rows = _fetch(
        f"SELECT {column}, kind, sum(events) FROM engagement_hourlyrollup "
        f"WHERE {where} GROUP BY {column}, kind",
        params,
    )
    found: Dict[object, Dict[str, int]] = {}
    for key, kind, total in rows:
        found.setdefault(key, {})[kind] = int(total)
    return found


def _row(key: str, label: str, counts: Dict[str, int], per_item: bool) -> Breakdown:
    purchase_kind = (
        EventKind.PURCHASE.value if per_item else EventKind.CHECKOUT_COMPLETED.value
    )
    return Breakdown(
        key=key,
        label=label,
        views=counts.get(EventKind.VIEW.value, 0),
        add_to_cart=counts.get(EventKind.ADD_TO_CART.value, 0),
        checkouts=counts.get(EventKind.CHECKOUT_STARTED.value, 0),
        purchases=counts.get(purchase_kind, 0),
    )


ENTRY_POINT_LABELS = {
    EntryPoint.CHANNEL_APP.value: "Channel app",
    EntryPoint.NEWSLETTER.value: "Newsletter",
    EntryPoint.SOCIAL.value: "Social",
    EntryPoint.LANDING_PAGE.value: "Landing page",
    EntryPoint.WEBSITE.value: "Website",
    "": "Not given",
}


def entry_points(scope: Scope) -> List[Breakdown]:
    """Views, carts, checkouts and purchases per entry point."""
    found = _breakdown(scope, "entry_point")
    return [
        _row(key, ENTRY_POINT_LABELS.get(key, key), found[key], scope.per_item)
        for key in sorted(found, key=lambda k: (k == "", k))
    ]


def channel_comparison(scope: Scope) -> List[Breakdown]:
    """The same counts side by side per channel (0: no channel)."""
    found = _breakdown(scope, "channel_id")
    names = dict(channels_with_pool_size().values_list("pk", "name"))
    rows = [
        _row(
            str(channel_id),
            names.get(channel_id, "No channel" if not channel_id else f"#{channel_id}"),
            counts,
            scope.per_item,
        )
        for channel_id, counts in found.items()
    ]
    return sorted(rows, key=lambda row: (-row.views, row.label))


@dataclass(frozen=True)
class SellThroughPoint:
    minute: datetime
    units: int
    cumulative: int


def sell_through(
    sale_id: int, since: datetime, until: datetime
) -> List[SellThroughPoint]:
    """Units sold per minute (minutes with sales only) and the running total."""
    per_minute = sold_units_by_minute(sale_id, since, until)
    points = []
    total = 0
    for minute in sorted(per_minute):
        total += per_minute[minute]
        points.append(SellThroughPoint(minute, per_minute[minute], total))
    return points


def sale_choices() -> List[Tuple[int, str, datetime, datetime]]:
    """Sales to filter by: (id, name, starts_at, ends_at), newest first."""
    return [
        (sale.pk, sale.name, sale.starts_at, sale.ends_at)
        for sale in sales_for_channel(None).order_by("-starts_at")[:200]
    ]


def channel_choices() -> List[Tuple[int, str]]:
    return list(channels_with_pool_size().order_by("name").values_list("pk", "name"))
