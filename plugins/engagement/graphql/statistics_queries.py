"""Staff queries of the storefront statistics; permission
``engagement.view_statistics`` (EngagementPermissions.VIEW_STATISTICS).
They translate arguments and call ``statistics``; nothing reads raw events."""

from __future__ import annotations

from datetime import timedelta

import graphene
from django.core.exceptions import ValidationError
from saleor.graphql.decorators import permission_required

from plugins.core.global_ids import decode_int

from .. import exports, statistics
from ..permissions import EngagementPermissions
from .statistics_types import (
    EngagementBreakdownRow,
    EngagementFunnelStep,
    EngagementReportEnum,
    EngagementTimeOnPage,
    FlashSaleSellThroughPoint,
)

MAX_RANGE = timedelta(days=400)


def _scope_arguments():
    return {
        "since": graphene.DateTime(required=True, description="Range start (UTC)."),
        "until": graphene.DateTime(required=True, description="Range end (UTC)."),
        "sale_id": graphene.ID(description="A FlashSale id."),
        "channel_id": graphene.ID(description="A SalesChannel id."),
        "product_id": graphene.ID(description="A Product id."),
    }


def scope_of(since, until, sale_id=None, channel_id=None, product_id=None):
    if until <= since:
        raise ValidationError(
            {"until": ValidationError("Must be after since.", code="invalid")}
        )
    if until - since > MAX_RANGE:
        raise ValidationError(
            {"since": ValidationError("At most 400 days.", code="invalid")}
        )
    return statistics.Scope(
        since=since,
        until=until,
        sale_id=decode_int(sale_id, "FlashSale", "saleId") if sale_id else None,
        channel_id=decode_int(channel_id, "SalesChannel", "channelId")
        if channel_id
        else None,
        product_id=decode_int(product_id, "Product", "productId")
        if product_id
        else None,
    )


VIEW_STATISTICS = EngagementPermissions.VIEW_STATISTICS


class StatisticsQueries(graphene.ObjectType):
    engagement_funnel = graphene.List(
        graphene.NonNull(EngagementFunnelStep),
        required=True,
        description="Views → favourites/shares → add to cart → checkout → "
        "purchase over a range, for a sale, channel or product (hourly roll-ups).",
        **_scope_arguments(),
    )
    engagement_time_on_page = graphene.Field(
        EngagementTimeOnPage,
        required=True,
        description="Time-on-page distribution (median, p90, histogram).",
        **_scope_arguments(),
    )
    engagement_entry_points = graphene.List(
        graphene.NonNull(EngagementBreakdownRow),
        required=True,
        description="Views, carts, checkouts and purchases per entry point.",
        **_scope_arguments(),
    )
    engagement_channel_comparison = graphene.List(
        graphene.NonNull(EngagementBreakdownRow),
        required=True,
        description="The same counts per channel, side by side.",
        **_scope_arguments(),
    )
    flash_sale_sell_through = graphene.List(
        graphene.NonNull(FlashSaleSellThroughPoint),
        required=True,
        description="Units of a flash sale sold per minute (from orders).",
        sale_id=graphene.ID(required=True),
        since=graphene.DateTime(required=True),
        until=graphene.DateTime(required=True),
    )
    engagement_statistics_csv = graphene.String(
        required=True,
        description="One of the statistics above as CSV (sell_through needs saleId).",
        report=EngagementReportEnum(required=True),
        **_scope_arguments(),
    )

    @permission_required(VIEW_STATISTICS)
    def resolve_engagement_funnel(self, _info, **arguments):
        return statistics.funnel(scope_of(**arguments))

    @permission_required(VIEW_STATISTICS)
    def resolve_engagement_time_on_page(self, _info, **arguments):
        return statistics.time_on_page(scope_of(**arguments))

    @permission_required(VIEW_STATISTICS)
    def resolve_engagement_entry_points(self, _info, **arguments):
        return statistics.entry_points(scope_of(**arguments))

    @permission_required(VIEW_STATISTICS)
    def resolve_engagement_channel_comparison(self, _info, **arguments):
        return statistics.channel_comparison(scope_of(**arguments))

    @permission_required(VIEW_STATISTICS)
    def resolve_flash_sale_sell_through(self, _info, sale_id, since, until):
        scope = scope_of(since, until, sale_id=sale_id)
        return statistics.sell_through(scope.sale_id, scope.since, scope.until)

    @permission_required(VIEW_STATISTICS)
    def resolve_engagement_statistics_csv(self, _info, report, **arguments):
        scope = scope_of(**arguments)
        report = exports.Report(report)
        if report == exports.Report.SELL_THROUGH and scope.sale_id is None:
            raise ValidationError(
                {
                    "saleId": ValidationError(
                        "Required for sell_through.", code="required"
                    )
                }
            )
        return exports.report_csv(report, scope)
