"""GraphQL types of the storefront statistics (staff only)."""

from __future__ import annotations

import graphene

from ..exports import Report


class EngagementReport(graphene.Enum):
    FUNNEL = Report.FUNNEL.value
    TIME_ON_PAGE = Report.TIME_ON_PAGE.value
    ENTRY_POINTS = Report.ENTRY_POINTS.value
    CHANNELS = Report.CHANNELS.value
    SELL_THROUGH = Report.SELL_THROUGH.value


EngagementReportEnum = EngagementReport


class EngagementFunnelStep(graphene.ObjectType):
    name = graphene.String(
        required=True,
        description="views, engaged (favourites + shares), add_to_cart, "
        "checkout, purchase.",
    )
    count = graphene.Int(required=True)
    rate_from_previous = graphene.Float(
        description="count / the previous step's count (null for the first or /0)."
    )
    rate_from_first = graphene.Float(description="count / views (null when 0 views).")


class EngagementTimeBucket(graphene.ObjectType):
    upper_ms = graphene.Int(required=True, description="Upper edge of the bucket.")
    pages = graphene.Int(required=True)


class EngagementTimeOnPage(graphene.ObjectType):
    pages = graphene.Int(required=True, description="Page leaves counted.")
    median_ms = graphene.Int(description="Median time on page (±12 %: buckets).")
    p90_ms = graphene.Int(description="90th percentile time on page (±12 %).")
    mean_engaged_ms = graphene.Int(description="Mean engaged time (heartbeats).")
    histogram = graphene.List(graphene.NonNull(EngagementTimeBucket), required=True)

    @staticmethod
    def resolve_histogram(root, _info):
        return [
            EngagementTimeBucket(upper_ms=upper, pages=pages)
            for upper, pages in root.histogram
        ]


class EngagementBreakdownRow(graphene.ObjectType):
    key = graphene.String(required=True, description="Entry point or channel id.")
    label = graphene.String(required=True)
    views = graphene.Int(required=True)
    add_to_cart = graphene.Int(required=True)
    checkouts = graphene.Int(required=True)
    purchases = graphene.Int(required=True)
    conversion = graphene.Float(description="purchases / views.")


class FlashSaleSellThroughPoint(graphene.ObjectType):
    minute = graphene.DateTime(required=True)
    units = graphene.Int(required=True, description="Units sold in that minute.")
    cumulative = graphene.Int(required=True)
