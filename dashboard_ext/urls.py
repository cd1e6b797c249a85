from django.urls import path

from . import (
    channel_views,
    flash_sale_views,
    newsletter_views,
    outbox_views,
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
    path("outbox/", outbox_views.outbox_list, name="outbox"),
    path(
        "outbox/<int:message_id>/resend/",
        outbox_views.outbox_resend,
        name="outbox-resend",
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
