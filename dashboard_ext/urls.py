from django.urls import path

from . import (
    channel_views,
    flash_sale_views,
    newsletter_views,
    outbox_views,
    points_views,
    provider_order_views,
    provider_review_views,
    provider_views,
    statistics_views,
    support_views,
    views,
)

app_name = "dashboard_ext"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("flash-sales/", flash_sale_views.sale_list, name="flash-sales"),
    path(
        "flash-sales/<int:sale_id>/",
        flash_sale_views.sale_detail,
        name="flash-sale-detail",
    ),
    path(
        "flash-sales/<int:sale_id>/sell-through.json",
        flash_sale_views.sell_through,
        name="flash-sale-sell-through",
    ),
    path(
        "flash-sales/<int:sale_id>/cancel/",
        flash_sale_views.sale_cancel,
        name="flash-sale-cancel",
    ),
    path("channels/", channel_views.channel_list, name="channels"),
    path("channels/<slug:slug>/", channel_views.channel_detail, name="channel-detail"),
    path(
        "channels/<slug:slug>/rotate-secret/",
        channel_views.rotate_secret,
        name="channel-rotate-secret",
    ),
    path("channels/<slug:slug>/pool/", channel_views.pool_editor, name="channel-pool"),
    path(
        "channels/<slug:slug>/pool/acknowledge/",
        channel_views.pool_acknowledge,
        name="channel-pool-acknowledge",
    ),
    path(
        "channels/<slug:slug>/pool/remove/",
        channel_views.pool_remove,
        name="channel-pool-remove",
    ),
    path("providers/", provider_views.provider_list, name="providers"),
    path(
        "providers/<int:provider_id>/suspend/",
        provider_views.provider_suspend,
        name="provider-suspend",
    ),
    path(
        "providers/<int:provider_id>/reactivate/",
        provider_views.provider_reactivate,
        name="provider-reactivate",
    ),
    path("providers/invite/", provider_views.provider_invite, name="provider-invite"),
    path(
        "providers/applications/",
        provider_review_views.application_list,
        name="provider-applications",
    ),
    path(
        "providers/applications/<int:application_id>/",
        provider_review_views.application_detail,
        name="provider-application",
    ),
    path(
        "providers/applications/<int:application_id>/documents/<slug:kind>/",
        provider_review_views.application_document,
        name="provider-application-document",
    ),
    path(
        "providers/applications/<int:application_id>/<slug:decision>/",
        provider_review_views.application_decide,
        name="provider-application-decide",
    ),
    path(
        "providers/listings/",
        provider_review_views.listing_list,
        name="provider-listings",
    ),
    path(
        "providers/listings/<int:listing_id>/",
        provider_review_views.listing_detail,
        name="provider-listing",
    ),
    path(
        "providers/listings/<int:listing_id>/assets/<int:asset_id>/",
        provider_review_views.listing_asset,
        name="provider-listing-asset",
    ),
    path(
        "providers/listings/<int:listing_id>/<slug:decision>/",
        provider_review_views.listing_decide,
        name="provider-listing-decide",
    ),
    path(
        "providers/sub-orders/",
        provider_order_views.sub_order_board,
        name="provider-sub-orders",
    ),
    path(
        "providers/statements/",
        provider_order_views.statement_list,
        name="provider-statements",
    ),
    path(
        "providers/statements/<int:statement_id>.csv",
        provider_order_views.statement_csv,
        name="provider-statement-csv",
    ),
    path("outbox/", outbox_views.outbox_list, name="outbox"),
    path(
        "outbox/<int:message_id>/resend/",
        outbox_views.outbox_resend,
        name="outbox-resend",
    ),
    path("points/", points_views.points_list, name="points"),
    path("points/<slug:slug>/", points_views.points_channel, name="points-channel"),
    path(
        "points/<slug:slug>/settings/",
        points_views.points_settings,
        name="points-settings",
    ),
    path(
        "points/<slug:slug>/periods/open/",
        points_views.points_open_period,
        name="points-open-period",
    ),
    path(
        "points/<slug:slug>/periods/<int:period_id>/close/",
        points_views.points_close_period,
        name="points-close-period",
    ),
    path(
        "points/<slug:slug>/periods/<int:period_id>/statement.csv",
        points_views.points_statement_csv,
        name="points-statement-csv",
    ),
    path(
        "points/<slug:slug>/rotate-secret/",
        points_views.points_rotate_secret,
        name="points-rotate-secret",
    ),
    path("statistics/", statistics_views.statistics_page, name="statistics"),
    path(
        "statistics/<slug:report>.csv",
        statistics_views.statistics_csv,
        name="statistics-csv",
    ),
    path("support/", support_views.inbox, name="support"),
    path("support/contacts/", support_views.contact_options, name="support-contacts"),
    path("support/feedback/", support_views.feedback_list, name="support-feedback"),
    path(
        "support/<int:request_id>/",
        support_views.request_detail,
        name="support-detail",
    ),
    path(
        "support/<int:request_id>/reply/",
        support_views.request_reply,
        name="support-reply",
    ),
    path(
        "support/<int:request_id>/status/",
        support_views.request_status,
        name="support-status",
    ),
    path("newsletter/", newsletter_views.subscriber_list, name="newsletter"),
    path(
        "newsletter/export.csv",
        newsletter_views.subscriber_export,
        name="newsletter-export",
    ),
    path("<slug:slug>/", views.section, name="section"),
]
