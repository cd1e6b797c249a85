from django.urls import path

from . import channel_views, views

app_name = "dashboard_ext"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("channels/", channel_views.channel_list, name="channels"),
    path("channels/<slug:slug>/", channel_views.channel_detail, name="channel-detail"),
    path(
        "channels/<slug:slug>/rotate-secret/",
        channel_views.rotate_secret,
        name="channel-rotate-secret",
    ),
    path("channels/<slug:slug>/pool/", channel_views.pool_editor, name="channel-pool"),
    path(
        "channels/<slug:slug>/pool/remove/",
        channel_views.pool_remove,
        name="channel-pool-remove",
    ),
    path("<slug:slug>/", views.section, name="section"),
]
